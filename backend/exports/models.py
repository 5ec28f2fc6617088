"""Dataset versions: immutable, numbered exports of a project."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.db import JSONType, UTCDateTime, utcnow


class DatasetVersion(SQLModel, table=True):
    """One build of a project's data; ``params`` are its inputs and never change after creation.

    ``params`` also hold the id watermarks taken at creation (items and annotations added later
    are not in the version), so a rebuild after a crash produces the same zip.
    """

    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("project_id", "number", name="uq_version_project_number"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    org_id: int = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    number: int
    status: str = Field(default="queued", max_length=16)  # queued | building | ready | failed
    format: str = Field(max_length=32)
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType, nullable=False)
    progress: float = Field(default=0.0, nullable=False)
    counts: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType, nullable=False)
    manifest: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
    file_key: str | None = Field(default=None, max_length=255)
    sha256: str | None = Field(default=None, max_length=64)
    size_bytes: int | None = None
    error: str | None = Field(default=None, max_length=2000)
    # Build bookkeeping: each claim of the build counts one attempt; a live build refreshes
    # ``heartbeat_at`` so a build whose worker died is seen as stale and claimed again.
    attempts: int = Field(default=0, nullable=False)
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
