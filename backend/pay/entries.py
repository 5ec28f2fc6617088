"""Writing ledger entries: ``INSERT … ON CONFLICT DO NOTHING``, nothing else, ever.

The unique indexes of ``pay_entries`` are the whole of the "never twice" guarantee: whatever two
jobs decide at the same moment, the second insert of one key does nothing, and on PostgreSQL it
waits for the first transaction and then does nothing (a unique index check blocks on an
uncommitted equal key). Large batches go through COPY into a temporary table and one
``INSERT … SELECT … ON CONFLICT DO NOTHING`` (the way ``backend.consensus.store`` writes).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from backend import clock
from backend.pay.models import PayEntry
from backend.pay.totals import add_totals, totals_of

_COPY_FROM = 2_000  # rows: below this, plain multi-row inserts
_COLUMNS = (
    "org_id",
    "project_id",
    "annotator_id",
    "annotation_id",
    "kind",
    "revision",
    "amount",
    "day",
    "reason",
    "created_at",
)

_FROM_NEW = (
    f"WITH new AS (INSERT INTO pay_entries ({', '.join(_COLUMNS)}) "  # noqa: S608
    f"SELECT {', '.join(_COLUMNS)} FROM pay_entries_new ORDER BY annotation_id IS NULL, "
    "annotation_id, kind, revision, annotator_id, project_id ON CONFLICT DO NOTHING "
    "RETURNING org_id, annotator_id, project_id, day, kind, amount) "
    "SELECT org_id, annotator_id, project_id, day, sum(amount) FILTER (WHERE kind <> 'payout'), "
    "count(*) FILTER (WHERE kind = 'earn'), count(*) FILTER (WHERE kind = 'reverse'), count(*) "
    "FROM new GROUP BY org_id, annotator_id, project_id, day"
)


@dataclass(frozen=True)
class Entry:
    org_id: int
    project_id: int
    annotator_id: int
    annotation_id: int | None
    kind: str
    revision: int
    amount: Decimal
    day: date
    reason: str | None = None


def write_entries(*, session: Session, entries: Sequence[Entry]) -> int:
    """Insert the entries whose key is new; returns how many were written."""
    if not entries:
        return 0
    # One order for every writer, so two jobs inserting the same keys wait for each other in
    # the same order and never deadlock.
    entries = sorted(entries, key=_key_order)
    now = clock.now()
    if session.get_bind().dialect.name == "postgresql" and len(entries) >= _COPY_FROM:
        return _copy_postgresql(session, entries, now)
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    inserted = []
    returning = (
        PayEntry.org_id,
        PayEntry.annotator_id,
        PayEntry.project_id,
        PayEntry.day,
        PayEntry.kind,
        PayEntry.amount,
    )
    for start in range(0, len(entries), 500):
        rows = [_row(entry, now) for entry in entries[start : start + 500]]
        result = session.execute(
            dialect_insert(PayEntry).values(rows).on_conflict_do_nothing().returning(*returning)
        )
        inserted += result.all()
    add_totals(session, totals_of(inserted))
    return len(inserted)


def _key_order(e: Entry) -> tuple[bool, int, str, int, int, int]:
    return (
        e.annotation_id is None,
        e.annotation_id or 0,
        e.kind,
        e.revision,
        e.annotator_id,
        e.project_id,
    )


def _row(entry: Entry, now: datetime) -> dict[str, object]:
    return {name: getattr(entry, name) for name in _COLUMNS[:-1]} | {"created_at": now}


def _copy_postgresql(session: Session, entries: Sequence[Entry], now: datetime) -> int:
    connection = session.connection()
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE IF NOT EXISTS pay_entries_new (org_id integer, project_id "
        "integer, annotator_id integer, annotation_id integer, kind varchar(8), revision integer, "
        "amount numeric(14, 4), day date, reason varchar(32), created_at timestamptz) "
        "ON COMMIT DELETE ROWS"
    )
    connection.exec_driver_sql("TRUNCATE pay_entries_new")
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        with cursor.copy(f"COPY pay_entries_new ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for chunk in _copy_lines(entries, now):
                copy.write(chunk)
    finally:
        cursor.close()
    written, sums = 0, {}
    for (
        org_id,
        annotator_id,
        project_id,
        day,
        amount,
        earns,
        reverses,
        count,
    ) in connection.exec_driver_sql(_FROM_NEW):
        written += count
        if amount is not None:
            sums[(org_id, annotator_id, project_id, day)] = [amount, earns, reverses]
    add_totals(session, sums)
    return written


def _copy_lines(entries: Sequence[Entry], now: datetime, rows: int = 20_000) -> Iterator[bytes]:
    stamp, null = now.isoformat(), "\\N"
    for start in range(0, len(entries), rows):
        yield "".join(
            f"{e.org_id}\t{e.project_id}\t{e.annotator_id}\t"
            f"{null if e.annotation_id is None else e.annotation_id}\t{e.kind}\t{e.revision}\t"
            f"{e.amount}\t{e.day.isoformat()}\t{e.reason or null}\t{stamp}\n"
            for e in entries[start : start + rows]
        ).encode()
