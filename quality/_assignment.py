"""Many small assignment problems at once: the optimal one-to-one matching of each.

Every problem is a ``rows x cols`` matrix of scores (IoU) given by its positive entries; the
optimal assignment maximises the total score (H. W. Kuhn, "The Hungarian method for the
assignment problem", Naval Research Logistics Quarterly 2:83-97, 1955,
https://doi.org/10.1002/nav.3800020109) and the pairs kept are those scoring at least a
threshold — what ``scipy.optimize.linear_sum_assignment`` followed by a threshold gives, which
the per-item code of ``quality.boxes`` uses.

Solved in three tiers, all giving scipy's kept pairs:

1. a problem whose positive entries share no row and no column keeps exactly those (any other
   assignment loses score) — most problems of real annotations;
2. small problems are solved by enumerating every assignment of the smaller side at once in
   NumPy (at most ``MAX_ENUMERATION`` per problem); where a second assignment scores within
   ``TIE`` of the best and keeps other pairs, the choice between them is scipy's;
3. the rest go to ``linear_sum_assignment`` one by one.
"""

from __future__ import annotations

from itertools import permutations
from math import perm

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from ._ranges import expand

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

MAX_ENUMERATION = 720
TIE = 1e-9


def _kept(value: F64, threshold: float) -> NDArray[np.bool_]:
    return (value >= threshold) & (value > 0)


def assigned_pairs(
    problem: I64,
    row: I64,
    col: I64,
    value: F64,
    n_rows: I64,
    n_cols: I64,
    *,
    threshold: float,
) -> tuple[I64, I64, I64, F64]:
    """Kept pairs ``(problem, row, col, value)`` of the optimal assignment of every problem.

    ``problem, row, col, value``: the entries (one per cell at most; cells not given score 0).
    ``n_rows``, ``n_cols``: the size of each problem. Sorted by (problem, row).
    """
    pos = value > 0
    problem, row, col, value = problem[pos], row[pos], col[pos], value[pos]
    n_problems = len(n_rows)
    if not len(problem):
        z = np.zeros(0, dtype=np.int64)
        return z, z.copy(), z.copy(), np.zeros(0)
    row_base = np.cumsum(n_rows) - n_rows
    col_base = np.cumsum(n_cols) - n_cols
    per_row = np.bincount(row_base[problem] + row, minlength=int(n_rows.sum()))
    per_col = np.bincount(col_base[problem] + col, minlength=int(n_cols.sum()))
    crowded = (per_row[row_base[problem] + row] > 1) | (per_col[col_base[problem] + col] > 1)
    hard = np.zeros(n_problems, dtype=bool)
    hard[problem[crowded]] = True
    easy = ~hard[problem]
    out = [(problem[easy], row[easy], col[easy], value[easy])]
    if hard.any():
        hard_cells = (problem[~easy], row[~easy], col[~easy], value[~easy])
        out.append(_solve_hard(*hard_cells, n_rows, n_cols, threshold))
    p = np.concatenate([o[0] for o in out])
    r = np.concatenate([o[1] for o in out])
    c = np.concatenate([o[2] for o in out])
    v = np.concatenate([o[3] for o in out])
    keep = _kept(v, threshold)
    p, r, c, v = p[keep], r[keep], c[keep], v[keep]
    order = np.lexsort((r, p))
    return p[order], r[order], c[order], v[order]


def _solve_hard(
    problem: I64, row: I64, col: I64, value: F64, n_rows: I64, n_cols: I64, threshold: float
) -> tuple[I64, I64, I64, F64]:
    """Optimal assignment (all assigned cells, positive or not) of the listed problems."""
    ids = np.unique(problem)
    out_p, out_r, out_c, out_v = [], [], [], []
    shapes = np.unique(np.stack([n_rows[ids], n_cols[ids]], axis=1), axis=0)
    # entries of each problem, located by problem id
    order = np.argsort(problem, kind="stable")
    problem, row, col, value = problem[order], row[order], col[order], value[order]
    for rows_, cols_ in shapes.tolist():
        mine = ids[(n_rows[ids] == rows_) & (n_cols[ids] == cols_)]
        lo = np.searchsorted(problem, mine, side="left")
        hi = np.searchsorted(problem, mine, side="right")
        owner, at = expand(lo, hi - lo)
        dense = np.zeros((len(mine), rows_, cols_))
        dense[owner, row[at], col[at]] = value[at]
        small, big = min(rows_, cols_), max(rows_, cols_)
        if perm(big, small) <= MAX_ENUMERATION:
            r, c, fallback = _enumerate(dense, threshold)
        else:
            r = c = np.zeros((len(mine), 0), dtype=np.int64)
            fallback = np.ones(len(mine), dtype=bool)
        for i in np.flatnonzero(fallback).tolist():
            rr, cc = linear_sum_assignment(dense[i], maximize=True)
            out_p.append(np.full(len(rr), mine[i]))
            out_r.append(rr.astype(np.int64))
            out_c.append(cc.astype(np.int64))
            out_v.append(dense[i, rr, cc])
        done = np.flatnonzero(~fallback)
        if len(done):
            out_p.append(np.repeat(mine[done], small))
            rr, cc = r[done].ravel(), c[done].ravel()
            out_r.append(rr)
            out_c.append(cc)
            out_v.append(dense[np.repeat(done, small), rr, cc])
    return (
        np.concatenate(out_p).astype(np.int64),
        np.concatenate(out_r),
        np.concatenate(out_c),
        np.concatenate(out_v),
    )


_PERMUTATIONS: dict[tuple[int, int], NDArray[np.int64]] = {}


def _perms(big: int, small: int) -> NDArray[np.int64]:
    key = (big, small)
    if key not in _PERMUTATIONS:
        _PERMUTATIONS[key] = np.asarray(list(permutations(range(big), small)), dtype=np.int64)
    return _PERMUTATIONS[key]


def _enumerate(dense: F64, threshold: float) -> tuple[I64, I64, NDArray[np.bool_]]:
    """Best assignment of each ``(G, rows, cols)`` matrix by trying them all.

    Returns rows and columns ``(G, min(rows, cols))`` of the best assignment and where to ask
    scipy instead: another assignment within ``TIE`` of the best keeps different pairs.
    """
    n, rows_, cols_ = dense.shape
    flip = rows_ > cols_
    mat = dense.transpose(0, 2, 1) if flip else dense
    small, big = mat.shape[1], mat.shape[2]
    table = _perms(big, small)
    picked = mat[:, np.arange(small)[None, :], table]  # (G, perms, small)
    totals = picked.sum(axis=2)
    best = np.argmax(totals, axis=1)
    weight = (big + 1) ** np.arange(small, dtype=np.int64)
    keys = (_kept(picked, threshold) * (table + 1)[None] * weight).sum(axis=2)
    near = totals >= totals[np.arange(n), best][:, None] - TIE
    fallback = (near & (keys != keys[np.arange(n), best][:, None])).any(axis=1)
    first = np.broadcast_to(np.arange(small), (n, small))
    second = table[best]
    if flip:
        return second, np.array(first), fallback
    return np.array(first), second, fallback
