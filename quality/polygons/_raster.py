"""Polygon rings to pixel runs, exactly as COCO's ``pycocotools`` rasterises polygons.

The algorithm is ``rleFrPoly`` of the COCO API (``common/maskApi.c``, P. Dollár and T.-Y. Lin,
2015, Simplified BSD licence; T.-Y. Lin et al., "Microsoft COCO: Common Objects in Context",
ECCV 2014, https://doi.org/10.1007/978-3-319-10602-1_48): vertices are scaled by 5 and rounded
(``(int)(5 x + .5)``), every edge is walked point by point on that grid (along its longer axis,
the other coordinate rounded from a slope), and wherever the walk passes between grid columns
``5 c + 2`` and ``5 c + 3`` the column ``c`` of the image toggles at row
``ceil(clip((v + .5) / 5 - .5, 0, h))``, ``v`` the lower of the two grid rows. A pixel is inside
when an odd number of its column's toggles lie at or above it.

Here only the crossings are computed, not the walk: for an edge along x the crossing of column
``c`` is at a known step; for an edge along y the step where the rounded x changes is solved for
and then corrected by evaluating the same double-precision expression the C code evaluates, so
every toggle is bit for bit the one ``pycocotools`` makes (C ``(int)`` truncates toward zero, as
``np.trunc`` does). A ring's pixels in a column are then its sorted toggles taken in pairs.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._runs import Lines, Runs, empty_runs, ordered_events, subtract

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

SCALE = 5.0


def _ceil_div(a: I64, b: int) -> I64:
    return -((-a) // b)


def _steep_step(x0: F64, s: F64, dy: F64, bound: F64, rising: NDArray[np.bool_]) -> F64:
    """Last step ``t`` of a steep edge on the near side of the grid line after ``bound``.

    Rising edges (x grows with t): the largest t with ``(int)(x0 + s t + .5) <= bound``;
    falling edges: the largest t with ``(int)(x0 + s t + .5) >= bound + 1``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        guess = (bound + 0.5 - x0) / s
    t = np.where(rising, np.ceil(guess) - 1, np.floor(guess))
    t = np.clip(np.nan_to_num(t), 0, np.maximum(dy - 1, 0))

    def near(step: F64) -> NDArray[np.bool_]:
        u = np.trunc(x0 + s * step + 0.5)
        return np.where(rising, u <= bound, u >= bound + 1)

    for _ in range(8):  # the guess is off by at most one step; this loop runs once or twice
        up = (t + 1 <= dy) & near(t + 1)
        down = ~near(t)
        if not (up.any() or down.any()):
            return t
        t = t + up - (down & ~up)
    raise ArithmeticError("steep-edge crossing did not settle")  # pragma: no cover


def _spread(count: F64) -> tuple[NDArray[np.int64], F64, F64]:
    """For edges crossing ``count`` columns each: the repeat counts, a running index over all
    crossings and each edge's first index (so ``rank = index - first``, per crossing)."""
    repeats = count.astype(np.int64)
    first = (np.cumsum(repeats) - repeats).astype(np.float64)
    return repeats, np.arange(int(repeats.sum()), dtype=np.float64), first


