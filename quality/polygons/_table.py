"""Many answers' polygons as flat arrays, and the OK/NG flag of an answer.

Platform result: ``{"polygons": [{"label", "points": [[x, y], ...], "holes"?: [[[x, y], ...]]}],
"ok"?: bool}`` in image pixels, origin top-left; ``{"ok": true}`` alone means "no defect".
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._bulk import collector_paused
from .._ranges import expand
from ._utf8 import joined_utf8

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

OK_ABSENT = -1


def polygons_of(result: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """The polygons of a result; none for ``{"ok": true}`` or a missing key."""
    if not result:
        return []
    return list(result.get("polygons") or [])


def is_ok(result: Mapping[str, Any] | None) -> bool:
    """The answer's OK/NG flag: ``ok`` when given, otherwise "no polygon drawn"."""
    if result and result.get("ok") is not None:
        return bool(result["ok"])
    return not polygons_of(result)


@dataclass(frozen=True)
class PolygonTable:
    """Answers, their polygons and the polygons' rings, one array per column.

    Rings of a polygon are contiguous, its outer ring first; ``ring_offsets[r]`` is where ring
    ``r`` starts in ``xy``. ``answer_ok`` is 1 (OK), 0 (NG) or -1 (no flag given).
    """

    answer_item: I64
    answer_ok: NDArray[np.int8]
    polygon_answer: I64
    polygon_label: I64
    ring_polygon: I64
    ring_hole: NDArray[np.bool_]
    ring_offsets: I64
    xy: F64
    labels: tuple[str, ...]

    @property
    def n_answers(self) -> int:
        return len(self.answer_item)

    @property
    def n_polygons(self) -> int:
        return len(self.polygon_answer)

    @staticmethod
    def from_results(
        results: Sequence[Mapping[str, Any] | None],
        items: Sequence[int] | NDArray[np.integer[Any]] | None = None,
        labels: Sequence[str] | None = None,
    ) -> PolygonTable:
        """Flatten platform results (one per answer; ``items[i]`` is answer i's item).

        Label codes index ``labels`` (default: the labels found, sorted). A label missing from
        a given ``labels`` raises ``KeyError``.
        """
        with collector_paused():
            return _from_results(results, items, labels)

    def take_answers(self, order: I64) -> PolygonTable:
        """The answers at ``order`` (a permutation or subset), their polygons and rings with
        them, in that order."""
        poly_count = np.bincount(self.polygon_answer, minlength=self.n_answers)
        poly_first = np.cumsum(poly_count) - poly_count
        new_answer = np.empty(self.n_answers, dtype=np.int64)
        new_answer[order] = np.arange(len(order))
        polys = expand(poly_first[order], poly_count[order])[1]
        ring_count = np.bincount(self.ring_polygon, minlength=self.n_polygons)
        ring_first = np.cumsum(ring_count) - ring_count
        rings = expand(ring_first[polys], ring_count[polys])[1]
        sizes = np.diff(self.ring_offsets)[rings]
        points = expand(self.ring_offsets[:-1][rings], sizes)[1]
        new_poly = np.empty(self.n_polygons, dtype=np.int64)
        new_poly[polys] = np.arange(len(polys))
        return PolygonTable(
            answer_item=self.answer_item[order],
            answer_ok=self.answer_ok[order],
            polygon_answer=new_answer[self.polygon_answer[polys]],
            polygon_label=self.polygon_label[polys],
            ring_polygon=new_poly[self.ring_polygon[rings]],
            ring_hole=self.ring_hole[rings],
            ring_offsets=np.r_[0, np.cumsum(sizes)].astype(np.int64),
            xy=self.xy[points],
            labels=self.labels,
        )


def _from_results(
    results: Sequence[Mapping[str, Any] | None],
    items: Sequence[int] | NDArray[np.integer[Any]] | None,
    labels: Sequence[str] | None,
) -> PolygonTable:
    """``PolygonTable.from_results`` (a Python loop over the dicts, one pass each)."""
    polys = [polygons_of(r) for r in results]
    flat = list(chain.from_iterable(polys))
    names = tuple(labels) if labels is not None else tuple(sorted({p["label"] for p in flat}))
    code = {name: i for i, name in enumerate(names)}
    rings = [[p["points"], *(p.get("holes") or [])] for p in flat]
    per_poly = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
    all_rings = list(chain.from_iterable(rings))
    sizes = np.fromiter((len(r) for r in all_rings), dtype=np.int64, count=len(all_rings))
    coords = np.fromiter(
        chain.from_iterable(chain.from_iterable(all_rings)),
        dtype=np.float64,
        count=2 * int(sizes.sum()),
    )
    ok = np.fromiter(
        (OK_ABSENT if not r or r.get("ok") is None else int(bool(r["ok"])) for r in results),
        dtype=np.int8,
        count=len(results),
    )
    answer_item = (
        np.arange(len(results), dtype=np.int64)
        if items is None
        else np.asarray(items, dtype=np.int64)
    )
    ring_polygon = np.repeat(np.arange(len(flat), dtype=np.int64), per_poly)
    first = np.cumsum(per_poly) - per_poly
    hole = np.ones(len(all_rings), dtype=bool)
    hole[first[per_poly > 0]] = False
    return PolygonTable(
        answer_item=answer_item,
        answer_ok=ok,
        polygon_answer=np.repeat(
            np.arange(len(results), dtype=np.int64),
            np.fromiter((len(p) for p in polys), dtype=np.int64, count=len(polys)),
        ),
        polygon_label=np.fromiter(
            (code[p["label"]] for p in flat), dtype=np.int64, count=len(flat)
        ),
        ring_polygon=ring_polygon,
        ring_hole=hole,
        ring_offsets=np.r_[0, np.cumsum(sizes)].astype(np.int64),
        xy=coords.reshape(-1, 2),
        labels=names,
    )


