"""Compiled pixel stage of polygon consensus: rasterise, vote, label objects, count overlaps
(``vote_pixels``, one cluster of touching polygons at a time) and trace the consensus back to
rings (``trace_runs``).

Why a compiled kernel: the NumPy path (``_raster``, ``_runs``, ``consensus._vote``,
``_overlap``) is exact but makes about a hundred passes over every column run of every polygon;
at 20,000 images x 3 annotators x 5 polygons that cost 15-22x the CPU of batched box fusion
(``tests/benchmarks/results/polygons.md``). Here each (item, label) group is split into
clusters of polygons whose pixel boxes overlap or touch, and one loop per cluster works on its
polygons' column runs, in cache: each polygon's runs come from its toggles sorted by column
(``_ring_runs``; a polygon with holes is still filled densely on its own box, outer ring minus
the union of its holes), the vote is taken once per stretch between run boundaries of a column
(every pixel of a stretch is covered by the same answers) and the polygon-object overlaps are
run intersections — work in proportion to the runs, not to the pixels of each crop (the dense
crops this replaced spent about 60 % of the stage on pixel passes). All images go through one
call of each kernel. Numba (S. K. Lam, A. Pitrou and S. Seibert, "Numba: a LLVM-based Python
JIT compiler", LLVM-HPC 2015, https://doi.org/10.1145/2833157.2833162) compiles it;
``cache=True`` keeps the machine code in ``__pycache__`` so only the first process after an
install pays the compile, later ones load it. The module is imported only when a consensus is
computed, so importing ``quality`` does not import Numba.

Pixels are COCO's: ``_toggles`` is ``rleFrPoly`` of the COCO API (``common/maskApi.c``,
P. Dollár and T.-Y. Lin, 2015, Simplified BSD licence) line for line — the same upsampled walk
(vertices scaled by 5, C's ``(int)`` truncation, which Numba's ``int()`` of a float also does)
and the same crossings — so every toggle is the one ``pycocotools`` makes; a ring's pixels in a
column lie between its toggles taken in pairs (parity, as C's zero-length runs cancel). The
NumPy path stays as the reference (``fuse_polygons(..., kernel=False)``) and the tests compare
the two.

Clusters: polygons of one (item, label) whose pixel boxes overlap or touch (union-find), the
only polygons whose pixels can share a vote or an object. Objects are the 4-connected
components of a cluster's consensus runs (union-find over runs of neighbouring columns that
share a row), renumbered per group in column-major order of their first pixel and the group's
runs sorted — the order of the NumPy path. ``trace_runs`` is ``_trace.trace`` edge for edge
(the same crack-following successors, the same splitting of rings that touch themselves at a
diagonal corner, round by round, rings numbered by and starting at their lowest edge), as a
sequential walk instead of pointer jumping and graph components.

Why Numba and not a C extension: the kernels stay Python source beside the NumPy reference,
no compiler is needed at install (Numba and llvmlite ship wheels), and the only cost is the
import (about 0.3-0.5 s CPU) and, once per install or change of this file, the compilation into
the cache (``cache=True``, 10-16 CPU seconds on this project's 2-CPU machines; see
``results/polygons.md``). The tests do not need a warm cache: a fresh checkout compiles on the
first consensus.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def _grow(a, need):
    if need <= len(a):
        return a
    b = np.empty(max(need, 2 * len(a)), dtype=a.dtype)
    b[: len(a)] = a
    return b


@njit(cache=True)
def _crossing(x, v, pv, h, w):
    """C's toggle test for a move of the upsampled walk between columns ``x`` and ``x + 1``
    (upsampled), from row ``pv`` to ``v``: the toggle's pixel column (-1: none, ``x`` is not a
    pixel column's centre inside the image) and row.

    C computes ``xd = (x + .5) / 5 - .5`` (a pixel column when whole) and the row
    ``ceil(clip((v + .5) / 5 - .5, 0, h))`` in floating point; both are ``(x - 2) / 5`` and
    ``(v - 2) / 5`` exactly when whole (``5k + 2.5`` and ``k + .5`` are exact doubles) and at
    least 1/5 from a whole number otherwise, so integer arithmetic decides the same (as
    ``_raster.ring_toggles`` does), and clipping to whole bounds commutes with the ceiling."""
    if (x - 2) % 5 == 0 and x >= 2 and (x - 2) // 5 <= w - 1:
        row = -((2 - (v if v < pv else pv)) // 5)
        if row < 0:
            row = 0
        elif row > h:
            row = h
        return (x - 2) // 5, row
    return -1, 0


@njit(cache=True)
def _toggles(xy, lo, hi, h, w, cols, rows, n):
    """Append the COCO column toggles ``(col, row)`` of ring ``xy[lo:hi]`` at ``n``."""
    k = hi - lo
    if k == 0:
        return cols, rows, n
    have = False
    pu = 0
    pv = 0
    for j in range(k):
        a = lo + j
        b = lo + j + 1 if j + 1 < k else lo
        xs = int(5.0 * xy[a, 0] + 0.5)
        ys = int(5.0 * xy[a, 1] + 0.5)
        xe = int(5.0 * xy[b, 0] + 0.5)
        ye = int(5.0 * xy[b, 1] + 0.5)
        dx = abs(xe - xs)
        dy = abs(ys - ye)
        flip = (dx >= dy and xs > xe) or (dx < dy and ys > ye)
        if flip:
            xs, xe = xe, xs
            ys, ye = ye, ys
        steps = dx if dx >= dy else dy
        if steps == 0:  # a repeated vertex: one point, which C never uses (no column change)
            s = 0.0
        elif dx >= dy:
            s = (ye - ys) / dx
        else:
            s = (xe - xs) / dy
        cols = _grow(cols, n + steps + 1)
        rows = _grow(rows, n + steps + 1)
        if dx >= dy and steps > 0:
            # u moves by one column each step, so after the first point only every fifth step
            # can cross a pixel column (xd = 5k + 2, C's test below): those steps alone
            t = steps if flip else 0
            u = t + xs
            v = int(ys + s * t + 0.5)
            if have and u != pu:
                c, r = _crossing(u if u < pu else u - 1, v, pv, h, w)
                if c >= 0:
                    cols[n] = c
                    rows[n] = r
                    n += 1
            if flip:  # u = xs + steps - d falls: xd = u
                for d in range(1 + (xs + steps - 3) % 5, steps + 1, 5):
                    t = steps - d
                    v = int(ys + s * t + 0.5)
                    before = int(ys + s * (t + 1) + 0.5)
                    c, r = _crossing(t + xs, v, before, h, w)
                    if c >= 0:
                        cols[n] = c
                        rows[n] = r
                        n += 1
                pu = xs
                pv = int(ys + s * 0 + 0.5)
            else:  # u = xs + d rises: xd = u - 1
                for d in range(1 + (2 - xs) % 5, steps + 1, 5):
                    v = int(ys + s * d + 0.5)
                    before = int(ys + s * (d - 1) + 0.5)
                    c, r = _crossing(d + xs - 1, v, before, h, w)
                    if c >= 0:
                        cols[n] = c
                        rows[n] = r
                        n += 1
                pu = xs + steps
                pv = int(ys + s * steps + 0.5)
            have = True
            continue
        if steps == 0:  # C's point of the walk, unused unless the column changed
            u = xs
            v = int(ys + s * 0 + 0.5)
            if have and u != pu:
                c, r = _crossing(u if u < pu else u - 1, v, pv, h, w)
                if c >= 0:
                    cols[n] = c
                    rows[n] = r
                    n += 1
            have = True
            pu = u
            pv = v
            continue
        # y-major: v moves one row per step, u = int(xs + s * t + 0.5) by at most one column
        # (|s| < 1), monotonically; a step can toggle only where u passes between 5k + 2 and
        # 5k + 3 (C's test: the smaller of the two is a pixel column's centre), so only those
        # steps are visited: each found from its real-valued position and settled on C's own
        # rounding of the neighbouring steps
        t = steps if flip else 0
        v = t + ys
        u = int(xs + s * t + 0.5)
        if have and u != pu:
            c, r = _crossing(u if u < pu else u - 1, v, pv, h, w)
            if c >= 0:
                cols[n] = c
                rows[n] = r
                n += 1
        u_first = int(xs + s * 0 + 0.5)
        u_last = int(xs + s * steps + 0.5)
        lo_u = min(u_first, u_last)
        hi_u = max(u_first, u_last)
        first_x = lo_u + (2 - lo_u) % 5
        n_x = (hi_u - first_x + 4) // 5 if hi_u > first_x else 0
        rising = s > 0
        for m in range(n_x):
            # walk order: t rises unless flipped; x rises with t while u rises
            x = first_x + 5 * (m if rising != flip else n_x - 1 - m)
            est = math.ceil((x + 0.5 - xs) / s)
            t = min(max(est, 1), steps)
            if rising:  # first t with u(t) >= x + 1
                while t > 1 and int(xs + s * (t - 1) + 0.5) >= x + 1:
                    t -= 1
                while int(xs + s * t + 0.5) < x + 1:
                    t += 1
            else:  # first t with u(t) <= x
                while t > 1 and int(xs + s * (t - 1) + 0.5) <= x:
                    t -= 1
                while int(xs + s * t + 0.5) > x:
                    t += 1
            c, r = _crossing(x, t + ys, t - 1 + ys, h, w)
            if c >= 0:
                cols[n] = c
                rows[n] = r
                n += 1
        t = 0 if flip else steps
        pu = int(xs + s * t + 0.5)
        pv = t + ys
        have = True
    return cols, rows, n


@njit(cache=True)
def _fill(cols, rows, lo, hi, c0, r0, width, height, out):
    """Pixels of one ring (even-odd) inside the crop ``c0.., r0..`` into ``out`` (zeroed)."""
    for t in range(lo, hi):
        c = cols[t] - c0
        r = rows[t] - r0
        if c < 0 or c >= width or r >= height:
            continue
        out[c, max(r, 0)] ^= 1
    for c in range(width):
        state = 0
        for r in range(height):
            state ^= out[c, r]
            out[c, r] = state


@njit(cache=True)
def _insertion_sort(a, n):
    """Sort ``a[:n]`` in place (a few values: a column's run boundaries)."""
    for i in range(1, n):
        v = a[i]
        j = i - 1
        while j >= 0 and a[j] > v:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = v


@njit(cache=True)
def _ring_runs(
    cols, rows, lo, hi, c0, r0, width, height, count, out_rows, run_col, run_start, run_end, n
):
    """Column runs of one ring (even-odd) inside the box ``c0.., r0..`` appended at ``n``: the
    pixels ``_fill`` sets, without the dense crop. A column's pixels lie between its toggles
    taken in pairs (rows clipped to the box, as ``_fill`` clips them; an odd last toggle runs
    to the bottom); empty pairs are dropped."""
    count[: width + 1] = 0
    for t in range(lo, hi):
        c = cols[t] - c0
        if 0 <= c < width and rows[t] - r0 < height:
            count[c + 1] += 1
    for c in range(width):
        count[c + 1] += count[c]
    for t in range(lo, hi):
        c = cols[t] - c0
        r = rows[t] - r0
        if 0 <= c < width and r < height:
            out_rows[count[c]] = max(r, 0)
            count[c] += 1
    # count[c] is now the end of column c's toggles (the start of column c + 1's)
    start = 0
    for c in range(width):
        end = count[c]
        _insertion_sort(out_rows[start:end], end - start)
        t = start
        while t < end:
            a = out_rows[t]
            b = out_rows[t + 1] if t + 1 < end else height
            if b > a:
                run_col[n] = c0 + c
                run_start[n] = r0 + a
                run_end[n] = r0 + b
                n += 1
            t += 2
        start = end
    return n


@njit(cache=True)
def _root(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@njit(cache=True)
def _clusters(c_lo, c_hi, r_lo, r_hi):
    """Cluster of each polygon (-1: no pixels): the components of "pixel boxes overlap or
    touch", the only way two polygons' pixels can share a vote or an object."""
    k = len(c_lo)
    parent = np.arange(k)
    order = np.argsort(c_lo, kind="mergesort")
    for a in range(k):
        i = order[a]
        if r_hi[i] <= r_lo[i]:
            continue
        for b in range(a + 1, k):
            j = order[b]
            if c_lo[j] > c_hi[i] + 1:
                break
            if r_hi[j] > r_lo[j] and r_lo[j] <= r_hi[i] and r_lo[i] <= r_hi[j]:
                ri = _root(parent, i)
                rj = _root(parent, j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    cluster = np.full(k, -1, dtype=np.int64)
    dense = np.full(k, -1, dtype=np.int64)
    n = 0
    for i in range(k):
        if r_hi[i] <= r_lo[i]:
            continue
        r = _root(parent, i)
        if dense[r] < 0:
            dense[r] = n
            n += 1
        cluster[i] = dense[r]
    return cluster, n


@njit(cache=True)
def _sorted_order(keys):
    """``np.argsort(keys, kind="mergesort")``, without sorting when ``keys`` already rise (a
    group of one cluster: its runs and objects come in column-major order)."""
    for t in range(1, len(keys)):
        if keys[t] < keys[t - 1]:
            return np.argsort(keys, kind="mergesort")
    return np.arange(len(keys))


@njit(cache=True)
def vote_pixels(
    xy,
    ring_offsets,
    poly_ring_first,
    poly_ring_count,
    poly_h,
    poly_w,
    poly_slot,
    group_polys,
    group_offsets,
    group_item,
    group_first,
    group_base,
    share,
    by_slot,
    total,
    use_table,
    threshold,
):
    """Consensus runs ``(line, start, end, object)`` on the groups' column lines, object areas,
    each polygon's area, the ``(polygon, object, shared pixels)`` of every overlap, and the
    group of each run (last: so callers need no line -> group table).

    The runs' five arrays are int32 (the caller keeps lines and rows below 2**31): grown by
    doubling to 2.7 million runs at the benchmark's 20,000 images, in int64 they were about
    13,000 page faults more, and ``trace_runs`` reads them faster (0.37 -> 0.30 CPU s there)."""
    n_poly = len(poly_ring_first)
    poly_area = np.zeros(n_poly, dtype=np.int64)
    run_line = np.empty(1024, dtype=np.int32)
    run_start = np.empty(1024, dtype=np.int32)
    run_end = np.empty(1024, dtype=np.int32)
    run_obj = np.empty(1024, dtype=np.int32)
    run_group = np.empty(1024, dtype=np.int32)
    n_run = 0
    obj_area = np.empty(256, dtype=np.int64)
    n_obj = 0
    pair_poly = np.empty(1024, dtype=np.int64)
    pair_obj = np.empty(1024, dtype=np.int64)
    pair_n = np.empty(1024, dtype=np.int64)
    n_pair = 0
    # one group's runs, objects and overlaps before they are put in column-major order
    g_line = np.empty(256, dtype=np.int64)
    g_start = np.empty(256, dtype=np.int64)
    g_end = np.empty(256, dtype=np.int64)
    g_obj = np.empty(256, dtype=np.int64)
    o_area = np.empty(64, dtype=np.int64)
    o_key = np.empty(64, dtype=np.int64)
    q_poly = np.empty(256, dtype=np.int64)
    q_obj = np.empty(256, dtype=np.int64)
    q_n = np.empty(256, dtype=np.int64)
    cols = np.empty(4096, dtype=np.int64)
    rows = np.empty(4096, dtype=np.int64)
    pr_col = np.empty(1024, dtype=np.int64)
    pr_start = np.empty(1024, dtype=np.int64)
    pr_end = np.empty(1024, dtype=np.int64)
    pr_poly = np.empty(1024, dtype=np.int64)
    pr_bit = np.empty(1024, dtype=np.uint64)
    by_col = np.empty(1024, dtype=np.int64)
    count = np.empty(64, dtype=np.int64)
    sorted_rows = np.empty(256, dtype=np.int64)
    bounds = np.empty(64, dtype=np.int64)
    # per group and per cluster scratch, grown as needed rather than allocated each time
    ring_lo = np.empty(64, dtype=np.int64)
    p_ring = np.empty(64, dtype=np.int64)
    c_lo = np.empty(64, dtype=np.int64)
    c_hi = np.empty(64, dtype=np.int64)
    r_lo = np.empty(64, dtype=np.int64)
    r_hi = np.empty(64, dtype=np.int64)
    col_ptr = np.empty(256, dtype=np.int64)
    fill_at = np.empty(256, dtype=np.int64)
    c_run = np.empty(256, dtype=np.int64)
    run_of = np.empty(256, dtype=np.int64)
    shared = np.empty(256, dtype=np.int64)
    span = np.int64(1) << np.int64(31)
    n_groups = len(group_offsets) - 1
    for g in range(n_groups):
        g0 = group_offsets[g]
        k = group_offsets[g + 1] - g0
        item = group_item[g]
        # toggles of every ring of the group's polygons; pixel box of each polygon (outer ring)
        n_rings = 0
        for i in range(k):
            n_rings += poly_ring_count[group_polys[g0 + i]]
        ring_lo = _grow(ring_lo, n_rings + 1)
        p_ring = _grow(p_ring, k + 1)
        c_lo = _grow(c_lo, k)
        c_hi = _grow(c_hi, k)
        r_lo = _grow(r_lo, k)
        r_hi = _grow(r_hi, k)
        n_tog = 0
        at = 0
        for i in range(k):
            p = group_polys[g0 + i]
            p_ring[i] = at
            outer_end = 0
            for q in range(poly_ring_count[p]):
                r = poly_ring_first[p] + q
                ring_lo[at] = n_tog
                cols, rows, n_tog = _toggles(
                    xy,
                    ring_offsets[r],
                    ring_offsets[r + 1],
                    poly_h[p],
                    poly_w[p],
                    cols,
                    rows,
                    n_tog,
                )
                if q == 0:
                    outer_end = n_tog
                at += 1
            # box of the outer ring's toggles: its pixels lie in rows [r_lo, r_hi)
            c_lo[i] = np.int64(1) << np.int64(62)
            c_hi[i] = -1
            r_lo[i] = np.int64(1) << np.int64(62)
            r_hi[i] = -1
            for t in range(ring_lo[p_ring[i]], outer_end):
                c_lo[i] = min(c_lo[i], cols[t])
                c_hi[i] = max(c_hi[i], cols[t])
                r_lo[i] = min(r_lo[i], rows[t])
                r_hi[i] = max(r_hi[i], rows[t])
        p_ring[k] = at
        ring_lo[n_rings] = n_tog
        cluster, _ = _clusters(c_lo[:k], c_hi[:k], r_lo[:k], r_hi[:k])
        by_cluster = np.argsort(cluster, kind="mergesort")
        n_gr = 0
        n_go = 0
        n_gq = 0
        j0 = 0
        while j0 < k and cluster[by_cluster[j0]] < 0:
            j0 += 1
        while j0 < k:
            ci = cluster[by_cluster[j0]]
            j1 = j0
            cc0 = np.int64(1) << np.int64(62)
            cc1 = np.int64(-1)
            rr0 = np.int64(1) << np.int64(62)
            rr1 = np.int64(-1)
            while j1 < k and cluster[by_cluster[j1]] == ci:
                o = by_cluster[j1]
                cc0 = min(cc0, c_lo[o])
                cc1 = max(cc1, c_hi[o])
                rr0 = min(rr0, r_lo[o])
                rr1 = max(rr1, r_hi[o])
                j1 += 1
            width = cc1 - cc0 + 1
            # each polygon's column runs (outer ring minus its holes), rows absolute
            n_pr = 0
            for j in range(j0, j1):
                i = by_cluster[j]
                p = group_polys[g0 + i]
                pw = c_hi[i] - c_lo[i] + 1
                ph = r_hi[i] - r_lo[i]
                rq = p_ring[i]
                first_pr = n_pr
                if p_ring[i + 1] - rq == 1:
                    need = n_pr + (ring_lo[rq + 1] - ring_lo[rq]) // 2 + pw
                    pr_col = _grow(pr_col, need)
                    pr_start = _grow(pr_start, need)
                    pr_end = _grow(pr_end, need)
                    count = _grow(count, pw + 1)
                    sorted_rows = _grow(sorted_rows, ring_lo[rq + 1] - ring_lo[rq])
                    n_pr = _ring_runs(
                        cols,
                        rows,
                        ring_lo[rq],
                        ring_lo[rq + 1],
                        c_lo[i],
                        r_lo[i],
                        pw,
                        ph,
                        count,
                        sorted_rows,
                        pr_col,
                        pr_start,
                        pr_end,
                        n_pr,
                    )
                else:  # holes: the dense even-odd fill of each ring, as the NumPy path
                    pm = np.zeros((pw, ph), dtype=np.uint8)
                    _fill(cols, rows, ring_lo[rq], ring_lo[rq + 1], c_lo[i], r_lo[i], pw, ph, pm)
                    holes = np.zeros((pw, ph), dtype=np.uint8)
                    one = np.zeros((pw, ph), dtype=np.uint8)
                    for rr in range(rq + 1, p_ring[i + 1]):
                        one[:, :] = 0
                        _fill(
                            cols, rows, ring_lo[rr], ring_lo[rr + 1], c_lo[i], r_lo[i], pw, ph, one
                        )
                        holes |= one
                    pm &= ~holes & np.uint8(1)
                    need = n_pr + pw * ((ph + 1) // 2)
                    pr_col = _grow(pr_col, need)
                    pr_start = _grow(pr_start, need)
                    pr_end = _grow(pr_end, need)
                    for c in range(pw):
                        r = 0
                        while r < ph:
                            if pm[c, r] == 0:
                                r += 1
                                continue
                            s0 = r
                            while r < ph and pm[c, r]:
                                r += 1
                            pr_col[n_pr] = c_lo[i] + c
                            pr_start[n_pr] = r_lo[i] + s0
                            pr_end[n_pr] = r_lo[i] + r
                            n_pr += 1
                pr_poly = _grow(pr_poly, n_pr)
                pr_bit = _grow(pr_bit, n_pr)
                bit = np.uint64(1) << np.uint64(poly_slot[p])
                area = 0
                for t in range(first_pr, n_pr):
                    area += pr_end[t] - pr_start[t]
                    pr_poly[t] = j - j0
                    pr_bit[t] = bit
                poly_area[p] = area
            # the polygons' runs by column (counting sort, stable)
            col_ptr = _grow(col_ptr, width + 1)
            col_ptr[: width + 1] = 0
            for t in range(n_pr):
                col_ptr[pr_col[t] - cc0 + 1] += 1
            for c in range(width):
                col_ptr[c + 1] += col_ptr[c]
            fill_at = _grow(fill_at, width)
            fill_at[:width] = col_ptr[:width]
            by_col = _grow(by_col, n_pr)
            for t in range(n_pr):
                c = pr_col[t] - cc0
                by_col[fill_at[c]] = t
                fill_at[c] += 1
            # the vote per column on the stretches between run boundaries: every pixel of a
            # stretch is covered by the same answers, so it is decided as one pixel; consensus
            # runs are the maximal on stretches, column by column. Objects: their 4-connected
            # components (union-find over runs of neighbouring columns that share a row),
            # numbered by their first run
            need = n_gr + n_pr + width
            g_line = _grow(g_line, need)
            g_start = _grow(g_start, need)
            g_end = _grow(g_end, need)
            g_obj = _grow(g_obj, need)
            c_run = _grow(c_run, width + 1)
            first_run = n_gr
            line0 = group_base[g] + cc0 - group_first[g]
            prev_lo = n_gr
            prev_hi = n_gr
            for c in range(width):
                here = n_gr
                c_run[c] = here
                t0 = col_ptr[c]
                t1 = col_ptr[c + 1]
                nb = 0
                bounds = _grow(bounds, 2 * (t1 - t0))
                for t in range(t0, t1):
                    u = by_col[t]
                    bounds[nb] = pr_start[u]
                    bounds[nb + 1] = pr_end[u]
                    nb += 2
                _insertion_sort(bounds, nb)
                open_end = -1
                for b in range(nb - 1):
                    lo = bounds[b]
                    hi = bounds[b + 1]
                    if hi == lo:
                        continue
                    m = np.uint64(0)
                    for t in range(t0, t1):
                        u = by_col[t]
                        if pr_start[u] <= lo and pr_end[u] >= hi:
                            m |= pr_bit[u]
                    if m == 0:
                        continue
                    if use_table:
                        yes = share[item, m] > threshold
                    else:
                        v = 0.0
                        s = 0
                        while m:
                            if m & np.uint64(1):
                                v += by_slot[item, s]
                            m >>= np.uint64(1)
                            s += 1
                        yes = v / total[item] > threshold
                    if not yes:
                        continue
                    if open_end == lo:  # continues the run above
                        g_end[n_gr - 1] = hi
                    else:
                        g_line[n_gr] = line0 + c
                        g_start[n_gr] = lo
                        g_end[n_gr] = hi
                        g_obj[n_gr] = n_gr  # union-find parent
                        n_gr += 1
                    open_end = hi
                a = prev_lo
                b = here
                while a < prev_hi and b < n_gr:  # runs of columns c - 1 and c sharing a row
                    if g_start[a] < g_end[b] and g_start[b] < g_end[a]:
                        ra = a
                        while g_obj[ra] != ra:
                            ra = g_obj[ra]
                        rb = b
                        while g_obj[rb] != rb:
                            rb = g_obj[rb]
                        if ra != rb:
                            g_obj[max(ra, rb)] = min(ra, rb)
                    if g_end[a] < g_end[b]:
                        a += 1
                    else:
                        b += 1
                prev_lo = here
                prev_hi = n_gr
            c_run[width] = n_gr
            first_obj = n_go
            run_of = _grow(run_of, n_gr - first_run)
            for u in range(first_run, n_gr):
                root = u
                while g_obj[root] >= 0 and g_obj[root] != root:
                    root = g_obj[root]
                if root == u:  # the first run of a new object
                    o_area = _grow(o_area, n_go + 1)
                    o_key = _grow(o_key, n_go + 1)
                    o_key[n_go] = (g_line[u] - line0 + cc0) * span + g_start[u]
                    o_area[n_go] = 0
                    g_obj[u] = -1 - n_go  # object ids stored as -1 - id while resolving
                    n_go += 1
                    obj = n_go - 1
                else:
                    obj = -1 - g_obj[root]
                o_area[obj] += g_end[u] - g_start[u]
                run_of[u - first_run] = obj
            for u in range(first_run, n_gr):
                g_obj[u] = run_of[u - first_run]
            # overlaps of each polygon with the cluster's objects, run against run
            n_here = n_go - first_obj
            if n_here:
                n_cp = j1 - j0
                shared = _grow(shared, n_cp * n_here)
                shared[: n_cp * n_here] = 0
                for t in range(n_pr):
                    c = pr_col[t] - cc0
                    for u in range(c_run[c], c_run[c + 1]):
                        lo = max(pr_start[t], g_start[u])
                        hi = min(pr_end[t], g_end[u])
                        if hi > lo:
                            shared[pr_poly[t] * n_here + g_obj[u] - first_obj] += hi - lo
                q_poly = _grow(q_poly, n_gq + n_cp * n_here)
                q_obj = _grow(q_obj, n_gq + n_cp * n_here)
                q_n = _grow(q_n, n_gq + n_cp * n_here)
                for j in range(j0, j1):
                    p = group_polys[g0 + by_cluster[j]]
                    for o in range(n_here):
                        k_n = shared[(j - j0) * n_here + o]
                        if k_n:
                            q_poly[n_gq] = p
                            q_obj[n_gq] = first_obj + o
                            q_n[n_gq] = k_n
                            n_gq += 1
            j0 = j1
        # the group's objects numbered by their first pixel, column-major; runs sorted
        rank = _sorted_order(o_key[:n_go])
        new_id = np.empty(n_go, dtype=np.int64)
        obj_area = _grow(obj_area, n_obj + n_go)
        for t in range(n_go):
            new_id[rank[t]] = n_obj + t
            obj_area[n_obj + t] = o_area[rank[t]]
        n_obj += n_go
        run_order = _sorted_order(g_line[:n_gr] * span + g_start[:n_gr])
        run_line = _grow(run_line, n_run + n_gr)
        run_start = _grow(run_start, n_run + n_gr)
        run_end = _grow(run_end, n_run + n_gr)
        run_obj = _grow(run_obj, n_run + n_gr)
        run_group = _grow(run_group, n_run + n_gr)
        for t in range(n_gr):
            u = run_order[t]
            run_line[n_run] = g_line[u]
            run_start[n_run] = g_start[u]
            run_end[n_run] = g_end[u]
            run_obj[n_run] = new_id[g_obj[u]]
            run_group[n_run] = g
            n_run += 1
        pair_poly = _grow(pair_poly, n_pair + n_gq)
        pair_obj = _grow(pair_obj, n_pair + n_gq)
        pair_n = _grow(pair_n, n_pair + n_gq)
        for t in range(n_gq):
            pair_poly[n_pair] = q_poly[t]
            pair_obj[n_pair] = new_id[q_obj[t]]
            pair_n[n_pair] = q_n[t]
            n_pair += 1
    # views, not copies: copying the millions of runs into fresh arrays cost more (page
    # faults) than the unused tail of the grown buffers holds
    return (
        run_line[:n_run],
        run_start[:n_run],
        run_end[:n_run],
        run_obj[:n_run],
        obj_area[:n_obj],
        poly_area,
        pair_poly[:n_pair],
        pair_obj[:n_pair],
        pair_n[:n_pair],
        run_group[:n_run],
    )


@njit(cache=True)
def first_index(values, n):
    """Where each of ``0 .. n - 1`` first occurs in ``values`` (``len(values)`` where it does
    not): ``np.minimum.at(np.full(n, len(values)), values, np.arange(len(values)))``."""
    out = np.full(n, len(values), dtype=np.int64)
    for t in range(len(values) - 1, -1, -1):
        out[values[t]] = t
    return out


# -- tracing: ``_trace.trace`` edge for edge, compiled ------------------------------------------


@njit(cache=True)
def _line_range(line, i, target):
    """The runs ``[lo, hi)`` of line ``target`` (-1: none, an empty range), which is run ``i``'s
    own line or the one before or after it. Found by stepping from ``i`` over the sorted runs
    (a line holds one to three runs here) rather than from a table of every line's first run:
    the groups' lines number millions, mostly empty (9 million for 2.7 million runs at the
    benchmark's 20,000 images), and that table's 72 MB of fresh pages cost more than the steps
    (``results/polygons.md``). The scans of ``_starting`` / ``_ending`` / ``_next_bound``
    already walk a line from its first run, so a line of many runs costs the same order as
    before."""
    n = len(line)
    own = line[i]
    if target < 0:
        return i, i
    if target == own:
        lo = i
        while lo > 0 and line[lo - 1] == own:
            lo -= 1
        hi = i + 1
        while hi < n and line[hi] == own:
            hi += 1
        return lo, hi
    if target > own:  # the next line: the runs after this line's, if on it
        j = i + 1
        while j < n and line[j] == own:
            j += 1
        hi = j
        while hi < n and line[hi] == target:
            hi += 1
        return j, hi
    j = i  # the line before: the runs before this line's, if on it
    while j > 0 and line[j - 1] == own:
        j -= 1
    lo = j
    while lo > 0 and line[lo - 1] == target:
        lo -= 1
    return lo, j


@njit(cache=True)
def _in_line(start, end, lo, hi, row):
    """Run of ``[lo, hi)`` (one line's runs) containing ``row`` (-1: none)."""
    first = lo
    while lo < hi:  # last run starting at or above row
        mid = (lo + hi) // 2
        if start[mid] <= row:
            lo = mid + 1
        else:
            hi = mid
    at = lo - 1
    if at >= first and end[at] > row:
        return at
    return -1


@njit(cache=True)
def _starting(start, lo, hi, row):
    for u in range(lo, hi):
        if start[u] == row:
            return u
        if start[u] > row:
            return -1
    return -1


@njit(cache=True)
def _ending(end, lo, hi, row):
    for u in range(lo, hi):
        if end[u] == row:
            return u
        if end[u] > row:
            return -1
    return -1


@njit(cache=True)
def _next_bound(start, end, lo, hi, row):
    """First run boundary below ``row`` among one line's runs ``[lo, hi)`` (a large number
    where none)."""
    for u in range(lo, hi):
        if start[u] > row:
            return start[u]
        if end[u] > row:
            return end[u]
    return np.int64(1) << np.int64(62)


@njit(cache=True)
def _prev_bound(start, end, lo, hi, row):
    """Last run boundary above ``row`` among one line's runs ``[lo, hi)`` (-1 where none)."""
    for u in range(hi - 1, lo - 1, -1):
        if end[u] < row:
            return end[u]
        if start[u] < row:
            return start[u]
    return -1


@njit(cache=True)
def _line_at(g_first, g_last, g_base, g, col):
    if col < g_first[g] or col > g_last[g]:
        return -1
    return g_base[g] + col - g_first[g]


@njit(cache=True)
def _vertical(start, end, l_lo, l_hi, r_lo, r_hi, y, down):
    """Successor of an edge that continues along a column line (the left line's runs
    ``[l_lo, l_hi)``, the right one's ``[r_lo, r_hi)``), and whether both a run ending on the
    left and one starting on the right meet there (a diagonal corner)."""
    if down:
        to = min(_next_bound(start, end, l_lo, l_hi, y), _next_bound(start, end, r_lo, r_hi, y))
    else:
        to = max(_prev_bound(start, end, l_lo, l_hi, y), _prev_bound(start, end, r_lo, r_hi, y))
    ends_left = _ending(end, l_lo, l_hi, to)
    starts_right = _starting(start, r_lo, r_hi, to)
    west = ends_left >= 0 if down else starts_right < 0
    nxt = 2 * ends_left + 1 if west else 2 * starts_right
    return nxt, ends_left, starts_right


@njit(cache=True)
def trace_runs(line, start, end, run_group, g_first, g_base, g_last, run_object):
    """Rings of maximal sorted runs, as ``_trace.trace`` gives them: vertices ``x, y``, ring
    ``offsets``, signed ``area`` (holes negative) and each ring's object; ``run_group``: the
    (item, label) group of each run's line.

    Edge and run indices are held as int32 (the caller checks ``2 * len(line) < 2**31``): the
    successor, predecessor and ring arrays are 2 per run, and at 2.7 million runs half their
    fresh pages is about 16,000 page faults fewer."""
    n = len(line)
    col = np.empty(n, dtype=np.int32)
    for u in range(n):
        g = run_group[u]
        col[u] = line[u] - g_base[g] + g_first[g]
    succ = np.full(2 * n, -1, dtype=np.int32)
    arr_a = np.empty(n, dtype=np.int64)
    arr_b = np.empty(n, dtype=np.int64)
    n_arr = 0
    lv_a = np.empty(2 * n, dtype=np.int64)
    lv_b = np.empty(2 * n, dtype=np.int64)
    n_lv = 0
    # top edges (east), then bottom edges (west): straight on, a turn, or along a column line
    for i in range(n):
        g = run_group[i]
        right = _line_at(g_first, g_last, g_base, g, col[i] + 1)
        r_lo, r_hi = _line_range(line, i, right)
        se = _in_line(start, end, r_lo, r_hi, start[i])
        if se >= 0 and start[se] == start[i]:
            succ[2 * i] = 2 * se
            continue
        down = se < 0
        if down:
            ne = _in_line(start, end, r_lo, r_hi, start[i] - 1)
            if ne >= 0:
                arr_a[n_arr] = 2 * i
                arr_b[n_arr] = 2 * ne + 1
                n_arr += 1
        l_lo, l_hi = _line_range(line, i, line[i])
        nxt, el, sr = _vertical(start, end, l_lo, l_hi, r_lo, r_hi, start[i], down)
        succ[2 * i] = nxt
        if down and el >= 0 and sr >= 0:
            lv_a[n_lv] = 2 * el + 1
            lv_b[n_lv] = 2 * sr
            n_lv += 1
    for i in range(n):
        g = run_group[i]
        left = _line_at(g_first, g_last, g_base, g, col[i] - 1)
        l_lo, l_hi = _line_range(line, i, left)
        nw = _in_line(start, end, l_lo, l_hi, end[i] - 1)
        if nw >= 0 and end[nw] == end[i]:
            succ[2 * i + 1] = 2 * nw + 1
            continue
        down = nw >= 0
        r_lo, r_hi = _line_range(line, i, line[i])
        nxt, el, sr = _vertical(start, end, l_lo, l_hi, r_lo, r_hi, end[i], down)
        succ[2 * i + 1] = nxt
        if down and el >= 0 and sr >= 0:
            lv_a[n_lv] = 2 * el + 1
            lv_b[n_lv] = 2 * sr
            n_lv += 1
    # the top-down moves' corners come before the bottom-down ones (the NumPy path's order)
    pred = np.empty(2 * n, dtype=np.int32)
    for e in range(2 * n):
        pred[succ[e]] = e
    # a ring passing a diagonal corner twice is split there, one corner per ring and round
    # (only the rings through a corner can change: each round labels just those, its labels
    # numbered from ``base`` up, so a label of an earlier round reads as "not yet")
    if n_arr + n_lv:
        ring = np.full(2 * n, -1, dtype=np.int32)
        label = 0
        while True:
            base = label
            a_all = np.empty(n_arr + n_lv, dtype=np.int64)
            b_all = np.empty(n_arr + n_lv, dtype=np.int64)
            for t in range(n_arr):
                a_all[t] = arr_a[t]
                b_all[t] = arr_b[t]
            for t in range(n_lv):
                a_all[n_arr + t] = pred[lv_a[t]]
                b_all[n_arr + t] = pred[lv_b[t]]
            for t in range(n_arr + n_lv):
                for e in (a_all[t], b_all[t]):
                    if ring[e] >= base:
                        continue
                    u = e
                    while ring[u] < base:
                        ring[u] = label
                        u = succ[u]
                    label += 1
            done = np.zeros(label - base, dtype=np.uint8)
            changed = False
            for t in range(n_arr + n_lv):
                a = a_all[t]
                b = b_all[t]
                if ring[a] != ring[b] or done[ring[a] - base]:
                    continue
                done[ring[a] - base] = 1
                changed = True
                to_a = succ[b]
                to_b = succ[a]
                succ[a] = to_a
                succ[b] = to_b
                pred[to_a] = a
                pred[to_b] = b
            if not changed:
                break
    # rings numbered by, and starting at, their lowest edge; a vertex where an edge's end is
    # not its successor's start (both points); then each ring rotated to start at its last
    seen = np.zeros(2 * n, dtype=np.uint8)
    x = np.empty(4 * n, dtype=np.int32)
    y = np.empty(4 * n, dtype=np.int32)
    offsets = np.empty(2 * n + 1, dtype=np.int64)
    area = np.empty(2 * n, dtype=np.int64)
    ring_object = np.empty(2 * n, dtype=np.int64)
    n_pt = 0
    n_ring = 0
    for e in range(2 * n):
        if seen[e]:
            continue
        first_pt = n_pt
        u = e
        while True:
            seen[u] = 1
            v = succ[u]
            ru = u // 2
            if u % 2 == 0:
                ex, ey = col[ru] + 1, start[ru]
            else:
                ex, ey = col[ru], end[ru]
            rv = v // 2
            if v % 2 == 0:
                nx, ny = col[rv], start[rv]
            else:
                nx, ny = col[rv] + 1, end[rv]
            if ex != nx or ey != ny:
                x[n_pt] = ex
                y[n_pt] = ey
                x[n_pt + 1] = nx
                y[n_pt + 1] = ny
                n_pt += 2
            u = v
            if u == e:
                break
        count = n_pt - first_pt
        if count:  # rotate right by one: the last corner first
            lx = x[n_pt - 1]
            ly = y[n_pt - 1]
            for t in range(n_pt - 1, first_pt, -1):
                x[t] = x[t - 1]
                y[t] = y[t - 1]
            x[first_pt] = lx
            y[first_pt] = ly
        twice = 0
        for t in range(first_pt, n_pt):
            t1 = t + 1 if t + 1 < n_pt else first_pt
            twice += x[t] * y[t1] - x[t1] * y[t]
        offsets[n_ring] = first_pt
        area[n_ring] = twice // 2
        ring_object[n_ring] = run_object[e // 2]
        n_ring += 1
    offsets[n_ring] = n_pt
    # views, the corners too: their buffers hold 4 per run, about 1.7 times what is used, but
    # the unused tail is never written, so never in memory (a buffer this large is mapped
    # afresh, page by page as written); copying the used corners cost more. The corners are
    # int32 (pixel coordinates): half the fresh pages of int64, 53 instead of 105 MB at the
    # benchmark's 20,000 images
    return (
        x[:n_pt],
        y[:n_pt],
        offsets[: n_ring + 1],
        area[:n_ring],
        ring_object[:n_ring],
    )
