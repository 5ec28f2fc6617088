"""Compiled reader of stored polygon results: JSON text straight into ``PolygonTable`` columns.

Why: the recompute reads every answer of a project; parsing 60,000 answers of 5 polygons x 12
points into dicts and lists (orjson) and flattening those into arrays again
(``PolygonTable.from_results``) cost as much CPU as all of batched box fusion
(``results/polygons.md``). Here one pass over the answers' UTF-8 text, concatenated, writes the
coordinates, rings, polygons and OK flags into arrays; labels come out as byte ranges that the
caller decodes once per distinct label.

The grammar is JSON's (RFC 8259): keys in any order (PostgreSQL's ``jsonb`` orders them by
length, SQLite keeps them as written), unknown keys skipped whatever their value, white space
anywhere. A result that is not an object, or whose ``polygons`` is null, has no polygons; ``ok``
is read when it is ``true``, ``false`` or ``null``. Anything outside what ``from_results``
reads the same way (a point that is not two numbers, a label that is not a string, ``ok`` of
another type, malformed text) stops the pass with a status, and the caller flattens parsed dicts
instead.

Numbers: a decimal with at most 15 significant digits and a power of ten within 1e22 is
converted as Clinger's fast path (W. D. Clinger, "How to read floating point numbers
accurately", PLDI 1990, https://doi.org/10.1145/93542.93557): mantissa and power are both
exact doubles, so one IEEE multiplication or division gives the correctly rounded value —
the same double as Python's ``float``. Other numbers are left to the caller (their byte
ranges are returned), who converts them with ``float``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

OK = 0
BAD = 1

POW10 = np.array([10.0**k for k in range(23)])
_POLYGONS = np.frombuffer(b"polygons", dtype=np.uint8)
_OK = np.frombuffer(b"ok", dtype=np.uint8)
_LABEL = np.frombuffer(b"label", dtype=np.uint8)
_POINTS = np.frombuffer(b"points", dtype=np.uint8)
_HOLES = np.frombuffer(b"holes", dtype=np.uint8)


@njit(cache=True)
def _ws(buf, i):
    while i < len(buf) and (buf[i] == 32 or buf[i] == 10 or buf[i] == 13 or buf[i] == 9):
        i += 1
    return i


@njit(cache=True)
def _string_end(buf, i):
    """``i`` at an opening quote: the index after the closing one (-1 if none)."""
    i += 1
    while i < len(buf):
        c = buf[i]
        if c == 92:  # backslash: skip the escaped byte
            i += 2
            continue
        if c == 34:
            return i + 1
        i += 1
    return -1


@njit(cache=True)
def _skip(buf, i):
    """``i`` at a value: the index after it (-1 if malformed)."""
    i = _ws(buf, i)
    if i >= len(buf):
        return -1
    c = buf[i]
    if c == 34:
        return _string_end(buf, i)
    if c == 123 or c == 91:  # object or array: match brackets, strings skipped whole
        depth = 0
        while i < len(buf):
            c = buf[i]
            if c == 34:
                i = _string_end(buf, i)
                if i < 0:
                    return -1
                continue
            if c == 123 or c == 91:
                depth += 1
            elif c == 125 or c == 93:
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return -1
    # number or literal: up to a delimiter
    while i < len(buf):
        c = buf[i]
        if c == 44 or c == 125 or c == 93 or c == 32 or c == 10 or c == 13 or c == 9:
            break
        i += 1
    return i


@njit(cache=True)
def _key_is(buf, a, b, word):
    """The key string ``buf[a:b]`` (quotes included) equals ``word`` (bytes, no escapes)."""
    if b - a - 2 != len(word):
        return False
    for k in range(len(word)):  # noqa: SIM110 (a loop: Numba compiles no generator into all())
        if buf[a + 1 + k] != word[k]:
            return False
    return True


@njit(cache=True)
def _number(buf, i, pow10):
    """``i`` at a number: (end, value, exact) — exact False when Clinger's fast path does not
    apply (the caller converts ``buf[i:end]`` itself); end -1 when it is not a number."""
    start = i
    negative = False
    if i < len(buf) and buf[i] == 45:
        negative = True
        i += 1
    mantissa = 0
    digits = 0
    scale = 0
    seen = False
    exact = True
    while i < len(buf) and 48 <= buf[i] <= 57:
        seen = True
        if mantissa or buf[i] != 48:
            if digits < 18:
                mantissa = mantissa * 10 + (buf[i] - 48)
            else:
                scale += 1
            digits += 1
        i += 1
    if i < len(buf) and buf[i] == 46:
        i += 1
        while i < len(buf) and 48 <= buf[i] <= 57:
            seen = True
            if mantissa or buf[i] != 48:
                if digits < 18:
                    mantissa = mantissa * 10 + (buf[i] - 48)
                    scale -= 1
                digits += 1
            else:
                scale -= 1
            i += 1
    if not seen:
        return -1, 0.0, False
    if i < len(buf) and (buf[i] == 101 or buf[i] == 69):
        i += 1
        sign = 1
        if i < len(buf) and (buf[i] == 43 or buf[i] == 45):
            sign = -1 if buf[i] == 45 else 1
            i += 1
        e = 0
        any_digit = False
        while i < len(buf) and 48 <= buf[i] <= 57:
            any_digit = True
            if e < 100000:
                e = e * 10 + (buf[i] - 48)
            i += 1
        if not any_digit:
            return -1, 0.0, False
        scale += sign * e
    if digits > 15 or scale > 22 or scale < -22:
        exact = False
    value = float(mantissa)
    if mantissa == 0:
        value = 0.0
    elif scale >= 0:
        value = value * pow10[scale] if scale <= 22 else value
    else:
        value = value / pow10[-scale] if scale >= -22 else value
    if negative:
        value = -value
    if i == start:
        return -1, 0.0, False
    return i, value, exact


@njit(cache=True)
def _ring(buf, i, xy, slow, counts, pow10):
    """``i`` at a ring ``[[x, y], ...]``: its coordinates appended to ``xy`` (``counts[2]``
    of them so far; numbers off the fast path noted in ``slow``, ``counts[3]``); the index
    after it, or -1 if it is not a ring of points (or the arrays are full)."""
    end = len(buf)
    i = _ws(buf, i)
    if i >= end or buf[i] != 91:
        return -1
    i = _ws(buf, i + 1)
    if i < end and buf[i] == 93:
        return i + 1
    while True:
        i = _ws(buf, i)
        if i >= end or buf[i] != 91:
            return -1
        for axis in range(2):
            i = _ws(buf, i + 1)
            start = i
            i, value, exact = _number(buf, i, pow10)
            if i < 0 or counts[2] >= len(xy):
                return -1
            xy[counts[2]] = value
            if not exact:
                if counts[3] >= len(slow):
                    return -1
                slow[counts[3], 0] = counts[2]
                slow[counts[3], 1] = start
                slow[counts[3], 2] = i
                counts[3] += 1
            counts[2] += 1
            i = _ws(buf, i)
            if i >= end:
                return -1
            if axis == 0 and buf[i] != 44:
                return -1
        if buf[i] != 93:
            return -1
        i = _ws(buf, i + 1)
        if i >= end:
            return -1
        if buf[i] == 93:
            return i + 1
        if buf[i] != 44:
            return -1
        i += 1


@njit(cache=True)
def _polygon(view, i, a, out, counts, pow10):
    """``i`` at a polygon object of answer ``a``: its rings and label range into ``out``,
    ``counts`` (polygons, rings, coordinates, slow numbers) advanced; the index after it, or
    -1. The outer ring is read where its key comes, the holes after all keys (``jsonb`` puts
    ``holes`` first), so the outer ring comes first whatever the keys' order."""
    polygon_answer, label_start, label_end, ring_polygon, ring_hole, ring_size, xy, slow = out
    end = len(view)
    n_poly, n_ring = counts[0], counts[1]
    if n_poly >= len(polygon_answer) or n_ring >= len(ring_size):
        return -1
    at_label = -1
    has_points = False
    at_holes = -1
    i = _ws(view, i + 1)
    if i < end and view[i] == 125:
        return -1  # no label, no points
    while True:
        i = _ws(view, i)
        if i >= end or view[i] != 34:
            return -1
        k_start = i
        k_end = _string_end(view, i)
        if k_end < 0:
            return -1
        i = _ws(view, k_end)
        if i >= end or view[i] != 58:
            return -1
        i = _ws(view, i + 1)
        if _key_is(view, k_start, k_end, _POINTS):  # the outer ring, read at once
            if has_points:  # a repeated key: the dicts keep the last, leave it to them
                return -1
            before = counts[2]
            i = _ring(view, i, xy, slow, counts, pow10)
            if i < 0:
                return -1
            ring_polygon[n_ring] = n_poly
            ring_hole[n_ring] = False
            ring_size[n_ring] = (counts[2] - before) // 2
            n_ring += 1
            has_points = True
        else:
            if _key_is(view, k_start, k_end, _LABEL):
                at_label = i
            elif _key_is(view, k_start, k_end, _HOLES):
                at_holes = i
            i = _skip(view, i)
        if i < 0:
            return -1
        i = _ws(view, i)
        if i < end and view[i] == 44:
            i += 1
            continue
        if i < end and view[i] == 125:
            i += 1
            break
        return -1
    if at_label < 0 or not has_points or view[at_label] != 34:
        return -1
    polygon_answer[n_poly] = a
    label_start[n_poly] = at_label + 1
    label_end[n_poly] = _string_end(view, at_label) - 1
    if at_holes >= 0 and view[at_holes] == 91:
        j = _ws(view, at_holes + 1)
        if j >= end or view[j] != 93:
            while True:
                if n_ring >= len(ring_size):
                    return -1
                before = counts[2]
                j = _ring(view, j, xy, slow, counts, pow10)
                if j < 0:
                    return -1
                ring_polygon[n_ring] = n_poly
                ring_hole[n_ring] = True
                ring_size[n_ring] = (counts[2] - before) // 2
                n_ring += 1
                j = _ws(view, j)
                if j < end and view[j] == 44:
                    j += 1
                    continue
                if j < end and view[j] == 93:
                    break
                return -1
    elif at_holes >= 0 and view[at_holes] != 110:  # holes: null is none, else a list
        return -1
    counts[0] = n_poly + 1
    counts[1] = n_ring
    return i


