"""Consensus polygons as platform results, kept as arrays until someone reads them.

``PolygonConsensus.results`` builds ``{"polygons": [{"label", "points": [[x, y], ...]}], "ok"}``
dicts; at 20,000 images that is about 6.6 million ``[x, y]`` lists (the rings follow pixel
edges), more CPU than all of batched box fusion, and the recompute's only bulk reader, the
consensus store, turns them straight into JSON text again. ``ConsensusResults`` is the same
list of results as a lazy sequence: indexing or iterating builds the dicts (once, all of them),
``json_texts`` writes each item's JSON text from the arrays in one compiled pass (``_format``)
without any dict — the text ``json.dumps`` would give the dict, character for character —,
``copy_text`` writes the consensus store's whole COPY lines in that same pass (the store's other
fields around each result, escaped and encoded: no per-item string), and ``take`` / ``+`` (what
``Inferred.take`` and ``Inferred.concat`` do with gold items) stay lazy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from itertools import pairwise
from typing import Any, overload

import numpy as np
from numpy.typing import NDArray

from ._utf8 import new_bytes
from .consensus import PolygonConsensus

I64 = NDArray[np.int64]


def json_texts(consensus: PolygonConsensus, *, with_confidence: bool = False) -> list[str]:
    """``[json.dumps(r) for r in consensus.results(with_confidence=...)]``, written from the
    arrays (``_format.write_results``)."""
    if not len(consensus.ok):
        return []
    args, bounds = _writer_args(consensus, with_confidence=with_confidence)
    buffer = np.empty(int(bounds.sum()), dtype=np.uint8)
    offsets, stop = _write(buffer, args, bounds)
    if stop != len(bounds):  # pragma: no cover - the buffer holds every item's bound
        raise AssertionError("JSON text bound miscounted")
    text = str(buffer[: offsets[-1]].data, "ascii")
    at = offsets.tolist()
    return [text[a:b] for a, b in pairwise(at)]


def copy_text(
    consensus: PolygonConsensus,
    before: Sequence[str],
    after: Sequence[str],
    *,
    with_confidence: bool = False,
) -> bytes:
    """``"".join(b + copy_escape(json.dumps(r)) + a)`` over the items' results, UTF-8: the
    lines of a PostgreSQL ``COPY ... FROM STDIN`` (text format) whose other fields the caller
    gives as each line's ``before`` and ``after`` text, written from the arrays in the same
    compiled pass as ``json_texts`` — no text per item, no escaping or joining afterwards
    (those cost more than writing the 85 MB at 20,000 images, ``results/polygons.md``). The
    JSON is ASCII (``json.dumps`` escapes the rest), so COPY's escaping only doubles the
    backslashes of the labels' escapes."""
    if not len(consensus.ok):
        return b""
    pre_bytes, pre_at = _joined(list(before), "utf-8")
    post_bytes, post_at = _joined(list(after), "utf-8")
    args, bounds = _writer_args(
        consensus,
        with_confidence=with_confidence,
        frame=(pre_bytes, pre_at, post_bytes, post_at),
        escape_labels=True,
    )
    from ._format import results_size  # Numba on first use

    # the exact size first, then the bytes written in place: no copy of the 85 MB of a
    # 20,000-image COPY from a buffer into ``bytes`` (0.05 CPU s, ``results/polygons.md``)
    size = results_size(*(args[a] for a in _SIZE_ARGS))
    data, view = new_bytes(size)
    offsets, stop = _write(view, args, bounds)
    end = int(offsets[stop])
    if stop < len(bounds):
        # the last items, whose bounds no longer fit in the exact size: written into a
        # scratch buffer of their bounds, copied in only if they fill the rest exactly
        scratch = np.empty(int(bounds[stop:].sum()), dtype=np.uint8)
        tail, _ = _write(scratch, args, bounds, first=stop)
        written = int(tail[-1])
        if end + written == size:
            view[end:] = scratch[:written]
        end += written
    if end != size:  # pragma: no cover - results_size follows write_results' layout
        raise AssertionError("COPY text size miscounted")
    return data


