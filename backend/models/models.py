"""Model versions, the per-project training bookkeeping, pre-label use and dropped pre-labels.

The trained model is kept in the database (``model_versions.blob``) so that every worker can load
the model any other worker trained; nothing refers to a worker's local disk.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.db import UTCDateTime, utcnow


class VersionStatus(StrEnum):
    queued = "queued"  # asked for; a worker will train it
    training = "training"  # a worker took it (``started_at``)
    ready = "ready"  # trained: ``blob`` and ``accuracy`` are set
    needs_data = "needs_data"  # too few final answers: ``needed`` says how many more
    failed = "failed"  # training raised: ``error`` says why
    unloadable = "unloadable"  # its blob could not be loaded any more: a new version was asked


class ModelVersion(SQLModel, table=True):
    """One training of a project's built-in model, numbered per project from 1."""

    __tablename__ = "model_versions"
    __table_args__ = (
        UniqueConstraint("project_id", "version", name="uq_model_version_project_version"),
        Index("ix_model_version_project_status", "project_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="projects.id", ondelete="CASCADE")
    org_id: int = Field(foreign_key="organizations.id", ondelete="CASCADE")
    version: int = Field(nullable=False)
    kind: str = Field(max_length=32)
    status: str = Field(default=VersionStatus.queued, max_length=16)
    trigger: str = Field(default="manual", max_length=16)  # manual | answers | retrain
    trained_on: int = Field(default=0, nullable=False)
    accuracy: float | None = None  # held-out (cross-validated) score on the final answers
    needed: int | None = None  # needs_data: final answers still missing
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    blob: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    prelabelled: int = Field(default=0, nullable=False)  # items it pre-labelled or ranked
    duration_ms: int = Field(default=0, nullable=False)
    requested_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProjectModelState(SQLModel, table=True):
    """Final answers counted since the last training (``ItemsFinal``), and the endpoint's
    last run."""

    __tablename__ = "project_model_state"

    project_id: int = Field(foreign_key="projects.id", primary_key=True, ondelete="CASCADE")
    new_final: int = Field(default=0, nullable=False)
    # Annotations up to this id were looked at for pre-label use (``prelabel_use``).
    use_checked_id: int = Field(default=0, nullable=False)
    endpoint_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    endpoint_accepted: int = Field(default=0, nullable=False)
    endpoint_dropped: int = Field(default=0, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AnnotationPrelabelUse(SQLModel, table=True):
    """Whether an annotation started from a pre-label, and how much of it the annotator changed
    (0: accepted as it was, 1: nothing of it kept). On gold items, whether the pre-label was
    right: accepting a wrong one is what the quality page counts."""

    __tablename__ = "annotation_prelabel_use"
    __table_args__ = (Index("ix_prelabel_use_project_annotator", "project_id", "annotator_id"),)

    annotation_id: int = Field(foreign_key="annotations.id", primary_key=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="projects.id", ondelete="CASCADE")
    item_id: int = Field(foreign_key="items.id", ondelete="CASCADE")
    annotator_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    model_version: int | None = None
    changed: float = Field(default=0.0, nullable=False)
    accepted: bool = Field(default=False, nullable=False)
    is_gold: bool = Field(default=False, nullable=False)
    prelabel_correct: bool | None = None  # gold items only
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class PrelabelDrop(SQLModel, table=True):
    """A pre-label of the outside model that was not stored, and why (shown on the project
    page): ``timeout``, ``http_error``, ``invalid_json``, ``invalid_result``, ``unreachable``."""

    __tablename__ = "prelabel_drops"
    __table_args__ = (Index("ix_prelabel_drop_project_id", "project_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="projects.id", ondelete="CASCADE")
    item_id: int | None = Field(default=None, foreign_key="items.id", ondelete="CASCADE")
    reason: str = Field(max_length=32)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
