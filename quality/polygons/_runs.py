"""Sets of pixels as vertical runs, and the sweeps that combine them.

A pixel set is stored column by column as runs ``[start, end)`` of rows — the column-major order
of COCO's run-length encoding. Each column of each group (a ring, a polygon, an item and label)
is one *line*, numbered densely: a group owns the lines of its columns ``first .. last``. Work
grows with the number of runs (about the width of the shapes), not with their area.

Combining sets is a sweep line along every line at once (J. L. Bentley and T. A. Ottmann,
"Algorithms for reporting and counting geometric intersections", IEEE Transactions on Computers
C-28(9):643-647, 1979, https://doi.org/10.1109/TC.1979.1675432): each run start is an event
adding a delta to a packed integer state, each run end subtracts it. The events are ordered by
(line, row) with SciPy's sparse CSR construction — a counting sort by line and a short sort
within each line, both in compiled code — which also adds up events at the same place; one
cumulative sum then gives the state over every stretch between consecutive events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

I64 = NDArray[np.int64]


@dataclass(frozen=True)
class Lines:
    """Dense numbering of the columns ``first[g] .. last[g]`` of every group ``g``."""

    first: I64
    base: I64  # line number of each group's first column
    total: int

    @staticmethod
    def of(first: I64, last: I64) -> Lines:
        width = np.maximum(last - first + 1, 0)
        base = np.cumsum(width) - width
        return Lines(first=first, base=base, total=int(width.sum()))

    def line(self, group: I64, col: I64) -> I64:
        return self.base[group] + col - self.first[group]

    def col_of(self, line: I64, group: I64) -> I64:
        return line - self.base[group] + self.first[group]


@dataclass(frozen=True)
class Runs:
    """Runs ``[start, end)`` on numbered lines; sorted by (line, start) unless said otherwise."""

    line: I64
    start: I64
    end: I64

    def __len__(self) -> int:
        return len(self.line)

    @property
    def length(self) -> I64:
        return self.end - self.start


def empty_runs() -> Runs:
    z = np.zeros(0, dtype=np.int64)
    return Runs(z, z.copy(), z.copy())


def ordered_events(
    line: I64, pos: I64, value: I64, n_lines: int
) -> tuple[NDArray[np.intp], I64, I64]:
    """Events sorted by (line, pos), equal places added up: ``(indptr, pos, value)``."""
    span = int(pos.max()) + 1 if len(pos) else 1
    if max(n_lines, span) < np.iinfo(np.int32).max:  # SciPy's own index type: no conversion
        line, pos = line.astype(np.int32), pos.astype(np.int32)
    matrix = sp.csr_array((value, (line, pos)), shape=(max(n_lines, 1), span))
    matrix.sum_duplicates()
    return matrix.indptr, matrix.indices.astype(np.int64), matrix.data.astype(np.int64)


def sweep(line: I64, start: I64, end: I64, delta: I64, n_lines: int) -> tuple[I64, I64, I64, I64]:
    """``(line, start, end, state)`` of every stretch between consecutive events of a line.

    Each run ``[start, end)`` adds ``delta`` to its line's state over its rows. The state of a
    line returns to zero after its last event, so one global cumulative sum serves every line.
    """
    if not len(line):
        z = np.zeros(0, dtype=np.int64)
        return z, z, z, z
    indptr, pos, value = ordered_events(
        np.concatenate([line, line]),
        np.concatenate([start, end]),
        np.concatenate([delta, -delta]),
        n_lines,
    )
    state = np.cumsum(value)
    last = np.zeros(len(pos), dtype=bool)
    last[indptr[1:][np.diff(indptr) > 0] - 1] = True
    at = np.flatnonzero(~last)
    owner = np.repeat(np.arange(len(indptr) - 1, dtype=np.int64), np.diff(indptr))
    return owner[at], pos[at], pos[at + 1], state[at]


def merge_touching(line: I64, start: I64, end: I64) -> Runs:
    """Join stretches (sorted by line, then start; disjoint) that touch end to start."""
    if not len(line):
        return empty_runs()
    new = np.ones(len(line), dtype=bool)
    new[1:] = (line[1:] != line[:-1]) | (start[1:] != end[:-1])
    first = np.flatnonzero(new)
    last = np.r_[first[1:], len(line)] - 1
    return Runs(line[first], start[first], end[last])


def union(runs: Runs, n_lines: int) -> Runs:
    """Maximal disjoint runs covering the same pixels, sorted."""
    if not len(runs):
        return runs
    line, start, end, state = sweep(
        runs.line, runs.start, runs.end, np.ones(len(runs), dtype=np.int64), n_lines
    )
    on = state > 0
    return merge_touching(line[on], start[on], end[on])


def subtract(runs: Runs, minus: Runs, n_lines: int) -> Runs:
    """Pixels of ``runs`` not in ``minus`` (same line numbering), maximal and sorted."""
    if not len(minus):
        return union(runs, n_lines)
    high = np.int64(1) << np.int64(32)
    delta = np.r_[np.ones(len(runs), dtype=np.int64), np.full(len(minus), high)]
    line, start, end, state = sweep(
        np.r_[runs.line, minus.line],
        np.r_[runs.start, minus.start],
        np.r_[runs.end, minus.end],
        delta,
        n_lines,
    )
    on = ((state & (high - 1)) > 0) & ((state >> np.int64(32)) == 0)
    return merge_touching(line[on], start[on], end[on])
