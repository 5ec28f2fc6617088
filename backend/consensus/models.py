"""Inferred truth per item and the quality figures the workers store for a project."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from backend.db import JSONType, UTCDateTime, utcnow


class Consensus(SQLModel, table=True):
    __tablename__ = "consensus"
    # The project's rows in confidence order: the data manager's confidence sort walks it.
    __table_args__ = (
        Index("ix_consensus_project_confidence", "project_id", "confidence", "item_id"),
    )

    item_id: int = Field(foreign_key="items.id", primary_key=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="projects.id", ondelete="CASCADE")
    result: dict[str, Any] = Field(sa_type=JSONType, nullable=False)
    confidence: float = Field(default=0.0, nullable=False)
    n_annotations: int = Field(default=0, nullable=False)
    method: str = Field(default="", max_length=32)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AnnotatorStat(SQLModel, table=True):
    """One annotator's figures in one project, as the last recompute left them."""

    __tablename__ = "annotator_stats"

    project_id: int = Field(foreign_key="projects.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    answers: int = Field(default=0, nullable=False)
    gold_answered: int = Field(default=0, nullable=False)
    gold_correct: float = Field(default=0.0, nullable=False)
    gold_accuracy: float | None = None  # smoothed with the Beta prior
    agreement: float | None = None  # share of answers that match the consensus
    confusion: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ProjectQuality(SQLModel, table=True):
    """Project-wide figures plus the bookkeeping that coalesces recomputes.

    ``requested_at`` is set by the first submit after a recompute started and cleared when the
    next one claims it: a burst of submits yields one job. ``started_at`` later than
    ``computed_at`` for too long means a worker died mid-run; the sweep on beat sends it again.
    """

    __tablename__ = "project_quality"

    project_id: int = Field(foreign_key="projects.id", primary_key=True, ondelete="CASCADE")
    figures: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType, nullable=False)
    n_annotations: int = Field(default=0, nullable=False)
    requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    computed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    duration_ms: int = Field(default=0, nullable=False)
