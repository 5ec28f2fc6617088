"""Every result an annotation had before its author corrected it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from backend.db import JSONType, UTCDateTime, utcnow


class AnnotationHistory(SQLModel, table=True):
    """One replaced result: what the annotation held from ``stored_at`` until ``replaced_at``.

    Rows are only ever added; the annotation row keeps the current result, so every reader of
    annotations (consensus, exports, pay) sees the correction without knowing about this table.
    """

    __tablename__ = "annotation_history"
    __table_args__ = (Index("ix_annotation_history_annotation", "annotation_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    annotation_id: int = Field(foreign_key="annotations.id", ondelete="CASCADE")
    project_id: int = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    result: dict[str, Any] = Field(sa_type=JSONType, nullable=False)
    stored_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    replaced_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    replaced_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
