"""What the quality endpoints answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from backend.kinds.openapi import KindResult


class AnnotatorRow(BaseModel):
    user_id: int
    name: str
    email: str
    answers: int
    gold_answered: int
    gold_accuracy: float | None = Field(description="Smoothed with a Beta prior")
    agreement: float | None = Field(description="Share of answers matching the consensus")
    status: str
    paused_reason: str | None


class QualityReport(BaseModel):
    project_id: int
    computed_at: datetime | None
    duration_ms: int
    n_annotations: int
    pending: bool = Field(description="A recompute is requested or running")
    figures: dict[str, Any]
    annotators: list[AnnotatorRow]


class AnnotatorDetail(AnnotatorRow):
    gold_correct: float
    confusion: dict[str, Any] | None
    updated_at: datetime | None


class ConsensusRow(BaseModel):
    item_id: int
    external_id: str | None
    result: KindResult
    confidence: float
    n_annotations: int
    method: str
    updated_at: datetime


class PauseRequest(BaseModel):
    reason: str = Field(default="paused by a manager", min_length=1, max_length=500)
