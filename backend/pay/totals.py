"""The ledger's daily totals (``pay_day_totals``), added to by every write of entries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from backend.pay.models import PayDayTotal
from backend.pay.money import money

Key = tuple[int, int, int, date]  # org, annotator, project, day


def totals_of(rows: Iterable[Any]) -> dict[Key, list[Any]]:
    """Inserted entries (org, annotator, project, day, kind, amount) summed per key."""
    sums: dict[Key, list[Any]] = defaultdict(lambda: [Decimal(0), 0, 0])
    for org_id, annotator_id, project_id, day, kind, amount in rows:
        if kind == "payout":
            continue
        total = sums[(org_id, annotator_id, project_id, day)]
        total[0] += money(amount)
        total[1] += kind == "earn"
        total[2] += kind == "reverse"
    return sums


def add_totals(session: Session, sums: dict[Key, list[Any]]) -> None:
    """Add to the daily totals, in key order (two writers never wait on each other in a ring)."""
    if not sums:
        return
    table = PayDayTotal.__table__
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=["org_id", "annotator_id", "project_id", "day"],
        set_={
            "amount": table.c.amount + statement.excluded.amount,
            "earns": table.c.earns + statement.excluded.earns,
            "reverses": table.c.reverses + statement.excluded.reverses,
        },
    )
    rows = [
        {
            "org_id": k[0],
            "annotator_id": k[1],
            "project_id": k[2],
            "day": k[3],
            "amount": v[0],
            "earns": v[1],
            "reverses": v[2],
        }
        for k, v in sorted(sums.items())
    ]
    session.execute(statement, rows)
