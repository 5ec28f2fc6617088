"""The HTTP answers of ``next`` and ``submit``, from the dispatcher's outcomes.

Serialised by the response models themselves (``model_dump_json``), to the same JSON that the
routes' declared ``response_model`` gives.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import Response, status
from pydantic import BaseModel

from backend.assignments.outcomes import (
    Leased,
    NextOutcome,
    NothingLeft,
    Paused,
    Repeat,
    Stored,
    SubmitOutcome,
    WithNext,
)
from backend.assignments.pauses import paused_error
from backend.assignments.schemas import (
    AnnotationPublic,
    GoldFeedbackPublic,
    NextAnswer,
    PausePublic,
    SubmitAndNextAnswer,
    next_answer,
)


def next_response(outcome: NextOutcome, notes: dict[str, Any] | None = None) -> Response:
    """200 with the lease (and its ``lease_notes``), 204 when nothing is left, 403 with the
    reason while paused."""
    if isinstance(outcome, Paused):
        raise paused_error(outcome.reason, outcome.detail)
    if isinstance(outcome, NothingLeft):
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return _json(_lease(outcome, notes))


def submit_response(outcome: SubmitOutcome, notes: dict[str, Any] | None = None) -> Response:
    """201 with the new annotation, 200 with the stored one on a repeat; ``?next=true`` adds
    ``next`` (null when nothing is left or while paused) and ``paused_reason`` (while paused)."""
    submitted = outcome.submitted if isinstance(outcome, WithNext) else outcome
    code = status.HTTP_201_CREATED if isinstance(submitted, Stored) else status.HTTP_200_OK
    annotation = _annotation(submitted)
    if not isinstance(outcome, WithNext):
        return _json(annotation, code)
    following = outcome.next
    answer = SubmitAndNextAnswer(
        **annotation.model_dump(),
        next=_lease(following, notes) if isinstance(following, Leased) else None,
        paused_reason=following.shown if isinstance(following, Paused) else None,
        pause=PausePublic.of(following.reason) if isinstance(following, Paused) else None,
    )
    return _json(answer, code)


def _json(model: BaseModel, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(
        model.model_dump_json(exclude_none=True),
        status_code=status_code,
        media_type="application/json",
    )


def _lease(lease: Leased, notes: dict[str, Any] | None = None) -> NextAnswer:
    answer = next_answer(
        assignment_id=lease.assignment_id,
        expires_at=lease.expires_at,
        kind=lease.kind,
        item=lease.item,
    )
    return answer.model_copy(update=notes) if notes else answer


def _annotation(stored: Stored | Repeat) -> AnnotationPublic:
    feedback = stored.gold_feedback
    return AnnotationPublic(
        id=stored.id,
        assignment_id=stored.assignment_id,
        item_id=stored.item_id,
        result=stored.result,
        duration_ms=stored.duration_ms,
        created_at=stored.created_at,
        gold_feedback=GoldFeedbackPublic(**asdict(feedback)) if feedback else None,
    )