@njit(cache=True)
def _answer(view, start, a, answer_ok, out, counts, pow10):
    """Answer ``a``'s text ``view[start:]``: its flag and polygons; False if it is outside what
    this reader takes."""
    end = len(view)
    i = _ws(view, start)
    if i >= end or view[i] != 123:  # not an object: no polygons, no flag
        return True
    i = _ws(view, i + 1)
    if i < end and view[i] == 125:
        return True
    seen_polygons = False
    while True:
        i = _ws(view, i)
        if i >= end or view[i] != 34:
            return False
        k_start = i
        k_end = _string_end(view, i)
        if k_end < 0:
            return False
        i = _ws(view, k_end)
        if i >= end or view[i] != 58:
            return False
        i = _ws(view, i + 1)
        if i >= end:
            return False
        if _key_is(view, k_start, k_end, _OK):
            c = view[i]
            if c == 116:
                answer_ok[a] = 1
            elif c == 102:
                answer_ok[a] = 0
            elif c == 110:
                answer_ok[a] = -1
            else:
                return False
            i = _skip(view, i)
        elif _key_is(view, k_start, k_end, _POLYGONS) and view[i] == 91:
            if seen_polygons:  # a repeated key: the dicts keep the last, leave it to them
                return False
            seen_polygons = True
            i = _ws(view, i + 1)
            if i < end and view[i] == 93:
                i += 1
            else:
                while True:
                    i = _ws(view, i)
                    if i >= end or view[i] != 123:
                        return False
                    i = _polygon(view, i, a, out, counts, pow10)
                    if i < 0:
                        return False
                    i = _ws(view, i)
                    if i < end and view[i] == 44:
                        i += 1
                        continue
                    if i < end and view[i] == 93:
                        i += 1
                        break
                    return False
        elif _key_is(view, k_start, k_end, _POLYGONS) and view[i] != 110:
            return False
        else:
            i = _skip(view, i)
        if i < 0:
            return False
        i = _ws(view, i)
        if i < end and view[i] == 44:
            i += 1
            continue
        return i < end and view[i] == 125


