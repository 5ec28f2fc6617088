"""What the model endpoints answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from backend.kinds.openapi import KindResult


class ModelVersionPublic(BaseModel):
    """One training; ``accuracy`` is held-out (cross-validated) on the final answers: accuracy
    for class kinds, micro span F1 or box F1 (IoU >= 0.5) for mark kinds."""

    model_config = ConfigDict(from_attributes=True)

    version: int
    status: str
    kind: str
    trained_on: int
    accuracy: float | None
    created_at: datetime
    needed: int | None = None
    error: str | None = None
    trigger: str
    prelabelled: int
    duration_ms: int
    finished_at: datetime | None = None


class TrainAnswer(BaseModel):
    version: int
    status: str
    created: bool


class CurvePoint(BaseModel):
    version: int
    trained_on: int
    accuracy: float


class DropPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    item_id: int | None
    reason: str
    detail: str
    created_at: datetime


class AnnotatorPrelabelUse(BaseModel):
    """``wrong_accepted_rate``: of the gold items whose pre-label was wrong, the share this
    annotator submitted unchanged (null when they met none)."""

    annotator_id: int
    name: str
    started_from_prelabel: int
    accepted: int
    gold_wrong_prelabels: int
    wrong_accepted: int
    wrong_accepted_rate: float | None


class EndpointPublic(BaseModel):
    url: str
    timeout_s: float
    last_run_at: datetime | None
    accepted: int
    dropped: int


class ModelsSummary(BaseModel):
    current: ModelVersionPublic | None
    last_training: ModelVersionPublic | None
    needed: int | None
    items: int
    prelabelled_items: int
    share_prelabelled: float | None
    annotations_from_prelabel: int
    acceptance_rate: float | None
    mean_changed: float | None
    learning_curve: list[CurvePoint]
    annotators: list[AnnotatorPrelabelUse]
    endpoint: EndpointPublic | None
    drops: list[DropPublic]


class SuggestBody(BaseModel):
    """An interactive prompt on an image: the points clicked (image pixels, the first is the
    object), and the label the suggestion should carry (the tool's current one)."""

    model_config = ConfigDict(extra="forbid")

    points: list[tuple[float, float]] = Field(min_length=1, max_length=20)
    label: str | None = Field(default=None, max_length=200)


class SuggestionPublic(BaseModel):
    """The outside model's answer, checked like any answer of the project's kind."""

    item_id: int
    result: KindResult
    score: float
    model_version: str
