"""One-to-one matching of two annotators' boxes and the agreement figures built on it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from .._f1 import f1_summary
from ._format import Box, to_arrays
from .iou import iou_matrix


def match_boxes(
    a: Sequence[Box] | NDArray[np.float64],
    b: Sequence[Box] | NDArray[np.float64],
    iou_threshold: float = 0.5,
) -> list[tuple[int, int, float]]:
    """Optimal one-to-one matching of ``a`` to ``b``: ``[(i, j, iou), ...]``.

    Per label, the Hungarian algorithm maximises the total IoU (H. W. Kuhn, "The Hungarian
    method for the assignment problem", Naval Research Logistics Quarterly 2:83-97, 1955,
    https://doi.org/10.1002/nav.3800020109; ``scipy.optimize.linear_sum_assignment``); pairs
    below ``iou_threshold`` are dropped. Why optimal rather than greedy: with overlapping
    objects a greedy match can steal a box and turn one good pair into two misses.

    Example:
        >>> a = [{"label": "dent", "x": 0, "y": 0, "w": 10, "h": 10}]
        >>> b = [{"label": "dent", "x": 1, "y": 0, "w": 10, "h": 10},
        ...      {"label": "scratch", "x": 0, "y": 0, "w": 10, "h": 10}]
        >>> [(i, j, round(v, 3)) for i, j, v in match_boxes(a, b)]
        [(0, 0, 0.818)]
    """
    xa, la = to_arrays(a)
    xb, lb = to_arrays(b)
    if len(xa) == 0 or len(xb) == 0:
        return []
    ious = iou_matrix(xa, xb)
    out: list[tuple[int, int, float]] = []
    la_arr, lb_arr = np.asarray(la, dtype=object), np.asarray(lb, dtype=object)
    for label in dict.fromkeys(la):
        ia = np.flatnonzero(la_arr == label) if label is not None else np.arange(len(la))
        ib = np.flatnonzero(lb_arr == label) if label is not None else np.arange(len(lb))
        if len(ia) == 0 or len(ib) == 0:
            continue
        sub = ious[np.ix_(ia, ib)]
        rows, cols = linear_sum_assignment(sub, maximize=True)
        for r, c in zip(rows, cols, strict=True):
            if sub[r, c] >= iou_threshold and sub[r, c] > 0:
                out.append((int(ia[r]), int(ib[c]), float(sub[r, c])))
    return sorted(out)


def box_f1(
    a: Sequence[Box] | NDArray[np.float64],
    b: Sequence[Box] | NDArray[np.float64],
    iou_threshold: float = 0.5,
) -> dict[str, float]:
    """F1 of two box sets at an IoU threshold, with precision/recall (``a`` vs ``b``) and mean IoU.

    Matches come from :func:`match_boxes`; ``f1 = 2 m / (|a| + |b|)`` is symmetric. Both empty
    ("nothing to label" twice) is perfect agreement: f1 1.0. ``mean_iou`` averages the matched
    pairs (NaN without matches). Used for gold scoring of boxes (SPEC: box F1 at IoU >= 0.5).

    Example:
        >>> box_f1([(0, 0, 10, 10), (50, 50, 5, 5)], np.array([[0, 0, 10, 9]]))["f1"]
        0.6666666666666666
    """
    if len(a) == 0 and len(b) == 0:
        return f1_summary(0, 0, [])
    matches = match_boxes(a, b, iou_threshold)
    return f1_summary(len(a), len(b), [v for _, _, v in matches])


def pairwise_box_agreement(
    annotations: Mapping[Any, Sequence[Box]], iou_threshold: float = 0.5
) -> dict[str, float]:
    """Agreement of several annotators on one image: mean pairwise F1 and mean matched IoU.

    ``annotations`` maps annotator -> their boxes for the same image. Returns
    ``{"f1", "mean_iou", "pairs"}`` (NaN with fewer than two annotators; ``mean_iou`` is over all
    matched pairs of all annotator pairs).

    Example:
        >>> pairwise_box_agreement({"a": [(0, 0, 4, 4)], "b": [(0, 0, 4, 4)], "c": []})["f1"]
        0.3333333333333333
    """
    names = list(annotations)
    f1s: list[float] = []
    ious: list[float] = []
    for p, q in combinations(names, 2):
        r = box_f1(annotations[p], annotations[q], iou_threshold)
        f1s.append(r["f1"])
        if r["matches"]:
            ious.extend([r["mean_iou"]] * int(r["matches"]))
    return {
        "f1": float(np.mean(f1s)) if f1s else float("nan"),
        "mean_iou": float(np.mean(ious)) if ious else float("nan"),
        "pairs": float(len(f1s)),
    }
