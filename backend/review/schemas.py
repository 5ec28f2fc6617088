"""What the review endpoints accept and answer (SPEC, "Review (质检), rework (返工)")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.assignments.schemas import LeasedItem, PausePublic
from backend.kinds.openapi import KindResult
from backend.review.verdicts import Decision


class VerdictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision
    result: KindResult | None = None
    reasons: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        default_factory=list, max_length=30
    )
    comment: str = Field(default="", max_length=2000)


class ReviewedAnnotation(BaseModel):
    annotation_id: int
    annotator_id: int
    result: KindResult


class ConsensusPublic(BaseModel):
    result: KindResult
    confidence: float


class ReviewLease(BaseModel):
    """``POST /projects/{project_id}/review/next`` (and a lot's next, ``mode: "acceptance"``).

    ``reasons`` is the project's list of reason tags, for the reviewer's hotkeys."""

    review_id: int
    expires_at: datetime
    mode: Literal["review", "acceptance"] = "review"
    item: LeasedItem
    annotations: list[ReviewedAnnotation]
    consensus: ConsensusPublic | None
    reasons: list[str] = []
    rework_round: int = 0


class ReviewPublic(BaseModel):
    """A stored verdict; ``review_id`` is its lease's id."""

    model_config = ConfigDict(from_attributes=True)

    review_id: int
    project_id: int
    item_id: int
    reviewer_id: int
    stage: str
    rework_round: int
    decision: str
    result: KindResult | None
    reasons: list[str]
    comment: str
    duration_ms: int
    created_at: datetime


class ReviewWithNext(ReviewPublic):
    """``POST /reviews/{review_id}/submit?next=true``: the stored verdict and the reviewer's next
    review lease (``null`` when nothing waits); ``paused_reason`` (the reason as stored) and
    ``pause`` (its code and figures) only when the reviewer is paused now (``next`` is then
    ``null``), as in the annotators' ``submit?next=true``."""

    next: ReviewLease | None = None
    paused_reason: str | None = None
    pause: PausePublic | None = None


class ReviewerFigures(BaseModel):
    reviewer_id: int
    name: str | None = None
    reviewed: int
    accepted: int
    fixed: int
    rejected: int
    median_seconds: float | None
    double_reviewed: int
    agreement: float | None


class AnnotatorReviewFigures(BaseModel):
    annotator_id: int
    name: str | None = Field(default=None, description="the annotator's name (staff only)")
    judged: int
    correct: float
    review_accuracy: float | None


class ReviewFigures(BaseModel):
    """The quality page's review section."""

    in_review: int
    reviewed: int
    rework: int
    reviewers: list[ReviewerFigures]
    annotators: list[AnnotatorReviewFigures]
