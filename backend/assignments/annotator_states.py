"""An annotator's standing in a project and rule 5 of the spec (pausing), written once.

Every path that can change an annotator's standing comes here: the Python submit of a gold answer,
PostgreSQL's one-call submit (which counts the gold answer in the database and returns the new
counts; the API then calls ``pause_if_due_by_id``), the quality recompute (``pause_all_due``),
and a manager's pause or resume (``set_status``); a review verdict's answers reach the state row
through ``review_record.py`` (appended, then folded right after the verdict's commit). The
arithmetic of the rule (Beta-smoothed accuracy, the threshold) is ``quality.gold``'s; this
module reads the project's settings, words the reason the annotator and the manager see,
audits the change and emits ``AnnotationsStoppedCounting`` so that consensus, pay and exports
stop counting the paused annotator's work.

The state row is also ``next``'s lock: ``next`` starts by locking it (``SELECT … FOR NO KEY
UPDATE`` on PostgreSQL; SQLite serialises all writers anyway), so one annotator's requests for
items run one after another: two browser tabs cannot take two leases. While it holds this lock
``next`` waits for nothing else (it skips locked items), which is what keeps the distribution
transactions free of deadlocks; submit takes it last, and only for gold.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from backend import clock, events
from backend.assignments import pauses
from backend.assignments.models import AnnotatorState, ReviewTally
from backend.audit.service import record
from quality import gold


class AnnotatorStatus(StrEnum):
    active = "active"
    paused = "paused"


def pause_reason(
    *,
    project: Any,
    answered: int,
    correct: float,
    review_answered: int = 0,
    review_correct: float = 0.0,
) -> str | None:
    """The reason to pause under rule 5, or None while the annotator may go on.

    Two records feed the rule, each judged on its own with the same Beta-smoothed accuracy and
    the same thresholds: gold answers, and answers judged in review (质检: right when the
    reviewer accepted them or their fix agrees, wrong when rejected or fixed otherwise). A
    reviewer's verdict is a known answer found after the fact, so it counts like gold.
    ``project`` is anything with ``gold_min_count`` and ``min_gold_accuracy``.
    """
    for kind, n, right in (
        ("gold", answered, correct),
        ("review", review_answered, review_correct),
    ):
        if n <= 0:
            continue
        smoothed = gold.smoothed_accuracy(min(right, n), n)
        if gold.should_pause(
            smoothed,
            n,
            gold_min_count=project.gold_min_count,
            min_gold_accuracy=project.min_gold_accuracy,
        ):
            return pauses.rule_reason(
                kind=kind, accuracy=smoothed, answered=n, minimum=project.min_gold_accuracy
            )
    return None


def lock_state(*, session: Session, project_id: int, user_id: int) -> AnnotatorState:
    """The annotator's state row, created if missing, locked until the transaction ends."""
    query = (
        select(AnnotatorState)
        .where(AnnotatorState.project_id == project_id, AnnotatorState.user_id == user_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    state = session.exec(query).first()
    if state is not None:
        return state
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(AnnotatorState)
        .values(
            project_id=project_id,
            user_id=user_id,
            status=AnnotatorStatus.active,
            gold_answered=0,
            gold_correct=0.0,
            review_answered=0,
            review_correct=0.0,
            updated_at=clock.now(),
        )
        .on_conflict_do_nothing()
    )
    return session.exec(query).one()


def count_gold_answer(
    *, session: Session, project: Any, user_id: int, score: float, now: datetime
) -> str | None:
    """Count one gold answer (Python submit path) and apply rule 5 at once, so a spammer's
    next ``next`` is already a 403; returns the pause reason when this answer paused them."""
    state = lock_state(session=session, project_id=project.id, user_id=user_id)
    state.gold_answered += 1
    state.gold_correct += score
    state.updated_at = now
    reason = pause_if_due(session=session, project=project, state=state, now=now)
    session.add(state)
    return reason


def pause_if_due(
    *,
    session: Session,
    project: Any,
    state: AnnotatorState,
    now: datetime,
    pending: tuple[int, float] = (0, 0.0),
) -> str | None:
    """Pause an active annotator whose gold or review record fails rule 5; the reason, or None.

    ``project`` needs ``id``, ``org_id``, ``gold_min_count`` and ``min_gold_accuracy``;
    ``pending``: review answers appended but not yet folded into ``state``
    (``review_record.py``), counted as if they were.
    """
    if state.status != AnnotatorStatus.active:
        return None
    reason = pause_reason(
        project=project,
        answered=state.gold_answered,
        correct=state.gold_correct,
        review_answered=(state.review_answered or 0) + pending[0],
        review_correct=(state.review_correct or 0.0) + pending[1],
    )
    if reason is None:
        return None
    state.status, state.paused_reason, state.paused_at = AnnotatorStatus.paused, reason, now
    state.updated_at = now
    _paused(session=session, project=project, user_id=state.user_id, reason=reason, actor_id=None)
    return reason


def pause_if_due_by_id(*, session: Session, project: Any, user_id: int) -> str | None:
    """Rule 5 for a gold answer that PostgreSQL's one-call submit has already counted, then commit.

    That submit returns the new counts, and the caller comes here only when they pause the
    annotator; the rule is applied again to the counts read under the state lock, so a resume or
    another gold answer in between is taken into account. Runs before the submit is answered,
    so the annotator's next ``next`` is already a 403.
    """
    state = lock_state(session=session, project_id=project.id, user_id=user_id)
    reason = pause_if_due(session=session, project=project, state=state, now=clock.now())
    session.add(state)
    session.commit()
    return reason


def pause_all_due(*, session: Session, project: Any) -> list[int]:
    """The recompute's pass of rule 5 over every active annotator of the project.

    Reads the counters the submit paths keep (gold answers since the last resume), so a
    manager's resume gives the annotator a fresh start, plus the review answers appended since
    the last fold (``review_record``; normally none: each verdict folds its own). Returns the
    newly paused user ids.
    """
    states = session.exec(
        select(AnnotatorState).where(
            AnnotatorState.project_id == project.id,
            AnnotatorState.status == AnnotatorStatus.active,
        )
    ).all()  # not locked: submit locks item then state, and this runs before the item updates
    now = clock.now()
    paused = []
    waiting = _pending_review_answers(session=session, project_id=project.id)
    for state in states:
        extra = waiting.get(state.user_id, (0, 0.0))
        if (
            pause_if_due(session=session, project=project, state=state, now=now, pending=extra)
            is not None
        ):
            session.add(state)
            paused.append(state.user_id)
    session.flush()
    return paused


def set_status(
    *,
    session: Session,
    project: Any,
    user_id: int,
    status: AnnotatorStatus,
    reason: str | None,
    actor_id: int,
) -> str:
    """A manager pauses or resumes an annotator by hand (audited); returns the old status.

    Resuming restarts the gold count, so the annotator is judged on what they do from now on.
    """
    state = lock_state(session=session, project_id=project.id, user_id=user_id)
    old = state.status
    now = clock.now()
    state.status, state.updated_at = status, now
    if status == AnnotatorStatus.paused:
        state.paused_reason, state.paused_at = reason, now
    else:
        state.paused_reason, state.paused_at = None, None
        state.gold_answered, state.gold_correct = 0, 0.0
        state.review_answered, state.review_correct = 0, 0.0
        session.execute(  # and what verdicts appended before the resume, not yet folded
            delete(ReviewTally).where(
                ReviewTally.project_id == project.id, ReviewTally.user_id == user_id
            )
        )
    session.add(state)
    if status == AnnotatorStatus.paused and old != AnnotatorStatus.paused:
        _paused(session=session, project=project, user_id=user_id, reason=reason, actor_id=actor_id)
    else:
        _audit(
            session,
            project=project,
            user_id=user_id,
            actor_id=actor_id,
            old=old,
            new=status,
            reason=reason,
        )
    return old


def _pending_review_answers(*, session: Session, project_id: int) -> dict[int, tuple[int, float]]:
    """Review answers appended but not yet folded (``review_record``), per annotator."""
    rows = session.exec(
        select(ReviewTally.user_id, func.sum(ReviewTally.answered), func.sum(ReviewTally.correct))
        .where(ReviewTally.project_id == project_id)
        .group_by(ReviewTally.user_id)
    ).all()
    return {user_id: (int(n or 0), float(right or 0.0)) for user_id, n, right in rows}


def paused_annotators(*, session: Session, project_id: int) -> list[int]:
    """Who is paused in the project now (their answers do not count), sorted."""
    rows = session.exec(
        select(AnnotatorState.user_id).where(
            AnnotatorState.project_id == project_id,
            AnnotatorState.status == AnnotatorStatus.paused,
        )
    ).all()
    return sorted(rows)


def _paused(
    *, session: Session, project: Any, user_id: int, reason: str | None, actor_id: int | None
) -> None:
    _audit(
        session,
        project=project,
        user_id=user_id,
        actor_id=actor_id,
        old=AnnotatorStatus.active,
        new=AnnotatorStatus.paused,
        reason=reason,
    )
    events.emit(
        events.AnnotationsStoppedCounting(
            session=session,
            project_id=project.id,
            reason="annotator_paused",
            annotator_id=user_id,
        )
    )


def _audit(
    session: Session,
    *,
    project: Any,
    user_id: int,
    actor_id: int | None,
    old: str,
    new: str,
    reason: str | None,
) -> None:
    data: dict[str, Any] = {"project_id": project.id, "reason": reason}
    if actor_id is not None:
        data["from"] = old
    record(
        session,
        org_id=project.org_id,
        actor_id=actor_id,
        action="annotator.resume" if new == AnnotatorStatus.active else "annotator.pause",
        target_type="user",
        target_id=user_id,
        data=data,
    )
