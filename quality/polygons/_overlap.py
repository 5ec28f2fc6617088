"""Overlaps between annotators' polygons and consensus objects, and the matching built on them."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .._assignment import assigned_pairs
from .._ranges import expand
from ._runs import Runs

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


def pixels_in_common(
    runs: Runs, run_owner: I64, disjoint: Runs, disjoint_owner: I64, n_owners: int, n_other: int
) -> tuple[I64, I64, I64]:
    """Pixels shared by each owner of ``runs`` and each owner of ``disjoint``: ``(a, b, n)``
    for every pair with ``n > 0``. ``disjoint``: sorted runs that never overlap each other
    (a consensus mask); ``runs`` may overlap one another. Same line numbering."""
    if not len(runs) or not len(disjoint):
        z = np.zeros(0, dtype=np.int64)
        return z, z.copy(), z.copy()
    span = int(max(runs.end.max(), disjoint.end.max())) + 1
    starts = disjoint.line * span + disjoint.start
    ends = disjoint.line * span + disjoint.end
    lo = np.searchsorted(ends, runs.line * span + runs.start, side="right")
    hi = np.searchsorted(starts, runs.line * span + runs.end, side="left")
    which, other = expand(lo, np.maximum(hi - lo, 0))
    shared = np.minimum(runs.end[which], disjoint.end[other])
    shared -= np.maximum(runs.start[which], disjoint.start[other])
    table = sp.csr_array(
        (shared, (run_owner[which], disjoint_owner[other])), shape=(n_owners, n_other)
    )
    table.sum_duplicates()
    a = np.repeat(np.arange(n_owners, dtype=np.int64), np.diff(table.indptr))
    return a, table.indices.astype(np.int64), table.data.astype(np.int64)


def polygon_object_iou(
    runs: Runs,
    run_poly: I64,
    poly_area: F64,
    consensus: Runs,
    run_object: I64,
    object_area: F64,
) -> tuple[I64, I64, F64]:
    """IoU of every (polygon, consensus object) pair that shares a pixel."""
    poly, obj, inter = pixels_in_common(
        runs, run_poly, consensus, run_object, len(poly_area), len(object_area)
    )
    union = poly_area[poly] + object_area[obj] - inter
    return poly, obj, inter / union


def best_iou_per_answer(answer: I64, obj: I64, iou: F64) -> tuple[I64, I64, F64]:
    """The best IoU of each (answer, object) pair over the answer's polygons."""
    if not len(answer):
        return answer, obj, iou
    order = np.lexsort((answer, obj))
    answer, obj, iou = answer[order], obj[order], iou[order]
    new = np.r_[True, (answer[1:] != answer[:-1]) | (obj[1:] != obj[:-1])]
    at = np.flatnonzero(new)
    return answer[at], obj[at], np.maximum.reduceat(iou, at)


def f1_against(
    pair_poly: I64,
    pair_obj: I64,
    pair_iou: F64,
    poly_answer: I64,
    poly_group: I64,
    object_group: I64,
    n_answers: int,
    iou_threshold: float,
    poly_label: I64 | None = None,
    n_labels: int = 0,
) -> I64:
    """Matched polygons of each answer against the consensus objects of its item: one-to-one
    per label (the optimal assignment on IoU), pairs below ``iou_threshold`` dropped.

    ``poly_label``, ``n_labels``: each polygon's label code, when known. An answer's polygons
    share its item, so its groups come in the order of their labels, and the problems
    (answer, group) are numbered by (answer, label) without a sort."""
    n_groups = int(max(poly_group.max(initial=-1), object_group.max(initial=-1))) + 1
    if poly_label is not None and n_answers * n_labels <= 4 * len(poly_answer) + 1024:
        present = np.zeros(n_answers * n_labels + 1, dtype=np.int64)
        present[poly_answer * n_labels + poly_label] = 1
        problem_answer = np.flatnonzero(present[:-1]) // n_labels
        problem_of = (np.cumsum(present) - 1)[poly_answer * n_labels + poly_label]
        problem_group = np.empty(len(problem_answer), dtype=np.int64)
        problem_group[problem_of] = poly_group  # one group per problem
    else:
        key = poly_answer * max(n_groups, 1) + poly_group
        problems, problem_of = np.unique(key, return_inverse=True)
        problem_of = problem_of.astype(np.int64)
        problem_answer = problems // max(n_groups, 1)
        problem_group = problems % max(n_groups, 1)
    order = np.argsort(problem_of, kind="stable")
    row = np.empty(len(poly_answer), dtype=np.int64)
    row[order] = np.arange(len(poly_answer)) - np.searchsorted(problem_of[order], problem_of[order])
    objects_in = np.bincount(object_group, minlength=n_groups)
    first_object = np.cumsum(objects_in) - objects_in  # objects are numbered group by group
    col = pair_obj - first_object[object_group[pair_obj]]
    n_rows = np.bincount(problem_of, minlength=len(problem_answer))
    n_cols = objects_in[problem_group]
    kept_problem, _, _, _ = assigned_pairs(
        problem_of[pair_poly],
        row[pair_poly],
        col,
        pair_iou,
        n_rows,
        n_cols,
        threshold=iou_threshold,
    )
    return np.bincount(problem_answer[kept_problem], minlength=n_answers).astype(np.int64)
