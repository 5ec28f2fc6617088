"""What a verdict is, and what each stage stores for it: the registry behind
``POST /reviews/{review_id}/submit``.

Review (质检) and acceptance by lot (验收) both judge an item through a lease of their stage and
answer with the same verdict (``accept`` | ``fix`` | ``reject``, a result for a fix, reasons,
a comment). ``submitting.submit_verdict`` does what is common — the lease's locks, the idempotent
repeat, the late rule, validating a fix, the ``reviews`` row, the lease marked submitted — and
then calls the step its stage registered here for what only that stage stores: review settles or
reworks the item (``judging``), acceptance counts the sample towards its lot's verdict (the lots
domain registers that step at process start, ``backend.wiring``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from backend.assignments.stages import Stage


class Decision(StrEnum):
    accept = "accept"
    fix = "fix"
    reject = "reject"


@dataclass(frozen=True)
class Verdict:
    """What the reviewer sent; ``result`` is normalised by the kind once validated."""

    decision: Decision
    result: dict[str, Any] | None = None
    reasons: tuple[str, ...] = ()
    comment: str = ""


@dataclass(frozen=True)
class Judged:
    """A verdict on a locked lease, handed to the stage's step inside the submit's transaction
    (the lease's row and the item's row are locked; the ``reviews`` row is added, not yet
    committed). ``project`` and ``item`` are ORM rows; ``review`` the new ``Review``."""

    session: Session
    project: Any
    item: Any
    review: Any
    verdict: Verdict
    now: datetime
    extra: dict[str, Any] = field(default_factory=dict)


StoreStep = Callable[[Judged], None]

_steps: dict[Stage, StoreStep] = {}


def register_store_step(stage: Stage, step: StoreStep) -> None:
    """What ``stage``'s verdicts store beyond the ``reviews`` row (once per process)."""
    _steps[stage] = step


def store_step(stage: Stage) -> StoreStep | None:
    """The registered step of ``stage``, or None when no domain serves it here."""
    return _steps.get(stage)


def judged_stages() -> frozenset[Stage]:
    """The stages whose leases ``/reviews/{review_id}/submit`` accepts."""
    return frozenset(_steps)
