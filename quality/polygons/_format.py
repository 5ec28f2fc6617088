"""Compiled JSON writer of consensus polygons: every item's result text in one pass.

Why: the consensus rings follow pixel edges, about 6.6 million corners for 100,000 objects at
20,000 images (``results/polygons.md``); building ``[x, y]`` lists of them and encoding those
with ``json.dumps`` cost more than all of batched box fusion. Here the rings' integer corners,
the labels (already JSON-encoded) and the confidences (``repr`` of the floats, as ``json.dumps``
writes them) are written byte by byte into one buffer, in the layout ``json.dumps`` gives the
result dict: ``{"polygons": [{"label": ..., "points": [[x, y], ...], "confidence": ...,
"holes": [[[x, y], ...]]}], "ok": false}`` (default separators ``", "`` and ``": "``), so the
text equals ``json.dumps(PolygonConsensus.results(...)[k])`` character for character (tested).
Numba (Lam, Pitrou and Seibert, LLVM-HPC 2015, https://doi.org/10.1145/2833157.2833162)
compiles it, cached like ``_kernel``; it is imported only when results are written.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# literal pieces, concatenated; _LIT_AT[k]:_LIT_AT[k + 1] is piece k
_PIECES = (
    b'{"polygons": [',  # 0
    b'{"label": ',  # 1
    b', "points": ',  # 2
    b', "confidence": ',  # 3
    b', "holes": [',  # 4
    b'], "ok": true}',  # 5
    b'], "ok": false}',  # 6
)
LITERALS = np.frombuffer(b"".join(_PIECES), dtype=np.uint8).copy()
LITERAL_AT = np.cumsum([0, *(len(p) for p in _PIECES)]).astype(np.int64)


@njit(cache=True)
def _copy(buf, at, src, a, b):
    for k in range(a, b):
        buf[at] = src[k]
        at += 1
    return at


@njit(cache=True)
def _int(buf, at, v):
    if v < 0:
        buf[at] = 45  # '-'
        at += 1
        v = -v
    if v < 10:  # pixel corners: mostly fewer than four digits, written without a loop
        buf[at] = 48 + v
        return at + 1
    if v < 100:
        buf[at] = 48 + v // 10
        buf[at + 1] = 48 + v % 10
        return at + 2
    if v < 1000:
        buf[at] = 48 + v // 100
        buf[at + 1] = 48 + v // 10 % 10
        buf[at + 2] = 48 + v % 10
        return at + 3
    n = 1
    t = v // 10
    while t > 0:
        n += 1
        t //= 10
    end = at + n
    for k in range(n):
        buf[end - 1 - k] = 48 + v % 10
        v //= 10
    return end


@njit(cache=True)
def _ring(buf, at, x, y, a, b):
    buf[at] = 91  # '['
    at += 1
    for p in range(a, b):
        if p > a:
            buf[at] = 44  # ', '
            buf[at + 1] = 32
            at += 2
        buf[at] = 91
        at = _int(buf, at + 1, x[p])
        buf[at] = 44
        buf[at + 1] = 32
        at = _int(buf, at + 2, y[p])
        buf[at] = 93  # ']'
        at += 1
    buf[at] = 93
    return at + 1


@njit(cache=True)
def write_results(
    buf,
    first,
    item_bound,
    ok,
    item_ring_at,
    rings,
    ring_object,
    ring_hole,
    ring_offsets,
    x,
    y,
    object_label,
    label_bytes,
    label_at,
    conf_bytes,
    conf_at,
    with_confidence,
    lit,
    lit_at,
    pre_bytes,
    pre_at,
    post_bytes,
    post_at,
):
    """The items' result texts from item ``first`` on into ``buf``: ``(offsets, stop)``, item
    ``k``'s text at ``offsets[k]:offsets[k + 1]`` for ``first <= k < stop``. Item ``k``'s rings
    are ``rings[item_ring_at[k]:item_ring_at[k + 1]]`` (outer ring of each polygon first, its
    holes after it).
    Framed (``pre_at`` of ``n_items + 1`` offsets): each item's text is written between its
    ``pre_bytes`` and ``post_bytes`` pieces (a COPY line's other fields), and ``offsets[k]`` is
    where its line starts.

    Numba does not check bounds, so the writer checks room itself, once per item: it stops
    (``stop`` < ``n_items``) before an item whose ``item_bound`` (an upper bound of its bytes,
    ``results._item_bounds``) does not fit in what is left of ``buf``. No miscount of a size
    can make it write past the buffer."""
    n_items = len(ok)
    framed = len(pre_at) == n_items + 1
    offsets = np.zeros(n_items + 1, dtype=np.int64)
    limit = len(buf)
    at = 0
    k = first
    while k < n_items:
        if at + item_bound[k] > limit:
            break
        offsets[k] = at
        if framed:
            at = _copy(buf, at, pre_bytes, pre_at[k], pre_at[k + 1])
        at = _copy(buf, at, lit, lit_at[0], lit_at[1])
        open_polygon = False
        holes = 0
        for j in range(item_ring_at[k], item_ring_at[k + 1]):
            r = rings[j]
            if not ring_hole[r]:
                if open_polygon:
                    if holes:
                        buf[at] = 93
                        at += 1
                    buf[at] = 125  # '}'
                    buf[at + 1] = 44
                    buf[at + 2] = 32
                    at += 3
                obj = ring_object[r]
                code = object_label[obj]
                at = _copy(buf, at, lit, lit_at[1], lit_at[2])
                at = _copy(buf, at, label_bytes, label_at[code], label_at[code + 1])
                at = _copy(buf, at, lit, lit_at[2], lit_at[3])
                at = _ring(buf, at, x, y, ring_offsets[r], ring_offsets[r + 1])
                if with_confidence:
                    at = _copy(buf, at, lit, lit_at[3], lit_at[4])
                    at = _copy(buf, at, conf_bytes, conf_at[obj], conf_at[obj + 1])
                open_polygon = True
                holes = 0
            else:
                if holes:
                    buf[at] = 44
                    buf[at + 1] = 32
                    at += 2
                else:
                    at = _copy(buf, at, lit, lit_at[4], lit_at[5])
                at = _ring(buf, at, x, y, ring_offsets[r], ring_offsets[r + 1])
                holes += 1
        if open_polygon:
            if holes:
                buf[at] = 93
                at += 1
            buf[at] = 125
            at += 1
        if ok[k]:
            at = _copy(buf, at, lit, lit_at[5], lit_at[6])
        else:
            at = _copy(buf, at, lit, lit_at[6], lit_at[7])
        if framed:
            at = _copy(buf, at, post_bytes, post_at[k], post_at[k + 1])
        k += 1
    offsets[k] = at
    return offsets, k


@njit(cache=True)
def _int_size(v):
    """Characters ``_int`` writes for ``v``."""
    if 0 <= v < 10:  # pixel corners: mostly fewer than four digits
        return 1
    if 0 <= v < 100:
        return 2
    if 0 <= v < 1000:
        return 3
    n = 1
    if v < 0:
        n = 2
        v = -v
    while v >= 10:
        n += 1
        v //= 10
    return n


@njit(cache=True)
def _ring_size(x, y, a, b):
    n = 2  # '[' ']'
    for p in range(a, b):
        n += 4 + _int_size(x[p]) + _int_size(y[p])  # '[' x ', ' y ']'
    if b > a:
        n += 2 * (b - a - 1)  # ', ' between corners
    return n


@njit(cache=True)
def results_size(
    ok,
    item_ring_at,
    rings,
    ring_object,
    ring_hole,
    ring_offsets,
    x,
    y,
    object_label,
    label_at,
    conf_at,
    with_confidence,
    lit_at,
    pre_at,
    post_at,
):
    """The number of bytes ``write_results`` writes with the same arguments, counted with its
    layout (so that the caller can give it a buffer of exactly that size: a ``bytes`` object
    filled in place, no copy afterwards)."""
    n_items = len(ok)
    framed = len(pre_at) == n_items + 1
    size = 0
    for k in range(n_items):
        if framed:
            size += pre_at[k + 1] - pre_at[k] + post_at[k + 1] - post_at[k]
        size += lit_at[1] - lit_at[0]
        open_polygon = False
        holes = 0
        for j in range(item_ring_at[k], item_ring_at[k + 1]):
            r = rings[j]
            if not ring_hole[r]:
                if open_polygon:
                    size += 4 if holes else 3  # ']' and '}, '
                obj = ring_object[r]
                code = object_label[obj]
                size += lit_at[2] - lit_at[1] + label_at[code + 1] - label_at[code]
                size += lit_at[3] - lit_at[2]
                if with_confidence:
                    size += lit_at[4] - lit_at[3] + conf_at[obj + 1] - conf_at[obj]
                open_polygon = True
                holes = 0
            else:
                size += 2 if holes else lit_at[5] - lit_at[4]
                holes += 1
            size += _ring_size(x, y, ring_offsets[r], ring_offsets[r + 1])
        if open_polygon:
            size += 2 if holes else 1
        size += lit_at[6] - lit_at[5] if ok[k] else lit_at[7] - lit_at[6]
    return size