def ring_toggles(xy: F64, offsets: I64, height: I64, width: I64, lines: Lines) -> tuple[I64, I64]:
    """COCO's column toggles of every ring: ``(line, row)``, lines from ``ring_columns``.

    ``xy``: ``(n, 2)`` vertices of all rings one after another, ``offsets``: ``(rings + 1)``
    start of each ring in ``xy``; ``height`` and ``width``: the image size of each ring. All
    coordinates on COCO's grid are whole numbers held in float64, where the C code's
    arithmetic is exact or rounds the same way.
    """
    n_rings = len(offsets) - 1
    count = np.diff(offsets)
    if n_rings == 0 or not len(xy):
        z = np.zeros(0, dtype=np.int64)
        return z, z.copy()
    ring = np.repeat(np.arange(n_rings, dtype=np.int64), count)
    nxt = np.arange(1, len(xy) + 1, dtype=np.int64)
    has = count > 0
    nxt[offsets[1:][has] - 1] = offsets[:-1][has]
    gx = np.trunc(SCALE * xy[:, 0] + 0.5)
    gy = np.trunc(SCALE * xy[:, 1] + 0.5)
    xs, ys, xe, ye = gx, gy, gx[nxt], gy[nxt]
    dx, dy = np.abs(xe - xs), np.abs(ye - ys)
    shallow = dx >= dy
    flip = np.where(shallow, xs > xe, ys > ye)
    x0, x1 = np.where(flip, xe, xs), np.where(flip, xs, xe)
    y0, y1 = np.where(flip, ye, ys), np.where(flip, ys, ye)
    # only image columns count (C: ``xd < 0 || xd > w - 1`` are skipped); outside them C's
    # truncation toward zero can shift the walk by one, inside it cannot
    last_col = (width[ring] - 1).astype(np.float64)
    line_shift = (lines.base - lines.first).astype(np.float64)[ring]
    lines_out, rows_out, owners = [], [], []

    # shallow edges: x steps by one; column c is crossed between x = 5c+2 and 5c+3, where
    # the lower of the two rounded y is at t = 5c+2-x0 (s >= 0) or t + 1 (s < 0)
    e = np.flatnonzero(shallow & (dx > 0))
    lo = np.maximum(np.ceil((x0[e] - 2) / 5), 0)
    hi = np.minimum(np.floor((x1[e] - 3) / 5), last_col[e])
    s = (y1[e] - y0[e]) / dx[e]
    repeats, index, first = _spread(np.maximum(hi - lo + 1, 0))
    # t = 5 (lo + rank) + 2 - x0 (+1), rank = index - first; line = line(lo) + rank
    t = 5 * index + np.repeat(5 * (lo - first) + 2 - x0[e] + (s < 0), repeats)
    v = np.trunc(np.repeat(y0[e], repeats) + np.repeat(s, repeats) * t + 0.5)
    lines_out.append(index + np.repeat(lo + line_shift[e] - first, repeats))
    rows_out.append(v)
    owners.append((e, repeats))

    # steep edges: y steps by one, x rounded from the slope; find where it changes column
    e = np.flatnonzero(~shallow & (dx > 0))
    rising = x1[e] > x0[e]
    lo = np.maximum(np.ceil((np.minimum(x0[e], x1[e]) - 2) / 5), 0)
    hi = np.minimum(np.floor((np.maximum(x0[e], x1[e]) - 3) / 5), last_col[e])
    s = (x1[e] - x0[e]) / dy[e]
    repeats, index, first = _spread(np.maximum(hi - lo + 1, 0))
    c = index + np.repeat(lo - first, repeats)
    step = _steep_step(
        np.repeat(x0[e], repeats),
        np.repeat(s, repeats),
        np.repeat(dy[e], repeats),
        5 * c + 2,
        np.repeat(rising, repeats),
    )
    lines_out.append(c + np.repeat(line_shift[e], repeats))
    rows_out.append(np.repeat(y0[e], repeats) + step)
    owners.append((e, repeats))

    # row: C's ceil(clip((v + .5) / 5 - .5, 0, h)); (v + .5) / 5 - .5 and (v - 2) / 5 round
    # to the same side of every whole number, and clipping to whole bounds commutes with ceil
    row = np.ceil((np.concatenate(rows_out) - 2) / 5)
    if gy.min() < 0 or np.any(gy > SCALE * height[ring]):  # rows to clip to the image
        h = np.concatenate([np.repeat(height[ring[e_]], r_) for e_, r_ in owners])
        row = np.clip(row, 0, h)
    return np.concatenate(lines_out).astype(np.int64), row.astype(np.int64)


