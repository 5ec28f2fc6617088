"""What the quality endpoints answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from backend.assignments.schemas import PausePublic
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
    pause: PausePublic | None = Field(
        default=None, description="While paused: which record paused them, with its figures"
    )
    paused_at: datetime | None = None


class QualityReport(BaseModel):
    project_id: int
    computed_at: datetime | None
    duration_ms: int
    n_annotations: int
    pending: bool = Field(description="A recompute is requested or running")
    figures: dict[str, Any]
    annotators: list[AnnotatorRow]
    method: str | None = Field(
        default=None, description="The inference method of the last recompute"
    )
    method_scores: dict[str, float] | None = Field(
        default=None,
        description="Where gold chose the method: each candidate's cross-validated gold accuracy",
    )
    method_reason: str | None = Field(default=None, description="Why this method")


class AnnotatorDetail(AnnotatorRow):
    gold_correct: float
    confusion: dict[str, Any] | None
    updated_at: datetime | None


class ConsensusRow(BaseModel):
    item_id: int
    external_id: str | None
    result: KindResult
    confidence: float = Field(description="Calibrated probability that the result is right")
    n_annotations: int
    complete: bool = Field(description="False while the item has fewer answers than overlap")
    gold: bool = Field(default=False, description="A gold item: the result is its known answer")
    method: str
    updated_at: datetime


class PauseRequest(BaseModel):
    reason: str = Field(default="paused by a manager", min_length=1, max_length=500)
