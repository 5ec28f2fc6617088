"""What the correction endpoints accept and answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from backend.kinds.openapi import KindResult


class CorrectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: KindResult = Field(description="the new result, validated like a submit's")


class ItemView(BaseModel):
    """Enough of the item to draw the answer again with the annotation tool."""

    id: int
    kind: str
    text: str | None = None
    media_url: str | None = None
    width: int | None = None
    height: int | None = None


class MyAnnotation(BaseModel):
    id: int
    project_id: int
    item_id: int
    result: KindResult
    created_at: datetime
    corrections: int = Field(description="how many times its author replaced the result")
    can_correct: bool
    settled_reason: str | None = Field(default=None, description="why it cannot be corrected")
    item: ItemView


class CorrectedAnnotation(BaseModel):
    id: int
    project_id: int
    item_id: int
    result: KindResult
    created_at: datetime


class HistoryEntry(BaseModel):
    result: KindResult
    stored_at: datetime
    replaced_at: datetime
    replaced_by: int | None


class AnnotationHistoryAnswer(BaseModel):
    annotation_id: int
    current: KindResult
    history: list[HistoryEntry] = Field(description="replaced results, oldest first")
