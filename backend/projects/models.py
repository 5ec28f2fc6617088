"""Projects: what to label, how many times, and the quality and pay rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Numeric, Text
from sqlmodel import Field, SQLModel

from backend.db import JSONType, UTCDateTime, utcnow


class Project(SQLModel, table=True):
    __tablename__ = "projects"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    labels: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    instructions: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    overlap: int = 3
    max_overlap: int = 5
    agreement_target: float = 0.7
    gold_rate: float = 0.1
    qualification_count: int = 0
    min_gold_accuracy: float = 0.6
    gold_min_count: int = 5
    lease_seconds: int = 600
    reward_per_item: float = Field(
        default=0.0, sa_column=Column(Numeric(12, 4, asdecimal=False), nullable=False, default=0)
    )
    # "open": every annotator of the organization; "listed": only those on its access lists
    # (backend/projects/access.py).
    access_mode: str = Field(default="open", max_length=8)
    # "auto": the method the project's gold chooses once it has ``method_choice_min_gold`` gold
    # answers (backend/consensus/method_choice.py), else the default; or one method's name.
    inference_method: str = Field(default="auto", max_length=32)
    method_choice_min_gold: int = 30
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
