"""Fusing several annotators' boxes into consensus boxes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from ._format import Box, to_arrays
from .iou import iou_matrix


def fuse_boxes(
    annotations: Mapping[Any, Sequence[Box]],
    weights: Mapping[Any, float] | None = None,
    *,
    iou_threshold: float = 0.5,
    quorum: float = 0.5,
) -> list[dict[str, Any]]:
    """Consensus boxes of one image from several annotators, weighted by reliability.

    Algorithm: annotators are taken in decreasing weight; each one's boxes are matched one to
    one, per label, to the current clusters by the Hungarian algorithm on IoU with the cluster's
    fused box (pairs below ``iou_threshold`` do not match; a cluster takes at most one box per
    annotator); unmatched boxes open new clusters. A cluster's box is the weighted mean of its
    members' coordinates (weighted box fusion, R. Solovyev, W. Wang and T. Gabruseva, "Weighted
    boxes fusion: Ensembling boxes from different object detection models", Image and Vision
    Computing 107:104117, 2021, https://doi.org/10.1016/j.imavis.2021.104117, with annotators in
    place of models). A cluster is kept when its annotators hold at least ``quorum`` of the total
    weight of everybody who annotated the image (an empty answer is a vote for "nothing here").

    ``annotations``: annotator -> boxes (platform dicts). ``weights``: annotator -> reliability
    (e.g. gold accuracy or Dawid-Skene skill); missing annotators weigh 1, all 1 when None.

    Returns dicts ``{"label", "x", "y", "w", "h", "confidence", "support", "mean_iou"}``:
    ``confidence`` is the supporting share of the weight (0-1), ``support`` the number of
    annotators, ``mean_iou`` the members' mean IoU with the fused box (their tightness).

    Example:
        >>> boxes = {"a": [{"label": "dent", "x": 0, "y": 0, "w": 10, "h": 10}],
        ...          "b": [{"label": "dent", "x": 2, "y": 0, "w": 10, "h": 10}],
        ...          "c": []}
        >>> fused = fuse_boxes(boxes)
        >>> [(f["label"], f["x"], f["support"], round(f["confidence"], 2)) for f in fused]
        [('dent', 1.0, 2, 0.67)]
    """
    names = list(annotations)
    w = {n: float(weights.get(n, 1.0)) if weights is not None else 1.0 for n in names}
    total = sum(max(v, 0.0) for v in w.values())
    if not names or total <= 0:
        return []
    # cluster state: label, weighted coordinate sums, weight sum, members (annotator, box)
    clusters: list[dict[str, Any]] = []
    for name in sorted(names, key=lambda n: -w[n]):
        xy, labels = to_arrays(annotations[name])
        if len(xy) == 0 or w[name] <= 0:
            continue
        taken = np.zeros(len(xy), dtype=bool)
        for label in dict.fromkeys(labels):
            mine = [i for i, lab in enumerate(labels) if lab == label]
            open_ = [c for c in clusters if c["label"] == label and name not in c["names"]]
            if open_:
                centres = np.asarray([c["sum"] / c["weight"] for c in open_])
                ious = iou_matrix(xy[mine], centres)
                rows, cols = linear_sum_assignment(ious, maximize=True)
                for r, c in zip(rows, cols, strict=True):
                    if ious[r, c] >= iou_threshold and ious[r, c] > 0:
                        cl = open_[c]
                        cl["sum"] = cl["sum"] + w[name] * xy[mine[r]]
                        cl["weight"] += w[name]
                        cl["names"].append(name)
                        cl["boxes"].append(xy[mine[r]])
                        taken[mine[r]] = True
            for i in mine:
                if not taken[i]:
                    clusters.append(
                        {
                            "label": label,
                            "sum": w[name] * xy[i],
                            "weight": w[name],
                            "names": [name],
                            "boxes": [xy[i]],
                        }
                    )
                    taken[i] = True
    out: list[dict[str, Any]] = []
    for cl in clusters:
        share = cl["weight"] / total
        if share + 1e-12 < quorum:
            continue
        box = cl["sum"] / cl["weight"]
        tight = iou_matrix(np.asarray(cl["boxes"]), box[None, :])[:, 0]
        out.append(
            {
                "label": cl["label"],
                "x": float(box[0]),
                "y": float(box[1]),
                "w": float(box[2]),
                "h": float(box[3]),
                "confidence": float(share),
                "support": len(cl["names"]),
                "mean_iou": float(tight.mean()),
            }
        )
    out.sort(key=lambda f: (-f["confidence"], str(f["label"]), f["y"], f["x"]))
    return out
