"""What the distribution endpoints accept and answer.

The ``next`` answer carries nothing that tells a gold item from a normal one (rule 2): the same
keys, the same shapes, and the item's stored pre-label only when it has one, always as
``{result, score, model_version}`` (``backend.items.prelabels``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from backend.assignments.pauses import shown
from backend.items.prelabels import public_prelabel
from backend.kinds.openapi import KindResult

MAX_DURATION_MS = 7 * 24 * 3600 * 1000


class LeasedItem(BaseModel):
    id: int
    kind: str
    text: str | None = None
    media_url: str | None = None
    width: int | None = None
    height: int | None = None


class NextAnswer(BaseModel):
    assignment_id: int
    expires_at: datetime
    item: LeasedItem
    prelabel: KindResult | None = None
    # An item sent back by review (返工): the reviewer's ``{reasons, comment}``.
    rework: dict[str, Any] | None = None


class SubmitBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: KindResult
    duration_ms: int = Field(default=0, ge=0, le=MAX_DURATION_MS)


class GoldFeedbackPublic(BaseModel):
    correct: bool
    score: float
    expected: KindResult


class AnnotationPublic(BaseModel):
    """201 for a new annotation, 200 with the stored one for a repeated submit."""

    id: int
    assignment_id: int
    item_id: int
    result: KindResult
    duration_ms: int
    created_at: datetime
    gold_feedback: GoldFeedbackPublic | None = None


class PausePublic(BaseModel):
    """Why the caller is paused, for the page to say in its language: ``code`` is
    ``paused_low_gold_accuracy`` or ``paused_low_review_accuracy`` (rule 5, with the smoothed
    ``accuracy``, the ``answered`` count and the project's ``minimum``) or ``paused_by_manager``
    (with the manager's ``reason``, if any)."""

    code: str
    reason: str | None = None
    accuracy: float | None = None
    answered: int | None = None
    minimum: float | None = None

    @classmethod
    def of(cls, reason: str | None) -> PausePublic:
        """The pause stored with ``reason``, as the paused person is told it."""
        pause = shown(reason)
        return cls(code=pause.code, **pause.fields())


class SubmitAndNextAnswer(AnnotationPublic):
    """``submit?next=true``: the annotation as above, plus the caller's next lease.

    ``next`` is exactly what ``POST /projects/{project_id}/next`` would answer, or null when
    nothing is left; it is null too when the annotator is paused now, and then ``paused_reason``
    says why (the key is left out otherwise) and ``pause`` says it as a code with its figures.
    ``next`` is kept when it is null, even though the distribution routes leave out empty
    fields: here null is an answer.
    """

    next: NextAnswer | None
    paused_reason: str | None = None
    pause: PausePublic | None = None

    @model_serializer(mode="wrap")
    def _keep_next(self, handler: SerializerFunctionWrapHandler):
        # no return annotation: the OpenAPI schema stays the model's fields
        data = handler(self)
        data.setdefault("next", None)
        return data


class SkipAnswer(BaseModel):
    assignment_id: int
    status: str


class ProgressPublic(BaseModel):
    """``items``/``done``/``annotations`` count normal items; gold is counted apart."""

    items: int
    done: int
    in_progress: int
    annotations: int
    gold_items: int
    gold_answered: int


class MyStatsPublic(BaseModel):
    done_today: int
    annotations: int
    gold_answered: int
    gold_correct: float
    gold_accuracy: float | None
    earnings: float
    status: str
    paused_reason: str | None
    pause: PausePublic | None = None
    gold_accuracy_estimated: float | None = Field(
        default=None,
        description="The gold accuracy rule 5 judges (Beta-smoothed, as the quality page shows "
        "it); gold_accuracy is the plain share",
    )


def media_url(item_id: int) -> str:
    return f"/api/v1/items/{item_id}/media"


def next_answer(*, assignment_id: int, expires_at: datetime, kind: str, item: Any) -> NextAnswer:
    """The lease as the annotator sees it: text or a media URL, never ``is_gold``."""
    return NextAnswer(
        assignment_id=assignment_id,
        expires_at=expires_at,
        item=LeasedItem(
            id=item.id,
            kind=kind,
            text=item.text,
            media_url=media_url(item.id) if item.media_key else None,
            width=item.width,
            height=item.height,
        ),
        prelabel=public_prelabel(item.prelabel),
    )
