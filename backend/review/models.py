"""Review (质检): where an item stands in review, the reviewers' verdicts, and what they scored.

The review lease itself is a row of ``assignments`` with ``stage = 'review'`` (one lease machinery,
``backend/assignments/stages.py``); a verdict's id is its lease's id, so ``review_id`` means the
same thing in ``next``, in ``submit`` and in the list of reviews.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from backend.db import JSONType, UTCDateTime, utcnow


class ReviewItem(SQLModel, table=True):
    """An item that entered review, and its stored state (``backend.items.states``):
    ``in_review`` → ``reviewed`` | ``rework`` (→ ``in_review`` again once reworked).

    ``rework_round`` counts the item's rejections: reworked leases and the next review's lease
    belong to that round. ``final_result`` is the settled answer of a reviewed item (the fix, or
    the consensus the reviewer accepted); ``reasons`` and ``comment`` are the last rejection's,
    shown to the annotators who rework it.
    """

    __tablename__ = "review_items"
    __table_args__ = (
        # The reviewer's queue: items waiting in a project, by id (walked from a random point).
        Index("ix_review_item_queue", "project_id", "state", "item_id"),
    )

    item_id: int = Field(foreign_key="items.id", primary_key=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="projects.id", ondelete="CASCADE")
    state: str = Field(max_length=16)
    rework_round: int = Field(default=0, nullable=False)
    # Which rule chose the item (``selection.Rule``): only verdicts on items chosen without
    # regard to their answers (all, sample) feed the annotators' pause rule.
    entered_by: str = Field(default="all", max_length=16)
    final_result: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
    reasons: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    entered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Review(SQLModel, table=True):
    """One verdict on one item: ``accept``, ``fix`` (with ``result``) or ``reject``.

    ``id`` is the lease's (``assignments.id``), which makes a repeated submit find the stored
    verdict. ``stage`` is the lease's: ``review``, or ``acceptance`` for a lot's sample.
    """

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_review_project", "project_id", "id"),
        Index("ix_review_item", "item_id"),
        Index("ix_review_reviewer", "project_id", "reviewer_id"),
    )

    id: int = Field(foreign_key="assignments.id", primary_key=True, ondelete="CASCADE")
    # The lease's project, item and holder, copied from it: its key (``id``) is the reference
    # that checks them and deletes the review with them (revision 0029).
    project_id: int = Field()
    item_id: int = Field()
    reviewer_id: int = Field()
    stage: str = Field(default="review", max_length=16)
    rework_round: int = Field(default=0, nullable=False)
    decision: str = Field(max_length=8)
    result: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
    reasons: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    duration_ms: int = Field(default=0, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ReviewMark(SQLModel, table=True):
    """How right one annotation was judged by a verdict (1 agreed, 0 rejected or fixed away,
    partial credit as the kind's gold score gives it): the annotator's review record."""

    __tablename__ = "review_marks"
    __table_args__ = (Index("ix_review_mark_annotator", "project_id", "annotator_id"),)

    annotation_id: int = Field(foreign_key="annotations.id", primary_key=True, ondelete="CASCADE")
    review_id: int = Field(foreign_key="reviews.id", ondelete="CASCADE", index=True)
    # The annotation's project and annotator, copied from it: ``annotation_id`` is the reference
    # that checks them and deletes the mark with them (revision 0029).
    project_id: int = Field()
    annotator_id: int = Field()
    score: float = Field(nullable=False)
