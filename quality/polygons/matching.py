"""Mask IoU, one-to-one matching of two annotators' polygons, F1 and gold scoring.

IoU (intersection over union of the pixel sets; the Jaccard index, P. Jaccard, "Étude
comparative de la distribution florale dans une portion des Alpes et du Jura", Bulletin de la
Société Vaudoise des Sciences Naturelles 37:547-579, 1901,
https://doi.org/10.5169/seals-266450) on COCO's pixels, equal to ``pycocotools``'
``maskUtils.iou`` (0 when the masks share no pixel, also for two empty masks). The Dice
coefficient (L. R. Dice, "Measures of the amount of ecologic association between species",
Ecology 26(3):297-302, 1945, https://doi.org/10.2307/1932409) is ``2 IoU / (1 + IoU)`` of the
same masks. Matching and F1 are those of ``quality.boxes`` with mask IoU in place of box IoU:
the Hungarian algorithm per label, pairs below the threshold dropped, ``f1 = 2 m / (|a| + |b|)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from .._f1 import f1_summary
from .._ranges import expand
from ._runs import Runs, union
from ._table import is_ok, polygons_of
from .raster import canvas, image_runs

Polygon = Mapping[str, Any]
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


def _shared(runs_a: Runs, owner_a: I64, runs_b: Runs, owner_b: I64, shape: tuple[int, int]) -> I64:
    """Pixels shared by every owner of ``a`` and every owner of ``b`` (runs on image columns;
    runs of different owners may overlap)."""
    out = np.zeros(shape, dtype=np.int64)
    if not len(runs_a) or not len(runs_b):
        return out
    span = int(max(runs_a.end.max(), runs_b.end.max())) + 1
    order = np.lexsort((runs_b.start, runs_b.line))
    keys = runs_b.line[order] * span + runs_b.start[order]
    lo = np.searchsorted(keys, runs_a.line * span, side="left")
    hi = np.searchsorted(keys, runs_a.line * span + runs_a.end, side="left")
    which, at = expand(lo, np.maximum(hi - lo, 0))
    other = order[at]
    common = np.minimum(runs_a.end[which], runs_b.end[other])
    common -= np.maximum(runs_a.start[which], runs_b.start[other])
    keep = common > 0
    np.add.at(out, (owner_a[which[keep]], owner_b[other[keep]]), common[keep])
    return out


def iou_matrix(
    a: Sequence[Polygon],
    b: Sequence[Polygon],
    *,
    height: int | None = None,
    width: int | None = None,
) -> F64:
    """Mask IoU of every polygon of ``a`` with every polygon of ``b`` (``len(a) x len(b)``).

    Equal to ``maskUtils.iou`` of the polygons' COCO masks with ``iscrowd`` 0. Without the
    image size, a canvas just holding the points (``raster.canvas``).

    Example:
        >>> square = {"points": [[0, 0], [4, 0], [4, 4], [0, 4]]}
        >>> half = {"points": [[0, 0], [4, 0], [4, 2], [0, 2]]}
        >>> iou_matrix([square], [half, square], height=8, width=8)
        array([[0.5, 1. ]])
    """
    height, width = canvas(height, width, a, b)
    ra, oa, na = image_runs(a, height=height, width=width)
    rb, ob, nb = image_runs(b, height=height, width=width)
    inter = _shared(ra, oa, rb, ob, (na, nb)).astype(np.float64)
    area_a = np.bincount(oa, weights=ra.length, minlength=na)
    area_b = np.bincount(ob, weights=rb.length, minlength=nb)
    union_ = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union_, out=np.zeros_like(inter), where=inter > 0)


def mask_iou(
    a: NDArray[Any] | Sequence[Polygon],
    b: NDArray[Any] | Sequence[Polygon],
    *,
    height: int | None = None,
    width: int | None = None,
) -> float:
    """IoU of two masks, or of the union masks of two polygon sets.

    0 when they share no pixel (also for two empty masks), as ``maskUtils.iou``.

    Example:
        >>> mask_iou(np.array([[1, 1], [0, 0]]), np.array([[1, 0], [1, 0]]))
        0.3333333333333333
    """
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        ma, mb = a != 0, b != 0
        inter = int(np.count_nonzero(ma & mb))
        return inter / int(np.count_nonzero(ma | mb)) if inter else 0.0
    height, width = canvas(height, width, a, b)
    ra, _, _ = image_runs(a, height=height, width=width)
    rb, _, _ = image_runs(b, height=height, width=width)
    ua, ub = union(ra, width), union(rb, width)
    zero_a, zero_b = np.zeros(len(ua), np.int64), np.zeros(len(ub), np.int64)
    inter = int(_shared(ua, zero_a, ub, zero_b, (1, 1))[0, 0])
    if not inter:
        return 0.0
    return inter / (int(ua.length.sum()) + int(ub.length.sum()) - inter)


def match_polygons(
    a: Sequence[Polygon],
    b: Sequence[Polygon],
    *,
    height: int | None = None,
    width: int | None = None,
    iou_threshold: float = 0.5,
) -> list[tuple[int, int, float]]:
    """Optimal one-to-one matching of ``a`` to ``b`` per label: ``[(i, j, iou), ...]``.

    The Hungarian algorithm (H. W. Kuhn, Naval Research Logistics Quarterly 2:83-97, 1955,
    https://doi.org/10.1002/nav.3800020109) maximises the total mask IoU of same-label pairs;
    pairs below ``iou_threshold`` are dropped.
    """
    if not len(a) or not len(b):
        return []
    ious = iou_matrix(a, b, height=height, width=width)
    la = np.asarray([p.get("label") for p in a], dtype=object)
    lb = np.asarray([p.get("label") for p in b], dtype=object)
    out: list[tuple[int, int, float]] = []
    for label in dict.fromkeys(la.tolist()):
        ia, ib = np.flatnonzero(la == label), np.flatnonzero(lb == label)
        if not len(ia) or not len(ib):
            continue
        sub = ious[np.ix_(ia, ib)]
        rows, cols = linear_sum_assignment(sub, maximize=True)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            if sub[r, c] >= iou_threshold and sub[r, c] > 0:
                out.append((int(ia[r]), int(ib[c]), float(sub[r, c])))
    return sorted(out)


def polygon_f1(
    a: Sequence[Polygon],
    b: Sequence[Polygon],
    *,
    height: int | None = None,
    width: int | None = None,
    iou_threshold: float = 0.5,
) -> dict[str, float]:
    """F1 of two polygon sets at a mask-IoU threshold, with precision and recall (``a`` vs
    ``b``) and the mean IoU of the matched pairs; two empty sets agree (f1 1.0).

    Example:
        >>> sq = {"label": "dent", "points": [[0, 0], [4, 0], [4, 4], [0, 4]]}
        >>> polygon_f1([sq], [sq, {**sq, "label": "scratch"}], height=8, width=8)["f1"]
        0.6666666666666666
    """
    if not len(a) and not len(b):
        return f1_summary(0, 0, [])
    matches = match_polygons(a, b, height=height, width=width, iou_threshold=iou_threshold)
    return f1_summary(len(a), len(b), [v for _, _, v in matches])


def score_polygons(
    answer: Mapping[str, Any] | None,
    reference: Mapping[str, Any] | None,
    *,
    height: int | None = None,
    width: int | None = None,
    iou_threshold: float = 0.5,
) -> float:
    """How far one polygons result agrees with a reference (gold, or the consensus), 0 to 1.

    Polygon F1 at ``iou_threshold`` (SPEC: the same rule as boxes, F1 at IoU >= 0.5). Results
    without polygons — ``{"ok": true}``, ``{"polygons": []}`` — agree when their OK/NG flags
    do: an OK answer to an OK gold scores 1, "defect, not outlined" (``ok: false``) against OK
    scores 0.

    Example:
        >>> score_polygons({"ok": True}, {"polygons": []}, height=10, width=10)
        1.0
    """
    pa, pb = polygons_of(answer), polygons_of(reference)
    if not pa and not pb:
        return 1.0 if is_ok(answer) == is_ok(reference) else 0.0
    return polygon_f1(pa, pb, height=height, width=width, iou_threshold=iou_threshold)["f1"]


def pairwise_polygon_agreement(
    annotations: Mapping[Any, Mapping[str, Any] | Sequence[Polygon]],
    *,
    height: int | None = None,
    width: int | None = None,
    iou_threshold: float = 0.5,
) -> dict[str, float]:
    """Agreement of several annotators on one image: mean pairwise F1 (``score_polygons`` of
    each pair, so two OK answers agree) and mean matched mask IoU; NaN below two annotators.
    ``annotations``: annotator -> result dict or polygon list."""

    def result(v: Mapping[str, Any] | Sequence[Polygon]) -> Mapping[str, Any]:
        return v if isinstance(v, Mapping) else {"polygons": list(v)}

    f1s: list[float] = []
    ious: list[float] = []
    for p, q in combinations(list(annotations), 2):
        ra, rb = result(annotations[p]), result(annotations[q])
        f1s.append(score_polygons(ra, rb, height=height, width=width, iou_threshold=iou_threshold))
        pa, pb = polygons_of(ra), polygons_of(rb)
        if pa and pb:
            matches = match_polygons(
                pa, pb, height=height, width=width, iou_threshold=iou_threshold
            )
            ious.extend(v for _, _, v in matches)
    return {
        "f1": float(np.mean(f1s)) if f1s else float("nan"),
        "mean_iou": float(np.mean(ious)) if ious else float("nan"),
        "pairs": float(len(f1s)),
    }