def ring_columns(xy: F64, offsets: I64, width: I64) -> Lines:
    """The image columns each ring can toggle (from its vertices on COCO's grid)."""
    count = np.diff(offsets)
    first = np.zeros(len(count), dtype=np.int64)
    last = np.full(len(count), -1, dtype=np.int64)
    has = np.flatnonzero(count > 0)
    if len(has):
        gx = np.trunc(SCALE * xy[:, 0] + 0.5).astype(np.int64)
        starts = offsets[:-1][has]
        low = np.minimum.reduceat(gx, starts)
        high = np.maximum.reduceat(gx, starts)
        first[has] = np.maximum(_ceil_div(low - 2, 5), 0)
        last[has] = np.minimum((high - 3) // 5, width[has] - 1)
    return Lines.of(first, last)


def grid_columns(gx_lo: I64, gx_hi: I64, width: I64) -> Lines:
    """``ring_columns`` of non-empty rings from each ring's lowest and highest column on COCO's
    grid, ``int(5 x + .5)`` (``_extents.ring_extents``)."""
    first = np.maximum(_ceil_div(gx_lo - 2, 5), 0)
    last = np.minimum((gx_hi - 3) // 5, width - 1)
    return Lines.of(first, last)


def ring_runs(xy: F64, offsets: I64, height: I64, width: I64) -> tuple[Runs, Lines]:
    """Pixels of every ring (alone, even-odd) as maximal runs on the rings' column lines."""
    lines = ring_columns(xy, offsets, width)
    line, row = ring_toggles(xy, offsets, height, width, lines)
    if not len(line):
        return empty_runs(), lines
    indptr, pos, times = ordered_events(line, row, np.ones(len(row), dtype=np.int8), lines.total)
    line = np.repeat(np.arange(len(indptr) - 1, dtype=np.int64), np.diff(indptr))
    odd = (times & 1) == 1  # two toggles at one place cancel (C: a zero-length run)
    line, pos = line[odd], pos[odd]
    return Runs(line[0::2], pos[0::2], pos[1::2]), lines


def polygon_runs(
    xy: F64,
    ring_offsets: I64,
    ring_polygon: I64,
    ring_hole: NDArray[np.bool_],
    n_polygons: int,
    height: I64,
    width: I64,
) -> tuple[Runs, Lines]:
    """Pixels of every polygon (outer ring minus its holes) as maximal runs on the polygons'
    column lines. ``height`` and ``width``: the image size of each polygon."""
    h, w = height[ring_polygon], width[ring_polygon]
    runs, lines = ring_runs(xy, ring_offsets, h, w)
    n_rings = len(ring_offsets) - 1
    ring_width = np.diff(np.r_[lines.base, lines.total])
    plines = _polygon_lines(lines, ring_polygon, n_polygons)
    if not len(runs):
        return runs, plines
    ring = np.repeat(np.arange(n_rings, dtype=np.int64), ring_width)[runs.line]
    col = lines.col_of(runs.line, ring)
    line = plines.line(ring_polygon[ring], col)
    hole = ring_hole[ring]
    if not hole.any():
        return Runs(line, runs.start, runs.end), plines
    outer = Runs(line[~hole], runs.start[~hole], runs.end[~hole])
    holes = Runs(line[hole], runs.start[hole], runs.end[hole])
    return subtract(outer, holes, plines.total), plines


def _polygon_lines(lines: Lines, ring_polygon: I64, n_polygons: int) -> Lines:
    """Each polygon's columns: from the first to the last column of any of its rings."""
    ring_width = np.diff(np.r_[lines.base, lines.total])
    ring_last = lines.first + ring_width - 1
    has = ring_width > 0
    first = np.full(n_polygons, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(n_polygons, -1, dtype=np.int64)
    np.minimum.at(first, ring_polygon[has], lines.first[has])
    np.maximum.at(last, ring_polygon[has], ring_last[has])
    first[last < 0] = 0
    return Lines.of(first, last)


def polygon_columns(
    xy: F64,
    ring_offsets: I64,
    ring_polygon: I64,
    n_polygons: int,
    width: I64,
    grid: tuple[I64, I64] | None = None,
) -> Lines:
    """The image columns each polygon can cover (the lines of ``polygon_runs``), without
    rasterising. ``width``: the image width of each polygon; ``grid``: each ring's lowest and
    highest COCO grid column when known (every ring non-empty), else read from ``xy``."""
    if grid is None:
        lines = ring_columns(xy, ring_offsets, width[ring_polygon])
    else:
        lines = grid_columns(grid[0], grid[1], width[ring_polygon])
    return _polygon_lines(lines, ring_polygon, n_polygons)
