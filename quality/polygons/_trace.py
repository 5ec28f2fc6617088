"""Pixel runs back to polygons with holes, along the pixel edges ("crack following").

The boundary of a pixel set is traced on the edges between pixels (crack edges, C. R. Brice and
C. L. Fennema, "Scene analysis using regions", Artificial Intelligence 1(3-4):205-226, 1970,
https://doi.org/10.1016/0004-3702(70)90008-1), not through pixel centres as border following
does (S. Suzuki and K. Abe, "Topological structural analysis of digitized binary images by
border following", CVGIP 30(1):32-46, 1985, https://doi.org/10.1016/0734-189X(85)90016-7, the
algorithm of OpenCV's ``findContours``) nor through edge midpoints as marching squares does
(``contourpy``, ``skimage.measure.find_contours``). Why: a polygon on pixel corners encloses
every pixel centre of the set and no other, so COCO's rasteriser gives the set back exactly;
a polygon through boundary-pixel centres leaves those pixels half outside, and corner cuts of
marching squares depend on COCO's 1/5-pixel rounding.

Every run contributes its top edge (going east) and its bottom edge (going west); the foreground
is on the right of the direction of travel, so outer rings run clockwise on screen (positive
shoelace area with y pointing down) and holes counter-clockwise. The edge after each edge is read
from the 2 x 2 pixels around its end (a straight step, or a vertical stretch along the column
line up to the next run boundary of either neighbouring column), with binary searches in the
sorted runs — no sort. Where two pixels touch only at a corner the trace turns right, keeping
the pixels 4-connected (A. Rosenfeld, "Connectivity in digital pictures", Journal of the ACM
17(1):146-160, 1970, https://doi.org/10.1145/321556.321570); a ring that then meets itself at
such a corner is split there into an outer ring and a hole touching it at one point. The rings
are ordered by one depth-first walk (SciPy's ``csgraph``) and objects are the 4-connected
components of the runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from .._ranges import expand
from ._runs import Lines, Runs

I64 = NDArray[np.int64]


@dataclass(frozen=True)
class Traced:
    """Rings of a run set: vertices ``x, y`` (pixel corners) of ring ``r`` at
    ``offsets[r]:offsets[r+1]``; ``area`` signed (holes negative); ``component`` of each ring
    and of each run (4-connected objects, numbered in run order)."""

    x: NDArray[np.int64] | NDArray[np.int32]  # int32 from the compiled tracing
    y: NDArray[np.int64] | NDArray[np.int32]
    offsets: I64
    area: I64
    ring_component: I64
    run_component: I64
    n_components: int


class _Index:
    """Binary-search queries on maximal runs sorted by (line, start)."""

    def __init__(self, runs: Runs, lines: Lines, line_group: I64) -> None:
        self.runs, self.lines, self.line_group = runs, lines, line_group
        self.span = int(runs.end.max()) + 2 if len(runs) else 2
        self.starts = runs.line * self.span + runs.start
        self.ends = runs.line * self.span + runs.end
        self.bounds = np.stack([self.starts, self.ends], axis=1).ravel()
        self.last = lines.first + np.diff(np.r_[lines.base, lines.total]) - 1

    def line_at(self, group: I64, col: I64) -> I64:
        ok = (col >= self.lines.first[group]) & (col <= self.last[group])
        return np.where(ok, self.lines.line(group, col), -1)

    def containing(self, line: I64, row: I64) -> I64:
        at = np.searchsorted(self.starts, line * self.span + row, side="right") - 1
        safe = np.maximum(at, 0)
        hit = (line >= 0) & (at >= 0) & (self.runs.line[safe] == line)
        hit &= self.runs.end[safe] > row
        return np.where(hit, at, -1)

    def _exact(self, keys: I64, line: I64, row: I64) -> I64:
        want = line * self.span + row
        at = np.minimum(np.searchsorted(keys, want), max(len(keys) - 1, 0))
        return np.where((line >= 0) & (keys[at] == want), at, -1)

    def starting(self, line: I64, row: I64) -> I64:
        return self._exact(self.starts, line, row)

    def ending(self, line: I64, row: I64) -> I64:
        return self._exact(self.ends, line, row)

    def next_bound(self, line: I64, row: I64) -> I64:
        """First run boundary below ``row`` on ``line`` (a large number where none)."""
        at = np.searchsorted(self.bounds, line * self.span + row, side="right")
        at = np.minimum(at, len(self.bounds) - 1)
        key = self.bounds[at]
        ok = (line >= 0) & (key // self.span == line) & (key % self.span > row)
        return np.where(ok, key % self.span, np.iinfo(np.int64).max)

    def prev_bound(self, line: I64, row: I64) -> I64:
        """Last run boundary above ``row`` on ``line`` (-1 where none)."""
        at = np.searchsorted(self.bounds, line * self.span + row, side="left") - 1
        key = self.bounds[np.maximum(at, 0)]
        ok = (line >= 0) & (at >= 0) & (key // self.span == line)
        return np.where(ok, key % self.span, -1)


def _successors(ix: _Index, group: I64, col: I64) -> tuple[I64, I64, I64]:
    """Next edge of every edge (2 i: top of run i, 2 i + 1: bottom) and the corners where two
    pixels touch only diagonally (the trace turned right there), as ``(2, k)`` pairs of edges:
    the two edges arriving at such a corner, or (corners met by vertical stretches) the two
    edges leaving it."""
    runs = ix.runs
    n = len(runs)
    succ = np.full(2 * n, -1, dtype=np.int64)
    index = np.arange(n, dtype=np.int64)
    moves: list[tuple[I64, I64, I64, bool]] = []  # (edge, x, y, going down)

    # top edge of run i, going east, ends at (col + 1, start)
    right_line = ix.line_at(group, col + 1)
    se = ix.containing(right_line, runs.start)
    straight = (se >= 0) & (runs.start[np.maximum(se, 0)] == runs.start)
    succ[2 * index[straight]] = 2 * se[straight]
    up, down = (se >= 0) & ~straight, se < 0
    ne = ix.containing(right_line, runs.start - 1)
    corner = down & (ne >= 0)
    arriving = np.stack([2 * index[corner], 2 * ne[corner] + 1])
    moves.append((2 * index[up], col[up] + 1, runs.start[up], False))
    moves.append((2 * index[down], col[down] + 1, runs.start[down], True))

    # bottom edge of run i, going west, ends at (col, end)
    left_line = ix.line_at(group, col - 1)
    nw = ix.containing(left_line, runs.end - 1)
    end_nw = runs.end[np.maximum(nw, 0)]
    straight = (nw >= 0) & (end_nw == runs.end)
    succ[2 * index[straight] + 1] = 2 * nw[straight] + 1
    up, down = nw < 0, (nw >= 0) & (end_nw > runs.end)
    moves.append((2 * index[up] + 1, col[up], runs.end[up], False))
    moves.append((2 * index[down] + 1, col[down], runs.end[down], True))

    # along a column line to the next run boundary of either neighbouring column
    edge = np.concatenate([m[0] for m in moves])
    x = np.concatenate([m[1] for m in moves])
    y = np.concatenate([m[2] for m in moves])
    is_down = np.concatenate([np.full(len(m[0]), m[3]) for m in moves])
    g = group[edge // 2]
    left, right = ix.line_at(g, x - 1), ix.line_at(g, x)
    to = np.where(
        is_down,
        np.minimum(ix.next_bound(left, y), ix.next_bound(right, y)),
        np.maximum(ix.prev_bound(left, y), ix.prev_bound(right, y)),
    )
    ends_left = ix.ending(left, to)
    starts_right = ix.starting(right, to)
    # down: west onto the left run's bottom if it ends here, else east onto the right run's
    # top; up: east onto the right run's top if it starts here, else west (right turns first)
    west = np.where(is_down, ends_left >= 0, starts_right < 0)
    succ[edge] = np.where(west, 2 * ends_left + 1, 2 * starts_right)
    both = is_down & (ends_left >= 0) & (starts_right >= 0)
    leaving = np.stack([2 * ends_left[both] + 1, 2 * starts_right[both]])
    return succ, arriving, leaving


def _key(group: I64, x: I64, y: I64, span: int) -> I64:
    """One int64 per corner of a group (columns below 2**24)."""
    return (group * (1 << 24) + x) * span + y


def _walk(succ: I64) -> tuple[I64, I64]:
    """Edges in ring order (rings numbered by, and starting at, their lowest edge) and each
    edge's ring. Rings are the cycles of ``succ``: found by SciPy's connected components,
    ordered by pointer jumping (J. C. Wyllie, "The complexity of parallel computations",
    PhD thesis, Cornell University, 1979): each edge's distance to its ring's last edge."""
    n = len(succ)
    graph = sp.csr_array((np.ones(n, dtype=np.int8), (np.arange(n), succ)), shape=(n, n))
    n_rings, label = connected_components(graph, directed=True, connection="weak")
    start = np.full(n_rings, n, dtype=np.int64)
    np.minimum.at(start, label, np.arange(n))
    renumber = np.empty(n_rings, dtype=np.int64)
    renumber[np.argsort(start)] = np.arange(n_rings)
    ring = renumber[label]
    length = np.bincount(ring, minlength=n_rings)
    is_start = np.zeros(n, dtype=bool)
    is_start[start] = True
    nxt = succ.copy()
    dist = np.ones(n, dtype=np.int64)
    tail = np.flatnonzero(is_start[succ])
    nxt[tail] = tail
    dist[tail] = 0
    for _ in range(int(length.max()).bit_length()):
        dist = dist + dist[nxt]
        nxt = nxt[nxt]
    offsets = np.cumsum(length) - length
    order = np.empty(n, dtype=np.int64)
    order[offsets[ring] + length[ring] - 1 - dist] = np.arange(n)
    return order, ring


def _next_in_ring(order: I64, ring: I64) -> I64:
    """The edge after each edge of ``order`` within its ring (cyclic)."""
    nxt = np.r_[order[1:], order[:1]]
    r = ring[order]
    last = np.flatnonzero(np.r_[r[1:] != r[:-1], True])
    first = np.r_[0, last[:-1] + 1]
    nxt[last] = order[first]
    return nxt


def _corners(runs: Runs, col: I64, order: I64, nxt: I64) -> tuple[I64, I64, I64]:
    """Where an edge's end is not its successor's start both points are corners: the edges
    (positions in ``order``) and the corners, two per edge, in ring order."""
    run_of = order // 2
    is_top = order % 2 == 0
    end_x = np.where(is_top, col[run_of] + 1, col[run_of])
    end_y = np.where(is_top, runs.start[run_of], runs.end[run_of])
    nrun = nxt // 2
    nx = np.where(nxt % 2 == 0, col[nrun], col[nrun] + 1)
    ny = np.where(nxt % 2 == 0, runs.start[nrun], runs.end[nrun])
    at = np.flatnonzero((end_x != nx) | (end_y != ny))
    x = np.stack([end_x[at], nx[at]], axis=1).ravel()
    y = np.stack([end_y[at], ny[at]], axis=1).ravel()
    return at, x, y


def _cycles(succ: I64) -> I64:
    """Ring label of every edge (the cycles of the permutation ``succ``)."""
    n = len(succ)
    graph = sp.csr_array((np.ones(n, dtype=np.int8), (np.arange(n), succ)), shape=(n, n))
    return connected_components(graph, directed=True, connection="weak")[1]


def _split_self_touching(succ: I64, arriving: I64, leaving: I64) -> I64:
    """Where a ring passes one diagonal corner twice, swap the exits of its two passes there
    (the ring splits into an outer ring and a hole touching it at that corner); one corner per
    ring and round, until no ring touches itself. After the first labelling only the split
    rings are labelled again."""
    if not arriving.size and not leaving.size:
        return succ
    ring = _cycles(succ).astype(np.int64)
    succ = succ.copy()
    pred = np.empty_like(succ)
    pred[succ] = np.arange(len(succ))
    while True:
        a = np.r_[arriving[0], pred[leaving[0]]]
        b = np.r_[arriving[1], pred[leaving[1]]]
        same = np.flatnonzero(ring[a] == ring[b])
        if not len(same):
            return succ
        split, one = np.unique(ring[a[same]], return_index=True)
        a, b = a[same[one]], b[same[one]]
        to_a, to_b = succ[b], succ[a]
        succ[a], succ[b] = to_a, to_b
        pred[to_a], pred[to_b] = a, b
        touched = np.zeros(int(ring.max()) + 1, dtype=bool)
        touched[split] = True
        edges = np.flatnonzero(touched[ring])
        local = np.empty(len(succ), dtype=np.int64)
        local[edges] = np.arange(len(edges))
        ring[edges] = int(ring.max()) + 1 + _cycles(local[succ[edges]])


def trace(runs: Runs, lines: Lines, line_group: I64) -> Traced:
    """Rings (outer and holes) and 4-connected components of maximal sorted runs."""
    n = len(runs)
    if n == 0:
        z = np.zeros(0, dtype=np.int64)
        return Traced(z, z, np.zeros(1, dtype=np.int64), z, z, z, 0)
    ix = _Index(runs, lines, line_group)
    group = line_group[runs.line]
    col = lines.col_of(runs.line, group)
    succ, arriving, leaving = _successors(ix, group, col)
    succ = _split_self_touching(succ, arriving, leaving)
    order, ring = _walk(succ)
    at, x, y = _corners(runs, col, order, _next_in_ring(order, ring))
    edge = order[at]

    ring_of_point = np.repeat(ring[edge], 2)
    n_rings = int(ring.max()) + 1
    counts = np.bincount(ring_of_point, minlength=n_rings)
    offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
    # start each ring where its lowest edge starts (for an outer ring: its top-left corner),
    # which is the corner emitted last
    rank = np.arange(len(x)) - offsets[ring_of_point]
    src = offsets[ring_of_point] + (rank - 1) % counts[ring_of_point]
    x, y = x[src], y[src]
    nxt_pt = np.arange(1, len(x) + 1)
    nxt_pt[offsets[1:][counts > 0] - 1] = offsets[:-1][counts > 0]
    twice_area = np.bincount(
        ring_of_point, weights=x * y[nxt_pt] - x[nxt_pt] * y, minlength=n_rings
    )

    run_component, n_comp = _components(ix, group, col)
    first_edge = np.full(n_rings, 2 * n, dtype=np.int64)
    np.minimum.at(first_edge, ring, np.arange(2 * n))
    return Traced(
        x=x,
        y=y,
        offsets=offsets,
        area=(twice_area // 2).astype(np.int64),
        ring_component=run_component[first_edge // 2],
        run_component=run_component,
        n_components=n_comp,
    )


def _components(ix: _Index, group: I64, col: I64) -> tuple[I64, int]:
    """4-connected components of the runs, numbered by their first run."""
    runs = ix.runs
    nbr = ix.line_at(group, col + 1)
    lo = np.searchsorted(ix.ends, nbr * ix.span + runs.start, side="right")
    hi = np.searchsorted(ix.starts, nbr * ix.span + runs.end, side="left")
    src, dst = expand(lo, np.where(nbr >= 0, np.maximum(hi - lo, 0), 0))
    graph = sp.coo_array(
        (np.ones(len(src), dtype=np.int8), (src, dst)), shape=(len(runs), len(runs))
    )
    n_comp, label = connected_components(graph, directed=False)
    first = np.full(n_comp, len(runs), dtype=np.int64)
    np.minimum.at(first, label, np.arange(len(runs)))
    rank = np.empty(n_comp, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(n_comp)
    return rank[label].astype(np.int64), int(n_comp)
