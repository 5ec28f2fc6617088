"""Pay's tables: rate history, the append-only ledger, the facts it is built from, paid periods
and measured working time.

Money is ``NUMERIC(14, 4)``: exact on PostgreSQL. SQLite has no decimal type (SQLAlchemy passes
its values through a float); every amount read back is quantized to 0.0001 in Python
(``backend.pay.money``), exact for any sum below 10^11.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, Numeric, text
from sqlmodel import Field, SQLModel

from backend.db import JSONType, UTCDateTime, utcnow

MONEY = Numeric(14, 4, asdecimal=True)
BIGINT = BigInteger().with_variant(Integer(), "sqlite")  # SQLite: INTEGER PRIMARY KEY is rowid


class PayRate(SQLModel, table=True):
    """The project's rates from ``effective_from`` on: one row per change, never edited.

    An annotation earns at the rates in effect when it was submitted, so a change never
    reprices work already done.
    """

    __tablename__ = "pay_rates"
    __table_args__ = (Index("ix_pay_rate_project_from", "project_id", "effective_from"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="projects.id", ondelete="CASCADE")
    effective_from: datetime = Field(sa_type=UTCDateTime, nullable=False)
    rates: dict[str, Any] = Field(sa_type=JSONType, nullable=False)  # PaySettings, as JSON
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class PayEntry(SQLModel, table=True):
    """One line of the ledger: ``earn``, ``reverse``, ``bonus``, ``deduct`` or ``payout``.

    Never updated or deleted. ``amount`` is signed from the annotator's side (earn and bonus
    positive; reverse, deduct and payout negative). ``day`` is the day it counts in: the day it
    was written, or the first day after a paid period that covers it (periods stay locked).

    The key: (annotation, kind, revision) for entries about one annotation — revision n of
    ``reverse`` undoes revision n of ``earn`` — and (annotator, project, kind, revision) for
    the others (bonus: the month as yyyymm; payout: the paid period's id). Both are unique
    indexes, and every write is ``INSERT … ON CONFLICT DO NOTHING``: a job run twice, or by two
    workers at once, writes each entry once.
    """

    __tablename__ = "pay_entries"
    __table_args__ = (
        Index(
            "uq_pay_entry_annotation",
            "annotation_id",
            "kind",
            "revision",
            unique=True,
            postgresql_where=text("annotation_id IS NOT NULL"),
            sqlite_where=text("annotation_id IS NOT NULL"),
        ),
        Index(
            "uq_pay_entry_other",
            "annotator_id",
            "project_id",
            "kind",
            "revision",
            unique=True,
            postgresql_where=text("annotation_id IS NULL"),
            sqlite_where=text("annotation_id IS NULL"),
        ),
        # The payout report sums a month of an organization from this index alone on PostgreSQL.
        Index(
            "ix_pay_entry_org_day",
            "org_id",
            "day",
            "annotator_id",
            postgresql_include=["kind", "amount"],
        ),
        Index("ix_pay_entry_annotator_day", "annotator_id", "day"),
        Index("ix_pay_entry_project", "project_id", "annotation_id"),
    )

    # No foreign keys: money records outlive the rows they name (a deleted project or account
    # must not cascade into the ledger), and a bulk write checks no constraint per row.
    id: int | None = Field(default=None, sa_column=Column(BIGINT, primary_key=True))
    org_id: int
    project_id: int
    annotator_id: int
    annotation_id: int | None = Field(default=None)
    kind: str = Field(max_length=8)
    revision: int = Field(default=0, nullable=False)
    amount: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    day: date = Field(nullable=False)
    reason: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class PayItemFact(SQLModel, table=True):
    """What pay has heard about an item: finished (``ItemsFinished``), final (``ItemsFinal``)."""

    __tablename__ = "pay_item_facts"

    item_id: int = Field(primary_key=True)
    project_id: int = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    finished: bool = Field(default=False, nullable=False)
    final: bool = Field(default=False, nullable=False)


class PayStopped(SQLModel, table=True):
    """An annotation that stopped counting for good (rejected in review or in a lot)."""

    __tablename__ = "pay_stopped"

    annotation_id: int = Field(primary_key=True)
    project_id: int = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    reason: str = Field(max_length=32)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class PayWork(SQLModel, table=True):
    """Work waiting for the ledger job: one row per event (its items, or the whole project).

    The job takes rows in id order, builds their entries and deletes them in one transaction;
    two jobs skip each other's rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL).
    """

    __tablename__ = "pay_work"

    id: int | None = Field(default=None, sa_column=Column(BIGINT, primary_key=True))
    project_id: int = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    what: str = Field(max_length=16)  # finished | final | stopped | paused | sweep
    item_ids: list[int] | None = Field(default=None, sa_type=JSONType, nullable=True)
    annotation_ids: list[int] | None = Field(default=None, sa_type=JSONType, nullable=True)
    annotator_id: int | None = None
    reason: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class PayProgress(SQLModel, table=True):
    """The ledger job's high-water mark per project: the last annotation id it has seen.

    Annotations above it are new (gold answers earn on submit when the project pays gold);
    the sweep rereads a project from the start, for anything committed out of id order.
    """

    __tablename__ = "pay_progress"

    project_id: int = Field(foreign_key="projects.id", primary_key=True, ondelete="CASCADE")
    last_annotation_id: int = Field(default=0, nullable=False)
    built_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PayDue(SQLModel, table=True):
    """A ledger job is due for the project: set by the verdict that first writes work after the
    last job began (``jinbiao_review_submit``, which then has the job sent), cleared by the job
    before it takes the work (``backend/pay/due.py``). Revision 0028: one send per job run
    instead of one per verdict."""

    __tablename__ = "pay_due"

    project_id: int = Field(foreign_key="projects.id", primary_key=True, ondelete="CASCADE")
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class PayPeriod(SQLModel, table=True):
    """A paid period of an organization, ``starts`` to ``ends`` inclusive; locked for good."""

    __tablename__ = "pay_periods"
    __table_args__ = (Index("ix_pay_period_org", "org_id", "starts"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", ondelete="CASCADE")
    starts: date = Field(nullable=False)
    ends: date = Field(nullable=False)
    total: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class WorkSession(SQLModel, table=True):
    """Measured time of one lease (any stage: annotate, review, acceptance).

    ``last_beat_at`` starts at the lease's start; each heartbeat of its holder adds the gap
    since the last one when it is no longer than the project's idle limit, never more than
    the lease's length in all.
    """

    __tablename__ = "work_sessions"

    assignment_id: int = Field(foreign_key="assignments.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    project_id: int = Field(foreign_key="projects.id", ondelete="CASCADE")
    stage: str = Field(max_length=16)
    last_beat_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    seconds: int = Field(default=0, nullable=False)
    cap_seconds: int = Field(nullable=False)


class WorkDay(SQLModel, table=True):
    """Measured working seconds per person, project, day (UTC) and stage."""

    __tablename__ = "work_days"
    __table_args__ = (Index("ix_work_day_day", "day", "user_id"),)

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="projects.id", primary_key=True, ondelete="CASCADE")
    day: date = Field(primary_key=True)
    stage: str = Field(primary_key=True, max_length=16)
    seconds: int = Field(default=0, nullable=False)


class PayDayTotal(SQLModel, table=True):
    """The ledger summed per organization, annotator, project and day (payouts aside).

    Kept by the same statements that write entries, from the rows they actually inserted
    (``RETURNING``), as atomic increments: the payout report reads ~annotators x days rows
    instead of every entry, and its total stays the ledger's sum (a test compares them).
    """

    __tablename__ = "pay_day_totals"
    __table_args__ = (Index("ix_pay_day_total_org_day", "org_id", "day"),)

    org_id: int = Field(primary_key=True)
    annotator_id: int = Field(primary_key=True)
    project_id: int = Field(primary_key=True)
    day: date = Field(primary_key=True)
    amount: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    earns: int = Field(default=0, nullable=False)
    reverses: int = Field(default=0, nullable=False)
