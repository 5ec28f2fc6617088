"""Writing down what the events said: items finished or final, annotations stopped for good.

One statement per event on PostgreSQL (the ids as one array, ``unnest``), an executemany on
SQLite: a first recompute may finish a million items at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from backend import clock
from backend.pay.models import PayItemFact, PayStopped

_ITEMS_PG = {
    "finished": text(
        "INSERT INTO pay_item_facts (item_id, project_id, finished, final) "
        "SELECT i, :p, true, false FROM unnest(:ids) AS i ORDER BY i "
        "ON CONFLICT (item_id) DO UPDATE SET finished = true"
    ).bindparams(bindparam("ids", type_=ARRAY(BIGINT))),
    "final": text(
        "INSERT INTO pay_item_facts (item_id, project_id, finished, final) "
        "SELECT i, :p, false, true FROM unnest(:ids) AS i ORDER BY i "
        "ON CONFLICT (item_id) DO UPDATE SET final = true"
    ).bindparams(bindparam("ids", type_=ARRAY(BIGINT))),
}
_STOPPED_PG = text(
    "INSERT INTO pay_stopped (annotation_id, project_id, reason, at) "
    "SELECT i, :p, :reason, :at FROM unnest(:ids) AS i ORDER BY i ON CONFLICT DO NOTHING"
).bindparams(bindparam("ids", type_=ARRAY(BIGINT)))


def mark_items(
    session: Session, project_id: int, item_ids: Sequence[int], flag: Literal["finished", "final"]
) -> None:
    ids = sorted(set(item_ids))
    if not ids:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_ITEMS_PG[flag], {"p": project_id, "ids": ids})
        return
    statement = sqlite_insert(PayItemFact.__table__).on_conflict_do_update(
        index_elements=["item_id"], set_={flag: True}
    )
    rows = [
        {
            "item_id": i,
            "project_id": project_id,
            "finished": flag == "finished",
            "final": flag == "final",
        }
        for i in ids
    ]
    session.execute(statement, rows)


def mark_stopped(
    session: Session, project_id: int, annotation_ids: Sequence[int], reason: str
) -> None:
    ids = sorted(set(annotation_ids))
    if not ids:
        return
    now = clock.now()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            _STOPPED_PG, {"p": project_id, "ids": ids, "reason": reason[:32], "at": now}
        )
        return
    statement = sqlite_insert(PayStopped.__table__).on_conflict_do_nothing()
    rows = [
        {
            "annotation_id": i,
            "project_id": project_id,
            "reason": reason[:32],
            "at": now,
        }
        for i in ids
    ]
    session.execute(statement, rows)
