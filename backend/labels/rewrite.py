"""Where stored results live, and rewriting a label in all of them inside one transaction.

Four stores hold results of a project's kind: annotations, gold answers, items' prelabels and
consensus rows. Each is read in key order in chunks (keyset, no OFFSET), and only rows whose JSON
text mentions the label are read at all (``LIKE`` on the JSON's text, both as PostgreSQL's JSONB
prints it and as SQLite stores it); the kind then decides (``Kind.labels_of`` and
``Kind.rename_label``), so a prefilter hit that is not a label (a key of that name) changes
nothing. Domains that store results of their own subscribe to ``events.LabelsChanged``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, Text, bindparam, cast, null, or_, select, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from backend.assignments.models import Annotation
from backend.consensus.models import Consensus
from backend.db import JSONType
from backend.items.models import GoldAnswer, Item
from backend.items.prelabels import is_model_made
from backend.kinds import Kind

CHUNK = 2000


@dataclass(frozen=True)
class Store:
    """One JSON column of results: ``required`` when a row cannot exist without a result;
    ``wrapped`` when a value may hold its result under ``result`` (a model-made pre-label,
    ``backend.items.prelabels``), so the label is renamed inside and the score and model
    version are kept."""

    name: str
    table: Table
    key: str
    column: str
    required: bool
    wrapped: bool = False

    def result_of(self, stored: dict[str, Any]) -> dict[str, Any]:
        return stored["result"] if self.wrapped and is_model_made(stored) else stored

    def with_result(self, stored: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
        return {**stored, "result": result} if self.wrapped and is_model_made(stored) else result


STORES: tuple[Store, ...] = (
    Store("annotations", Annotation.__table__, "id", "result", True),
    Store("gold", GoldAnswer.__table__, "item_id", "answer", True),
    Store("prelabels", Item.__table__, "id", "prelabel", False, wrapped=True),
    Store("consensus", Consensus.__table__, "item_id", "result", True),
)


class CannotDrop(ValueError):
    """Dropping the label would leave a row of a store without a result (a classification
    answer is exactly its label): map it to another label instead."""

    def __init__(self, store: str, label: str) -> None:
        super().__init__(
            f"{store} hold answers that are exactly the label {label!r}; map it to another label"
        )
        self.store, self.label = store, label


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def mentions(column: Any, label: str) -> ColumnElement[bool] | None:
    """A prefilter for rows whose JSON text holds ``label`` as a string, or None (read all).

    PostgreSQL prints JSONB strings with non-ASCII characters as they are, SQLite keeps what
    ``json.dumps`` wrote (``\\uXXXX`` escapes): both spellings are asked for.
    """
    if not label.isprintable():
        return None
    spellings = {json.dumps(label, ensure_ascii=False), json.dumps(label)}
    as_text = cast(column, Text)
    return or_(*(as_text.like(_like(s), escape="\\") for s in sorted(spellings)))


def rows_with(
    session: Session, store: Store, *, project_id: int, label: str
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(key, result)`` of the store's rows in the project whose JSON mentions ``label``."""
    table = store.table
    key, column = table.c[store.key], table.c[store.column]
    where = [table.c.project_id == project_id, column.is_not(None)]
    prefilter = mentions(column, label)
    if prefilter is not None:
        where.append(prefilter)
    last = None
    while True:
        query = select(key, column).where(*where).order_by(key).limit(CHUNK)
        if last is not None:
            query = query.where(key > last)
        rows = session.execute(query).all()
        for row in rows:
            if row[1] is not None:
                yield row[0], row[1]
        if len(rows) < CHUNK:
            return
        last = rows[-1][0]


def count_uses(session: Session, store: Store, *, project_id: int, kind: Kind, label: str) -> int:
    """How many rows of the store use ``label`` (as the kind reads labels)."""
    return sum(
        1
        for _, stored in rows_with(session, store, project_id=project_id, label=label)
        if label in kind.labels_of(store.result_of(stored))
    )


def rewrite_label(
    session: Session, *, project_id: int, kind: Kind, old: str, new: str | None
) -> dict[str, int]:
    """Rename ``old`` to ``new`` (or drop it) in every store; rows changed per store.

    Raises ``CannotDrop`` (before writing that store) when a required result would vanish; the
    caller's transaction then rolls back whatever earlier stores wrote.
    """
    changed: dict[str, int] = {}
    for store in STORES:
        updates, emptied = [], []
        for key, stored in rows_with(session, store, project_id=project_id, label=old):
            result = store.result_of(stored)
            rewritten = kind.rename_label(result, old, new)
            if rewritten is result:
                continue
            if rewritten is None:
                if store.required:
                    raise CannotDrop(store.name, old)
                emptied.append(key)
            else:
                updates.append({"_key": key, "_value": store.with_result(stored, rewritten)})
        _write(session, store, updates, emptied)
        changed[store.name] = len(updates) + len(emptied)
    return changed


def _write(
    session: Session, store: Store, updates: list[dict[str, Any]], emptied: list[int]
) -> None:
    table = store.table
    key, column = table.c[store.key], table.c[store.column]
    if updates:
        statement = (
            update(table)
            .where(key == bindparam("_key"))
            .values({store.column: bindparam("_value", type_=JSONType)})
        )
        for start in range(0, len(updates), CHUNK):
            session.execute(statement, updates[start : start + CHUNK])
    for start in range(0, len(emptied), CHUNK):  # SQL NULL, not the JSON value null
        session.execute(
            update(table).where(key.in_(emptied[start : start + CHUNK])).values({column: null()})
        )
