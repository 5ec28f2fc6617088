"""Loading a project's annotations for a recompute, in one query, as columns.

A recompute reads every annotation of the project (300,000 and more), so the rows go straight
from the driver's cursor into NumPy arrays: no ORM objects, no object per row. Kinds whose answer
is one label (classification) read just that label from the JSON in SQL and get integer codes;
the other kinds (boxes, spans) get the parsed results.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlmodel import Session, select

from backend.items.models import GoldAnswer, Item
from backend.kinds.answers import AnswerTable


def _json_field(dialect: str, field: str) -> str:
    if dialect == "postgresql":
        return f"result ->> '{field}'"
    return f"json_extract(result, '$.{field}')"


def load_answers(
    *,
    session: Session,
    project_id: int,
    label_field: str | None,
    labels: Sequence[str],
    gold_labels: Sequence[Any] = (),
) -> AnswerTable:
    """Every annotation of the project; ``label_field``: read only that key of each result.

    ``gold_labels`` (the known answers' labels) join the vocabulary, so that a label only a gold
    answer uses sorts among the other extra labels as it would by name.
    """
    dialect = session.get_bind().dialect.name
    if label_field and dialect == "postgresql":
        fast = _label_columns_postgresql(
            session=session, project_id=project_id, field=label_field, labels=labels
        )
        if fast is not None:
            _, vocab = encode_labels((), labels, gold_labels)
            return AnswerTable(*fast, vocab=vocab, results=None)
    wanted = _json_field(dialect, label_field) if label_field else "result"
    mark = "%s" if dialect == "postgresql" else "?"
    sql = (
        f"SELECT item_id, annotator_id, is_gold, gold_score, {wanted} "  # noqa: S608 (no input)
        f"FROM annotations WHERE project_id = {mark} ORDER BY id"
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
    label_codes, vocab, results = None, list(labels), None
    if label_field:
        label_codes, vocab = encode_labels(values, labels, gold_labels)
    else:
        results = [json.loads(v) if isinstance(v, str | bytes) else v for v in values]
    return AnswerTable(
        item=np.fromiter(items, dtype=np.int64, count=len(items)),
        annotator=np.fromiter(annotators, dtype=np.int64, count=len(annotators)),
        is_gold=np.fromiter(gold_flags, dtype=np.bool_, count=len(gold_flags)),
        gold_score=np.fromiter(
            (np.nan if s is None else s for s in scores), dtype=np.float64, count=len(scores)
        ),
        label=label_codes,
        vocab=vocab,
        results=results,
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


def _label_columns_postgresql(
    *, session: Session, project_id: int, field: str, labels: Sequence[str]
) -> tuple[Any, ...] | None:
    """The columns by binary COPY, fixed-width rows read with one ``np.frombuffer``.

    The label comes as its 1-based position among the project's labels; None (fall back to the
    general path) when some answer has another label, or the stream is not the expected shape.
    """
    cursor = session.connection().connection.dbapi_connection.cursor()
    chunks = bytearray()
    try:
        with cursor.copy(
            "COPY (SELECT item_id::int8, annotator_id::int8, "
            "coalesce(gold_score, 'NaN')::float8, "
            "coalesce(array_position(%s::text[], result ->> %s), 0)::int4, is_gold::int4 "
            "FROM annotations WHERE project_id = %s ORDER BY id) TO STDOUT (FORMAT BINARY)",
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
    return (
        rows["item"].astype(np.int64),
        rows["annotator"].astype(np.int64),
        rows["gold"].astype(np.bool_),
        rows["score"].astype(np.float64),
        (rows["label"] - 1).astype(np.intp),
    )


def encode_labels(
    values: Sequence[Any], labels: Sequence[str], more: Sequence[Any] = ()
) -> tuple[NDArray[np.intp], list[str]]:
    """Codes of ``values`` in a vocabulary: the project's labels, then the others (from
    ``values`` and ``more``) sorted."""
    vocab = list(labels)
    index = {label: k for k, label in enumerate(vocab)}
    extra = sorted({v for v in {*values, *more} if v not in index}, key=_sort_key)
    for value in extra:
        index[value] = len(vocab)
        vocab.append(value)
    codes = np.fromiter((index[v] for v in values), dtype=np.intp, count=len(values))
    return codes, vocab


def _sort_key(value: Any) -> tuple[int, str]:
    return (value is None, "" if value is None else str(value))


def load_gold(*, session: Session, project_id: int) -> dict[int, dict[str, Any]]:
    rows = session.exec(
        select(GoldAnswer.item_id, GoldAnswer.answer).where(GoldAnswer.project_id == project_id)
    ).all()
    return dict(rows)


def load_texts(*, session: Session, project_id: int) -> dict[int, str]:
    """Texts of the project's items, for kinds whose consensus needs them (spans)."""
    rows = session.exec(
        select(Item.id, Item.text).where(Item.project_id == project_id, Item.text.is_not(None))
    ).all()
    return dict(rows)