def copy_escape(value: str) -> str:
    """A value for COPY's text format: backslash, tab, newline and carriage return escaped."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


# ``write_results``' arguments after the buffer that ``results_size`` takes too
_SIZE_ARGS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 13, 15, 17, 19)


def _writer_args(
    consensus: PolygonConsensus,
    *,
    with_confidence: bool,
    frame: tuple[NDArray[np.uint8], I64, NDArray[np.uint8], I64] | None = None,
    escape_labels: bool = False,
) -> tuple[tuple[Any, ...], I64]:
    """``write_results``' arguments after the buffer, and each item's bound on the bytes it
    writes (``_item_bounds``)."""
    from ._format import LITERAL_AT, LITERALS  # Numba on first use

    n_items = len(consensus.ok)
    n_obj = len(consensus.object_item)
    labels = [json.dumps(name) for name in consensus.labels] or ['""']
    if escape_labels:
        labels = [copy_escape(label) for label in labels]
    label_bytes, label_at = _joined(labels)
    if with_confidence and n_obj:
        conf_bytes, conf_at = _joined(_floats(consensus.object_confidence))
    else:
        conf_bytes, conf_at = np.zeros(1, dtype=np.uint8), np.zeros(n_obj + 1, dtype=np.int64)
    if frame is None:
        empty = np.zeros(1, dtype=np.uint8)
        frame = (empty, np.zeros(1, dtype=np.int64), empty, np.zeros(1, dtype=np.int64))
    ring_item = consensus.object_item[consensus.ring_object]
    rings = np.argsort(ring_item, kind="stable").astype(
        np.int64, copy=False
    )  # already in item order
    item_ring_at = np.searchsorted(ring_item[rings], np.arange(n_items + 1)).astype(
        np.int64, copy=False
    )
    x, y = consensus.x, consensus.y
    bounds = _item_bounds(
        consensus,
        ring_item=ring_item,
        object_room=int(np.diff(label_at).max()) + int(np.diff(conf_at).max(initial=0)),
        frame=frame,
    )
    args = (
        consensus.ok.astype(np.bool_, copy=False),
        item_ring_at,
        rings,
        consensus.ring_object.astype(np.int64, copy=False),
        consensus.ring_hole.astype(np.bool_, copy=False),
        consensus.ring_offsets.astype(np.int64, copy=False),
        x,  # int32 from the compiled tracing, int64 from the NumPy path: no copy either way
        y,
        consensus.object_label.astype(np.int64, copy=False),
        label_bytes,
        label_at,
        conf_bytes,
        conf_at,
        with_confidence,
        LITERALS,
        LITERAL_AT,
        *frame,
    )
    return args, bounds


def _item_bounds(
    consensus: PolygonConsensus,
    *,
    ring_item: I64,
    object_room: int,
    frame: tuple[NDArray[np.uint8], I64, NDArray[np.uint8], I64],
) -> I64:
    """Per item, an upper bound of the bytes ``write_results`` writes for it, from counts
    alone: a corner ``[x, y], `` takes at most twice the widest coordinate (sign included) plus
    6, a ring's brackets and ``, "holes": [`` at most 16, an object's literals at most 48 plus
    its label and confidence, an item's at most 32 plus its frame. Simple enough to check by
    eye, which is the point: the writer's room checks rest on it (``write_results``)."""
    n_items = len(consensus.ok)
    x, y = consensus.x, consensus.y
    # the largest |coordinate| from the extremes: no array of absolute values (6.6 million
    # corners at 20,000 images, fresh memory each)
    largest = max(x.max(initial=0), -x.min(initial=0), y.max(initial=0), -y.min(initial=0))
    digits = len(str(int(largest))) + 1
    corners = np.bincount(
        ring_item, weights=np.diff(consensus.ring_offsets), minlength=n_items
    ).astype(np.int64)
    bounds = (
        corners * (2 * digits + 6)
        + np.bincount(ring_item, minlength=n_items) * 16
        + np.bincount(consensus.object_item, minlength=n_items) * (object_room + 48)
        + 32
    ).astype(np.int64)
    _, pre_at, _, post_at = frame
    if len(pre_at) == n_items + 1:
        bounds += np.diff(pre_at) + np.diff(post_at)
    return bounds


def _write(
    buffer: NDArray[np.uint8], args: tuple[Any, ...], bounds: I64, *, first: int = 0
) -> tuple[I64, int]:
    """``write_results`` into ``buffer`` from item ``first`` on, as long as each item's bound
    fits: the items' offsets and the first item not written."""
    from ._format import write_results  # Numba on first use

    offsets, stop = write_results(buffer, first, bounds, *args)
    return offsets, int(stop)


