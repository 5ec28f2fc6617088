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

from collections.abc import Sequence
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
        with collector_paused():
            values = [orjson.loads(v) if isinstance(v, str | bytes) else v for v in values]
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
