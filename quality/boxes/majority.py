"""The boxes a strict majority of annotations agree on: a plain vote, without weights."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._format import Box
from .iou import iou_matrix

COORDS = ("x", "y", "w", "h")


def majority_boxes(
    annotations: Sequence[Sequence[Box]], iou_threshold: float = 0.5
) -> list[tuple[dict[str, Any], float]]:
    """Boxes given by more than half of ``annotations``, each with its support (share of them).

    Why a second way besides :func:`fuse_boxes`: this is the floor an export falls back on before
    any reliability is known, so it weighs every annotation the same and is reproducible by hand.
    Boxes are grouped greedily in answer order: a box joins the group of its label, holding no
    box of its own annotation yet, whose first box it overlaps most (IoU >= ``iou_threshold``,
    the PASCAL VOC criterion: M. Everingham et al., IJCV 88:303-338, 2010,
    https://doi.org/10.1007/s11263-009-0275-4; the later group on a tie), else it opens a group.
    A group given by a strict majority is kept at the mean of its boxes (rounded to 0.01 px),
    and the kept boxes come sorted top to bottom, then left to right, then by label.

    Example:
        >>> a = {"label": "dent", "x": 0, "y": 0, "w": 10, "h": 10}
        >>> b = {"label": "dent", "x": 1, "y": 0, "w": 10, "h": 10}
        >>> majority_boxes([[a], [b], []])
        [({'label': 'dent', 'x': 0.5, 'y': 0.0, 'w': 10.0, 'h': 10.0}, 0.6666666666666666)]
    """
    flat = [box for boxes in annotations for box in boxes]
    # every pair once per item; the greedy scan below reads it as Python floats
    overlap = iou_matrix(flat, flat).tolist() if flat else []
    anchors: list[int] = []  # the first box of each group, as an index into ``flat``
    groups: list[list[Box]] = []
    owners: list[set[int]] = []
    at = 0
    for who, boxes in enumerate(annotations):
        for box in boxes:
            best, best_iou = None, iou_threshold
            row = overlap[at]
            for g, anchor in enumerate(anchors):
                if flat[anchor]["label"] != box["label"] or who in owners[g]:
                    continue
                if row[anchor] >= best_iou:  # ``>=``: the later group on a tie
                    best, best_iou = g, row[anchor]
            if best is None:
                anchors.append(at)
                groups.append([box])
                owners.append({who})
            else:
                groups[best].append(box)
                owners[best].add(who)
            at += 1
    n = len(annotations)
    kept = [
        (
            {
                "label": group[0]["label"],
                **{k: round(sum(b[k] for b in group) / len(group), 2) for k in COORDS},
            },
            len(who) / n,
        )
        for group, who in zip(groups, owners, strict=True)
        if len(who) * 2 > n
    ]
    kept.sort(key=lambda pair: (pair[0]["y"], pair[0]["x"], pair[0]["label"]))
    return kept
