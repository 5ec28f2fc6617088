"""Leases of items to annotators, the annotations they submit, and who may work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from backend.db import JSONType, UTCDateTime, utcnow


class Assignment(SQLModel, table=True):
    """One lease of one item to one person until ``expires_at``, for one stage of its work.

    The unique (item, annotator, rework round) triple is rule 1 of the spec as a constraint: an
    annotator never gets the same item twice in one round, whatever the concurrency. A review
    that rejects an item opens the next round (``backend/review/rework.py``), so the annotators
    sent back to it can hold it again (revision 0014 widened the pair to the triple).
    """

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint(
            "item_id", "annotator_id", "rework_round", name="uq_assignment_item_annotator_round"
        ),
        Index("ix_assignment_annotator_status", "project_id", "annotator_id", "status"),
        Index("ix_assignment_item_status", "item_id", "status", "expires_at"),
        # Live leases of a project (progress); revision 0006.
        Index("ix_assignment_project_lease", "project_id", "status", "expires_at"),
        # The lease a person holds (``next`` hands it back first); revision 0021. Without it the
        # lookup walked the project's live-lease range, and with it every entry that the leases
        # submitted since the last vacuum left there.
        Index(
            "ix_assignment_held",
            "project_id",
            "annotator_id",
            "stage",
            "expires_at",
            postgresql_where=text("status = 'leased'"),
            sqlite_where=text("status = 'leased'"),
        ),
        # The live leases on an item (the reviewer's walk skips items another reviewer holds;
        # the annotators' live-lease counts); revision 0030. Only live leases are in it, so it
        # stays a few pages: answered from ``ix_assignment_held`` instead, each check scanned
        # that whole index.
        Index(
            "ix_assignment_live_item",
            "item_id",
            postgresql_where=text("status = 'leased'"),
            sqlite_where=text("status = 'leased'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="projects.id", ondelete="CASCADE")
    item_id: int = Field(foreign_key="items.id", ondelete="CASCADE")
    annotator_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    is_gold: bool = Field(default=False, nullable=False)
    # What the holder is asked to do: annotate | review | acceptance (``stages.Stage``; revision
    # 0009). Every stage shares this table, its expiry and its locks.
    stage: str = Field(
        default="annotate", max_length=16, sa_column_kwargs={"server_default": "annotate"}
    )
    # 0 for an item's first annotations; n after its n-th rejection in review (revision 0014).
    rework_round: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # leased | submitted | skipped. A lease is live while ``expires_at`` is in the future; an
    # expired lease keeps status "leased" (no sweeper) and simply stops counting.
    status: str = Field(default="leased", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Annotation(SQLModel, table=True):
    """The submitted result of an assignment; one per assignment makes submit idempotent."""

    __tablename__ = "annotations"
    __table_args__ = (
        UniqueConstraint("assignment_id", name="uq_annotation_assignment"),
        Index("ix_annotation_project_id", "project_id", "id"),
        Index("ix_annotation_item", "item_id"),
        Index("ix_annotation_annotator", "project_id", "annotator_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignments.id", ondelete="CASCADE")
    project_id: int = Field(foreign_key="projects.id", ondelete="CASCADE")
    item_id: int = Field(foreign_key="items.id", ondelete="CASCADE")
    annotator_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    result: dict[str, Any] = Field(sa_type=JSONType, nullable=False)
    duration_ms: int = Field(default=0, nullable=False)
    is_gold: bool = Field(default=False, nullable=False)
    gold_score: float | None = None
    review_status: str = Field(default="submitted", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AnnotatorState(SQLModel, table=True):
    """An annotator's standing in one project: active, or paused with the reason (rule 5)."""

    __tablename__ = "annotator_states"

    project_id: int = Field(foreign_key="projects.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    status: str = Field(default="active", max_length=16)  # active | paused
    paused_reason: str | None = Field(default=None, max_length=500)
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    gold_answered: int = Field(default=0, nullable=False)
    gold_correct: float = Field(default=0.0, nullable=False)
    # Answers judged in review (质检) since the last resume, and how right (revision 0014): the
    # second record of rule 5, beside gold (``annotator_states.pause_reason``).
    review_answered: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    review_correct: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ReviewTally(SQLModel, table=True):
    """Answers of one annotator judged by one verdict, not yet added to their state row.

    A verdict appends a row here instead of updating ``annotator_states`` (whose row lock every
    verdict on the annotator's items, and the annotator's own ``next``, would otherwise queue on
    until the verdict commits); after its commit the pending rows are folded into the state row
    in a short transaction of its own (``backend/assignments/review_record.py``: after every
    verdict on the Python path, once enough are pending on PostgreSQL's one-call path) and rule
    5 is applied to the state row plus what is pending. Revision 0025. Rows live from a
    verdict's commit to the fold, which deletes them in the statement that reads them: a fold
    lost in a crash is redone by the next.
    """

    __tablename__ = "review_tallies"
    __table_args__ = (Index("ix_review_tally_annotator", "project_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="projects.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    answered: int = Field(nullable=False)
    correct: float = Field(nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
