"""Lots (验收批), the items in them, the samples inspected, and each project's switching state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from backend.db import JSONType, UTCDateTime, utcnow


class Lot(SQLModel, table=True):
    """A set of finished items the client accepts or rejects as a whole, on a sample.

    The plan (code letter, n, Ac, Re, severity) is fixed when the lot is made, from the
    project's switching state at that moment; ``round`` counts inspections (1 = original
    inspection, 2+ = after rework, which the switching rules ignore).
    """

    __tablename__ = "lots"
    __table_args__ = (Index("ix_lot_project", "project_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="projects.id", ondelete="CASCADE")
    org_id: int = Field(foreign_key="organizations.id", ondelete="CASCADE")
    source: str = Field(max_length=16)  # items | batch | filter | all_finished
    # ``source = filter``: the data manager's filters the lot was made from, as given (they
    # were kept only in the audit log before revision 0026); None for the other sources.
    filter: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
    size: int = Field(nullable=False)
    status: str = Field(default="inspecting", max_length=16)  # inspecting | accepted | rejected
    level: str = Field(max_length=4)
    aql: str = Field(max_length=8)
    severity: str = Field(max_length=16)
    code_letter: str = Field(max_length=2)
    sample_size: int = Field(nullable=False)
    accept: int = Field(nullable=False)
    reject: int = Field(nullable=False)
    round: int = Field(default=1, nullable=False)
    inspected: int = Field(default=0, nullable=False)
    defects: int = Field(default=0, nullable=False)
    reworked: int = Field(default=0, nullable=False)  # items sent back after the last verdict
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LotItem(SQLModel, table=True):
    """An item of a lot. ``open`` while the lot is not accepted: an item is in one open lot at a
    time, which the partial unique index makes a constraint rather than a check that races."""

    __tablename__ = "lot_items"
    __table_args__ = (
        Index(
            "uq_lot_item_open",
            "item_id",
            unique=True,
            postgresql_where=text("open"),
            sqlite_where=text("open"),
        ),
    )

    lot_id: int = Field(foreign_key="lots.id", primary_key=True, ondelete="CASCADE")
    item_id: int = Field(foreign_key="items.id", primary_key=True, ondelete="CASCADE")
    open: bool = Field(default=True, nullable=False)


class LotSample(SQLModel, table=True):
    """One sampled item of one inspection round and what the inspector found.

    ``assignment_id`` is the acceptance lease that judged it (a row of ``assignments`` with
    stage ``acceptance``). ``decision``: ``accept`` (conforming), ``fix`` or ``reject``
    (nonconforming: a defect of the plan).
    """

    __tablename__ = "lot_samples"
    __table_args__ = (
        UniqueConstraint("lot_id", "round", "item_id", name="uq_lot_sample_round_item"),
        Index("ix_lot_sample_assignment", "assignment_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    lot_id: int = Field(foreign_key="lots.id", ondelete="CASCADE")
    round: int = Field(nullable=False)
    item_id: int = Field(foreign_key="items.id", ondelete="CASCADE")
    position: int = Field(nullable=False)
    assignment_id: int | None = Field(
        default=None, foreign_key="assignments.id", ondelete="SET NULL"
    )
    inspector_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    decision: str | None = Field(default=None, max_length=8)
    result: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
    reasons: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    comment: str | None = Field(default=None, max_length=2000)
    judged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AcceptanceSwitching(SQLModel, table=True):
    """A project's place in the ISO 2859-1 switching scheme (clause 9), updated per verdict."""

    __tablename__ = "acceptance_switching"

    project_id: int = Field(foreign_key="projects.id", primary_key=True, ondelete="CASCADE")
    severity: str = Field(default="normal", max_length=16)
    history: list[bool] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    switching_score: int = Field(default=0, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