def table_from_json(
    texts: Sequence[str | bytes],
    items: Sequence[int] | NDArray[np.integer[Any]] | None = None,
    *,
    order: NDArray[np.integer[Any]] | None = None,
) -> PolygonTable | None:
    """``PolygonTable.from_results`` of the results' stored JSON text, without parsing it into
    dicts (``_parse.parse_polygons``, one compiled pass); None when some text is outside what
    that reader takes (the caller flattens parsed dicts then). Labels are sorted, as there.

    ``order``: the table's answers are ``texts[order[0]], texts[order[1]], ...`` (``items``
    given in that order) — the texts are joined as they come and the reader visits them in
    that order, instead of a reordered list of 60,000 texts being built first."""
    from ._parse import BAD, POW10, parse_polygons  # Numba on first use

    with collector_paused():
        buf, sizes = joined_utf8(texts)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    if order is not None:
        starts, ends = starts[order], ends[order]
    status, ok, polygon_answer, l_start, l_end, ring_polygon, ring_hole, ring_size, xy, slow = (
        parse_polygons(buf, starts, ends, POW10)
    )
    if status == BAD:
        return None
    for at, a, b in slow.tolist():  # numbers beyond the exact fast path: Python's float
        xy[at] = float(buf[a:b].tobytes())
    distinct, of_polygon = _distinct_ranges(buf, l_start, l_end)
    raw_labels = [buf[a:b].tobytes() for a, b in distinct]
    decoded = [json.loads(b'"' + s + b'"') for s in raw_labels]
    names = tuple(sorted(set(decoded)))
    code = {name: i for i, name in enumerate(names)}
    distinct_code = np.array([code[name] for name in decoded], dtype=np.int64)
    return PolygonTable(
        answer_item=(
            np.arange(len(texts), dtype=np.int64)
            if items is None
            else np.asarray(items, dtype=np.int64)
        ),
        answer_ok=ok,
        polygon_answer=polygon_answer,
        polygon_label=distinct_code[of_polygon],
        ring_polygon=ring_polygon,
        ring_hole=ring_hole,
        ring_offsets=np.r_[0, np.cumsum(ring_size)].astype(np.int64),
        xy=xy.reshape(-1, 2),
        labels=names,
    )


def _distinct_ranges(
    buf: NDArray[np.uint8], start: NDArray[np.int64], end: NDArray[np.int64]
) -> tuple[list[tuple[int, int]], NDArray[np.intp]]:
    """The distinct byte strings ``buf[start:end]`` (one range of each) and which one each
    range is — the polygons' labels, a handful of names among hundreds of thousands: their
    bytes side by side, zero-padded to whole 8-byte words, compared as integers by
    ``np.unique`` (a JSON string holds no zero byte, so the padding cannot make two labels
    equal); one Python slice per polygon cost more than the compiled parse of all the text."""
    if not len(start):
        return [], np.zeros(0, dtype=np.intp)
    from ._parse import distinct_ranges  # Numba on first use

    # one compiled pass comparing each label's bytes with the few distinct ones (0.017
    # against 0.036 CPU s for the keys below at 300,000 polygons, ``results/polygons.md``)
    n, first, which = distinct_ranges(buf, start, end, 64)
    if n >= 0:
        return list(zip(start[first].tolist(), end[first].tolist(), strict=True)), which
    size = end - start
    words = max(int(size.max() + 7) // 8, 1)
    if words > 4:  # a long label: the grid would be large, one slice per polygon instead
        seen: dict[bytes, int] = {}
        ranges: list[tuple[int, int]] = []
        which = np.empty(len(start), dtype=np.intp)
        raw = buf.tobytes()
        for k, (a, b) in enumerate(zip(start.tolist(), end.tolist(), strict=True)):
            found = seen.setdefault(raw[a:b], len(seen))
            if found == len(ranges):
                ranges.append((a, b))
            which[k] = found
        return ranges, which
    at = start[:, None] + np.arange(8 * words)
    grid = np.where(at < end[:, None], buf[np.minimum(at, len(buf) - 1)], 0).astype(np.uint8)
    keys = grid.view(np.uint64)
    if words == 1:
        _, first, inverse = np.unique(keys[:, 0], return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return list(zip(start[first].tolist(), end[first].tolist(), strict=True)), inverse.reshape(-1)
