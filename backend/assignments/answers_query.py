"""A project's annotations as columns, read by the domain that owns the table.

The quality recompute reads every annotation of a project (300,000 and more), so the rows go
straight from the driver's cursor into NumPy arrays: no ORM objects, no object per row. When the
caller reads one key of each result (a classification's label), that key is read from the JSON in
SQL; on PostgreSQL, when every value is one of the given labels, the whole table comes by binary
COPY as fixed-width rows (``np.frombuffer``) with each label as its position among the labels.

Only annotations that count are read: one a review rejected (``review_status = 'rejected'``,
``backend/review/rework.py``) no longer counts towards consensus, agreement or figures.

Read-only: other domains ask here instead of writing SQL on ``annotations`` themselves.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlmodel import Session

from backend.assignments.models import Annotation
from quality._bulk import collector_paused

# The condition of an annotation that counts (see the module docstring).
COUNTS = "review_status <> 'rejected'"


@dataclass(frozen=True)
class AnswerColumns:
    """Every annotation of a project in annotation id order, one array per column.

    ``positions`` holds each answer's label as its index in the ``labels`` asked for, when the
    whole table could be read that way (PostgreSQL, every value one of them); ``values`` holds
    the key's values (or the parsed results, without a key) otherwise, and is empty then.
    """

    # who answered which item what
    item: NDArray[np.int64]
    annotator: NDArray[np.int64]
    positions: NDArray[np.intp] | None
    values: Sequence[Any]
    # whether it was a gold item, and the score of the answer if so (NaN where none was stored)
    is_gold: NDArray[np.bool_]
    gold_score: NDArray[np.float64]


def answer_columns(
    *, session: Session, project_id: int, field: str | None, labels: Sequence[str]
) -> AnswerColumns:
    """Every annotation of the project; ``field``: read only that key of each result."""
    dialect = session.get_bind().dialect.name
    if field and dialect == "postgresql":
        fast = _label_positions_postgresql(
            session=session, project_id=project_id, field=field, labels=labels
        )
        if fast is not None:
            return fast
    # whole results come as text and are parsed by orjson (psycopg's jsonb loader is the
    # standard library's json: 60,000 box answers took 3.3 s of a 4.6 s load, orjson 0.5 s)
    wanted = _json_field(dialect, field) if field else _as_text(dialect)
    mark = "%s" if dialect == "postgresql" else "?"
    sql = (
        f"SELECT item_id, annotator_id, is_gold, gold_score, {wanted} "  # noqa: S608 (no input)
        f"FROM annotations WHERE project_id = {mark} AND {COUNTS} ORDER BY id"
    )
    cursor = session.connection().connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, (project_id,))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if rows:
        items, annotators, gold_flags, scores, values = zip(*rows, strict=True)
    else:
        items = annotators = gold_flags = scores = values = ()
    if not field:
        values = JsonResults(values)
    return AnswerColumns(
        item=np.fromiter(items, dtype=np.int64, count=len(items)),
        annotator=np.fromiter(annotators, dtype=np.int64, count=len(annotators)),
        is_gold=np.fromiter(gold_flags, dtype=np.bool_, count=len(gold_flags)),
        gold_score=np.fromiter(
            (np.nan if s is None else s for s in scores), dtype=np.float64, count=len(scores)
        ),
        positions=None,
        values=values,
    )


class JsonResults(Sequence[Any]):
    """The answers' results as the driver gave them (JSON text), parsed by orjson when first
    read — all at once on iteration, one at a time by index — and kept parsed.

    Why lazy: a kind that reads its answers straight from the text into arrays (polygons,
    ``quality.polygons.table_from_json``) never needs the dicts; 60,000 polygon answers parsed
    into dicts and lists cost about as much CPU as all of batched box fusion
    (``tests/benchmarks/results/polygons.md``). ``texts`` is that text (None when the driver
    gave something else, e.g. parsed values); the other kinds read the results as before.
    """

    def __init__(self, raw: Sequence[Any]) -> None:
        self._raw = list(raw)
        self._parsed: list[Any] = [_UNPARSED] * len(self._raw)
        self._missing = len(self._raw)
        self.texts: Sequence[str | bytes] | None = (
            self._raw if all(isinstance(v, str | bytes) for v in self._raw) else None
        )

    def __len__(self) -> int:
        return len(self._raw)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        value = self._parsed[index]
        if value is _UNPARSED:
            value = self._parsed[index] = _loads(self._raw[index])
            self._missing -= 1
        return value

    def __iter__(self) -> Iterator[Any]:
        if self._missing:
            with collector_paused():
                self._parsed = [
                    _loads(r) if p is _UNPARSED else p
                    for r, p in zip(self._raw, self._parsed, strict=True)
                ]
            self._missing = 0
        return iter(self._parsed)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def take(self, index: NDArray[Any]) -> JsonResults:
        """The results at ``index`` (indices), in that order, parsed ones kept parsed."""
        rows = np.asarray(index, dtype=np.intp).tolist()
        out = JsonResults([self._raw[i] for i in rows])
        out._parsed = [self._parsed[i] for i in rows]
        out._missing = sum(p is _UNPARSED for p in out._parsed)
        return out


_UNPARSED = object()


def _loads(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def count_annotations(*, session: Session, project_id: int) -> int:
    """How many annotations of the project count now."""
    return session.execute(
        select(func.count())
        .select_from(Annotation)
        .where(Annotation.project_id == project_id, Annotation.review_status != "rejected")
    ).scalar_one()


def _as_text(dialect: str) -> str:
    return "result::text" if dialect == "postgresql" else "result"


def _json_field(dialect: str, field: str) -> str:
    if dialect == "postgresql":
        return f"result ->> '{field}'"
    return f"json_extract(result, '$.{field}')"


_COPY_LABELS = (
    "COPY (SELECT item_id::int8, annotator_id::int8, "  # noqa: S608 (constants only)
    "coalesce(gold_score, 'NaN')::float8, "
    "coalesce(array_position(%s::text[], result ->> %s), 0)::int4, is_gold::int4 "
    f"FROM annotations WHERE project_id = %s AND {COUNTS} ORDER BY id) "
    "TO STDOUT (FORMAT BINARY)"
)
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8  # signature, flags, no extension
_BINARY_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("item_size", ">i4"),
        ("item", ">i8"),
        ("annotator_size", ">i4"),
        ("annotator", ">i8"),
        ("score_size", ">i4"),
        ("score", ">f8"),
        ("label_size", ">i4"),
        ("label", ">i4"),
        ("gold_size", ">i4"),
        ("gold", ">i4"),
    ]
)
_BINARY_SIZES = {
    "fields": 5,
    "item_size": 8,
    "annotator_size": 8,
    "score_size": 8,
    "label_size": 4,
    "gold_size": 4,
}


def _label_positions_postgresql(
    *, session: Session, project_id: int, field: str, labels: Sequence[str]
) -> AnswerColumns | None:
    """The columns by binary COPY, fixed-width rows read with one ``np.frombuffer``.

    The label comes as its 1-based position among ``labels``; None (take the general path) when
    some answer has another label, or the stream is not the expected shape.
    """
    cursor = session.connection().connection.dbapi_connection.cursor()
    chunks = bytearray()
    try:
        with cursor.copy(
            _COPY_LABELS,
            (list(labels), field, project_id),
        ) as copy:
            for data in copy:
                chunks += data
    finally:
        cursor.close()
    body = bytes(chunks)
    header, trailer = len(_BINARY_HEADER), b"\xff\xff"
    if not body.startswith(_BINARY_HEADER) or not body.endswith(trailer):
        return None
    payload = memoryview(body)[header : len(body) - len(trailer)]
    if len(payload) % _BINARY_ROW.itemsize:
        return None
    rows = np.frombuffer(payload, dtype=_BINARY_ROW)
    if any(bool((rows[name] != size).any()) for name, size in _BINARY_SIZES.items()):
        return None
    if bool((rows["label"] == 0).any()):
        return None
    return AnswerColumns(
        item=rows["item"].astype(np.int64),
        annotator=rows["annotator"].astype(np.int64),
        is_gold=rows["gold"].astype(np.bool_),
        gold_score=rows["score"].astype(np.float64),
        positions=(rows["label"] - 1).astype(np.intp),
        values=(),
    )
