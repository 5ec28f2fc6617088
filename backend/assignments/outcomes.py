"""What a path of ``next`` or ``submit`` can answer, as values (``dispatch`` chains the paths).

A path either settles the request with an outcome below, or says ``HandBack(reason)``: it did
nothing that needs undoing, and the next path of ``dispatch.PATHS`` answers. Refusals (401, 403
for a role, 404, 409, 422) are not outcomes: the general path raises them exactly as the shared
dependencies do, and the faster paths hand back wherever one could apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Self


class Path(StrEnum):
    """The three ways through ``next`` and ``submit``, fastest first."""

    postgresql_function = "postgresql_function"  # jinbiao_next / jinbiao_submit on the event loop
    fast = "fast"  # plain statements in the thread pool, for a caller with a state row
    general = "general"  # the shared access dependencies, then the same services


class HandBackReason(StrEnum):
    no_pool = "no_pool"  # SQLite, or an app driven without its lifespan
    id_out_of_range = "id_out_of_range"  # an id beyond PostgreSQL's integer
    unavailable = "unavailable"  # the pool could not reach the database
    refused = "refused"  # no state row yet, or a caller who may not work here
    paused = "paused"  # the general path words the 403
    changed = "changed"  # not a live lease any more, or rows differ from what Python validated
    late = "late"  # an expired lease of a normal item: the late-submit rule
    stale_memo = "stale_memo"  # invalid against a remembered context: perhaps a repeat
    not_leased = "not_leased"  # submitted or skipped: a repeat's 200, a skip's 409
    python_stage = "python_stage"  # a stage the functions do not serve (review: Python paths)


@dataclass(frozen=True)
class HandBack:
    """This path did not settle the request (and changed nothing); the next path answers."""

    reason: HandBackReason


@dataclass(frozen=True)
class Leased:
    """A lease ``next`` answers: new, or a live one the caller already holds."""

    assignment_id: int
    expires_at: datetime
    kind: str
    item: Any  # id, text, media_key, width, height, prelabel


@dataclass(frozen=True)
class NothingLeft:
    """Nothing is left for this caller (``next`` answers 204)."""


@dataclass(frozen=True)
class Paused:
    """The caller is paused in the project (rule 5): ``next`` answers 403 with ``detail``;
    ``submit?next=true`` shows ``reason`` (as stored with the pause), or ``detail`` without one."""

    reason: str | None
    detail: str

    @classmethod
    def of(cls, reason: str | None) -> Self:
        return cls(reason, f"you are paused in this project: {reason or 'low gold accuracy'}")

    @property
    def shown(self) -> str:
        return self.reason or self.detail


@dataclass(frozen=True)
class GoldFeedback:
    correct: bool
    score: float
    expected: dict[str, Any]


@dataclass(frozen=True)
class _Answered:
    """An annotation as ``submit`` answers it, from any path."""

    id: int
    assignment_id: int
    project_id: int
    item_id: int
    result: dict[str, Any]
    duration_ms: int
    created_at: datetime
    gold_feedback: GoldFeedback | None

    @classmethod
    def of(cls, annotation: Any, gold_feedback: GoldFeedback | None) -> Self:
        """From an ``Annotation`` row (or anything with its fields)."""
        return cls(
            annotation.id,
            annotation.assignment_id,
            annotation.project_id,
            annotation.item_id,
            annotation.result,
            annotation.duration_ms,
            annotation.created_at,
            gold_feedback,
        )


@dataclass(frozen=True)
class Stored(_Answered):
    """This submit stored the annotation (201)."""


@dataclass(frozen=True)
class Repeat(_Answered):
    """The assignment was submitted before: the stored annotation, unchanged (200)."""


@dataclass(frozen=True)
class WithNext:
    """``submit?next=true``: the submit's outcome, then what ``next`` answered after its commit."""

    submitted: Stored | Repeat
    next: Leased | NothingLeft | Paused


NextOutcome = Leased | NothingLeft | Paused
SubmitOutcome = Stored | Repeat | WithNext
