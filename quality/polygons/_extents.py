"""Extents of every ring in one compiled pass over the points.

Why: ``fuse_polygons`` needs three things from the points before the pixel stage — each
ring's columns on COCO's grid (``_raster.ring_columns``), each polygon's box for
``_compiled_is_cheaper`` and, when the image size is not given, the largest coordinate — and
computing them with NumPy took three passes over all points (``reduceat`` twice, ``nanmax``;
0.065 CPU s at the benchmark's 3.6 million points, ``results/polygons.md``). Here one loop
computes them all.

Exactness: ``int(5 x + .5)`` (C's truncation, Numba's ``int`` of a float, as ``np.trunc`` then
``astype``) is non-decreasing in ``x`` — each floating-point operation is monotone — so the
smallest and largest grid column of a ring are those of its smallest and largest ``x``. The
callers use these figures only when ``exact`` is True: every coordinate finite and below
``1e15`` in size (the casts to integers are then exact and free of overflow), no ring empty and
the rings covering the points exactly once, in order; otherwise they take the NumPy passes,
which define the result.
"""

from __future__ import annotations

import numpy as np
from numba import njit

LIMIT = 1e15


@njit(cache=True)
def ring_extents(xy, offsets, hole):
    """``(exact, gx_lo, gx_hi, box_w, box_h, x_max, y_max)``: each ring's lowest and highest
    COCO grid column ``int(5 x + .5)``; for each outer ring in order, the width and height
    (``max - min + 1``) of its points and those of the holes that follow it up to the next
    outer ring (the ranges ``np.maximum.reduceat`` takes from the outer rings' starts); the
    largest ``x`` and ``y`` of all points and 0."""
    n_rings = max(len(offsets) - 1, 0)
    gx_lo = np.empty(n_rings, dtype=np.int64)
    gx_hi = np.empty(n_rings, dtype=np.int64)
    n_outer = 0
    for r in range(n_rings):
        if not hole[r]:
            n_outer += 1
    box_w = np.empty(n_outer, dtype=np.float64)
    box_h = np.empty(n_outer, dtype=np.float64)
    x_max = 0.0
    y_max = 0.0
    exact = len(offsets) > 0 and offsets[0] == 0 and offsets[n_rings] == len(xy)
    o = -1
    sx0 = sx1 = sy0 = sy1 = 0.0
    for r in range(n_rings):
        lo = offsets[r]
        hi = offsets[r + 1]
        if hi <= lo:
            exact = False
            break
        x0 = x1 = xy[lo, 0]
        y0 = y1 = xy[lo, 1]
        nan = 0.0  # stays 0 unless some coordinate is NaN or infinite
        for j in range(lo + 1, hi):
            x = xy[j, 0]
            y = xy[j, 1]
            nan += x * 0.0 + y * 0.0
            x0 = min(x0, x)
            x1 = max(x1, x)
            y0 = min(y0, y)
            y1 = max(y1, y)
        nan += x0 * 0.0 + y0 * 0.0
        if not (nan == 0.0 and x0 > -LIMIT and x1 < LIMIT and y0 > -LIMIT and y1 < LIMIT):
            exact = False
            break
        gx_lo[r] = int(5.0 * x0 + 0.5)
        gx_hi[r] = int(5.0 * x1 + 0.5)
        x_max = max(x_max, x1)
        y_max = max(y_max, y1)
        if not hole[r]:
            if o >= 0:
                box_w[o] = sx1 - sx0 + 1
                box_h[o] = sy1 - sy0 + 1
            o += 1
            sx0, sx1, sy0, sy1 = x0, x1, y0, y1
        elif o >= 0:
            sx0 = min(sx0, x0)
            sx1 = max(sx1, x1)
            sy0 = min(sy0, y0)
            sy1 = max(sy1, y1)
    if exact and o >= 0:
        box_w[o] = sx1 - sx0 + 1
        box_h[o] = sy1 - sy0 + 1
    return exact, gx_lo, gx_hi, box_w, box_h, x_max, y_max