def _floats(values: NDArray[np.float64]) -> list[str]:
    """Floats as ``json.dumps`` writes them: ``repr``, and NaN / Infinity for the others."""
    texts = list(map(float.__repr__, values.tolist()))
    for at in np.flatnonzero(~np.isfinite(values)).tolist():
        texts[at] = json.dumps(float(values[at]))
    return texts


def _joined(texts: list[str], encoding: str = "ascii") -> tuple[NDArray[np.uint8], I64]:
    """The texts' bytes side by side and where each starts. ASCII texts (numbers, the usual
    case) are joined and encoded once, their lengths in characters being their lengths in
    bytes; one ``encode`` per text cost 0.06 CPU s over the 140,000 pieces of a 20,000-image
    COPY (``results/polygons.md``)."""
    joined = "".join(texts).encode(encoding)
    if len(joined) == sum(map(len, texts)):
        sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    else:
        pieces = [text.encode(encoding) for text in texts]
        sizes = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    data = np.frombuffer(joined, dtype=np.uint8)
    return (data if len(data) else np.zeros(1, dtype=np.uint8)).copy(), np.r_[
        0, np.cumsum(sizes)
    ].astype(np.int64)


class ConsensusResults(Sequence[dict[str, Any]]):
    """``consensus.results(with_confidence=...)`` as a lazy sequence, optionally a subset of its
    items (``rows``) and other results after or among them (``rows`` < 0: ``extra[-1 - row]``)."""

    def __init__(
        self,
        consensus: PolygonConsensus,
        *,
        with_confidence: bool = False,
        rows: I64 | None = None,
        extra: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self._consensus = consensus
        self._with_confidence = with_confidence
        self._rows = np.arange(len(consensus.ok), dtype=np.int64) if rows is None else rows
        self._extra = list(extra)
        self._dicts: list[dict[str, Any]] | None = None

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self._one(int(r)) for r in self._rows[index].tolist()]
        return self._one(int(self._rows[index]))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for r in self._rows.tolist():
            yield self._one(r)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ConsensusResults({list(self)!r})"

    def _one(self, row: int) -> dict[str, Any]:
        if row < 0:
            return self._extra[-1 - row]  # type: ignore[return-value]
        if self._dicts is None:
            self._dicts = self._consensus.results(with_confidence=self._with_confidence)
        return self._dicts[row]

    def _with(self, rows: I64, extra: list[Mapping[str, Any]]) -> ConsensusResults:
        out = ConsensusResults(
            self._consensus, with_confidence=self._with_confidence, rows=rows, extra=extra
        )
        out._dicts = self._dicts
        return out

    def take(self, index: NDArray[Any]) -> ConsensusResults:
        """The results at ``index`` (indices), in that order, still lazy."""
        return self._with(self._rows[np.asarray(index, dtype=np.intp)], self._extra)

    def __add__(self, other: Sequence[Mapping[str, Any]]) -> ConsensusResults:
        more = list(other)
        codes = -1 - (len(self._extra) + np.arange(len(more), dtype=np.int64))
        return self._with(np.r_[self._rows, codes].astype(np.int64), [*self._extra, *more])

    def __radd__(self, other: Sequence[Mapping[str, Any]]) -> ConsensusResults:
        more = list(other)
        shifted = np.where(self._rows < 0, self._rows - len(more), self._rows)
        codes = -1 - np.arange(len(more), dtype=np.int64)
        return self._with(np.r_[codes, shifted].astype(np.int64), [*more, *self._extra])

    def json_texts(self) -> list[str]:
        """``[json.dumps(r) for r in self]``, the consensus rows written from the arrays."""
        rows = self._rows.tolist()
        texts: list[str] = []
        if any(r >= 0 for r in rows):
            texts = json_texts(self._consensus, with_confidence=self._with_confidence)
        return [texts[r] if r >= 0 else json.dumps(self._extra[-1 - r]) for r in rows]

    def copy_text(self, before: Sequence[str], after: Sequence[str]) -> bytes:
        """``"".join(b + copy_escape(t) + a)`` over ``json_texts()``, UTF-8 (``copy_text``: a
        COPY text-format line per result, written from the arrays in one pass when these are
        the consensus' own rows in order)."""
        rows = self._rows
        if len(rows) == len(self._consensus.ok) and np.array_equal(rows, np.arange(len(rows))):
            return copy_text(self._consensus, before, after, with_confidence=self._with_confidence)
        return "".join(
            f"{b}{copy_escape(t)}{a}"
            for b, t, a in zip(before, self.json_texts(), after, strict=True)
        ).encode()
