"""Inferred truth per item and the quality figures the workers store for a project."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from backend.db import JSONType, UTCDateTime, utcnow


class Consensus(SQLModel, table=True):
    __tablename__ = "consensus"

    item_id: int = Field(foreign_key="items.id", primary_key=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    result: dict[str, Any] = Field(sa_type=JSONType, nullable=False)
    confidence: float = Field(default=0.0, nullable=False)
    n_annotations: int = Field(default=0, nullable=False)
    method: str = Field(default="", max_length=32)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