@njit(cache=True)
def parse_polygons(buf, starts, ends, pow10):
    """Every answer ``buf[starts[a]:ends[a]]``: (status, answer_ok, polygon_answer,
    label_start, label_end, ring_polygon, ring_hole, ring_size, xy, slow) trimmed to size;
    ``slow`` rows are (coordinate index, byte start, byte end) of the numbers to convert with
    ``float``; status ``BAD`` when some answer is outside what this reader takes."""
    n = len(starts)
    n_bytes = len(buf)
    cap_poly = n_bytes // 24 + 16
    cap_ring = n_bytes // 16 + 16
    answer_ok = np.full(n, -1, dtype=np.int8)
    out = (
        np.empty(cap_poly, dtype=np.int64),  # polygon_answer
        np.empty(cap_poly, dtype=np.int64),  # label_start
        np.empty(cap_poly, dtype=np.int64),  # label_end
        np.empty(cap_ring, dtype=np.int64),  # ring_polygon
        np.empty(cap_ring, dtype=np.bool_),  # ring_hole
        np.empty(cap_ring, dtype=np.int64),  # ring_size
        np.empty(n_bytes // 2 + 16, dtype=np.float64),  # xy
        np.empty((n_bytes // 16 + 1024, 3), dtype=np.int64),  # slow
    )
    counts = np.zeros(4, dtype=np.int64)  # polygons, rings, coordinates, slow numbers
    status = OK
    for a in range(n):
        if not _answer(buf[: ends[a]], starts[a], a, answer_ok, out, counts, pow10):
            status = BAD
            break
    n_poly, n_ring, n_xy, n_slow = counts[0], counts[1], counts[2], counts[3]
    return (
        status,
        answer_ok,
        out[0][:n_poly],
        out[1][:n_poly],
        out[2][:n_poly],
        out[3][:n_ring],
        out[4][:n_ring],
        out[5][:n_ring],
        out[6][:n_xy],
        out[7][:n_slow],
    )


@njit(cache=True)
def _same(buf, a, b, size):
    """``buf[a:a + size] == buf[b:b + size]``."""
    for t in range(size):  # noqa: SIM110 (a loop: Numba compiles no generator into all())
        if buf[a + t] != buf[b + t]:
            return False
    return True


@njit(cache=True)
def distinct_ranges(buf, start, end, cap):
    """The distinct byte strings ``buf[start[p]:end[p]]`` (the polygons' labels, a handful of
    names): ``(n, first, which)`` — ``first[:n]`` the first range of each distinct string, in
    order of first appearance, ``which`` the distinct string of every range; ``n`` -1 when
    there are more than ``cap`` (the caller sorts keys instead). Each range is compared byte
    by byte with the distinct ones found so far, the previous range's first."""
    n_ranges = len(start)
    first = np.empty(cap, dtype=np.int64)
    which = np.empty(n_ranges, dtype=np.int64)
    n = 0
    last = -1
    for p in range(n_ranges):
        a = start[p]
        size = end[p] - a
        found = -1
        if last >= 0:
            f = first[last]
            if end[f] - start[f] == size and _same(buf, a, start[f], size):
                found = last
        if found < 0:
            for d in range(n):
                f = first[d]
                if d != last and end[f] - start[f] == size and _same(buf, a, start[f], size):
                    found = d
                    break
        if found < 0:
            if n == cap:
                return -1, first[:0], which
            first[n] = p
            found = n
            n += 1
        which[p] = found
        last = found
    return n, first[:n], which
