"""An annotator's review record (rule 5's second record): appended by verdicts, folded after.

A verdict that counts (``backend/review/selection.py``'s ``UNBIASED`` rules) appends one
``review_tallies`` row per judged annotator — on PostgreSQL inside ``jinbiao_review_submit``, on
the Python path in ``backend/review/judging.py`` — and takes no lock on the annotators' state
rows. Updating those rows in the verdict's own transaction made every verdict on an annotator's
items wait for the previous one's commit (32 reviewers queued on 4 rows in the benchmark, with
``Lock:tuple`` waits on ``annotator_states``: ``tests/benchmarks/results/review.md``).

Right after the verdict commits, ``fold`` adds the pending rows into the state rows in a short
transaction of its own — lock the state rows in id order, delete the pending rows and add up
what the delete returned, update, apply rule 5 — so the counts and a pause are in place before
the verdict is answered, as before. PostgreSQL's one-call path (``backend/review/pg_review.py``,
revision 0028) folds less often: its verdict returns the judged annotators' records with what
is pending counted in, rule 5 is applied to those (a pause folds and waits, as below), and
``jinbiao_review_fold`` runs only once an annotator has ``FOLD_AT`` rows pending. A state row
another fold holds is skipped (``SKIP LOCKED``), not waited for: that fold, or the next one of
the annotator, takes the rows left; rule 5 is then judged on the record plus what is pending, and
only an annotator due for a pause is waited for. Under concurrent verdicts the stored counts may
so lag behind by the rows still pending; everything that judges the record counts those too.

The fold is idempotent: pending rows are deleted in the statement that reads them, only by a
holder of the annotator's state lock, and a fold that fails or is lost in a crash (commits
without waiting for the disk: all or nothing) leaves them for the next fold of the annotator's
records (on PostgreSQL's one-call path, the one a later verdict runs once enough are
pending). The recompute's pass of rule 5 counts
rows still pending without folding them (``annotator_states.pause_all_due``); a resume deletes
them with the counts (``annotator_states.set_status``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, select

from backend import clock
from backend.assignments.annotator_states import (
    lock_state,
    pause_if_due,
    pause_if_due_by_id,
    pause_reason,
)
from backend.assignments.models import AnnotatorState, ReviewTally
from backend.projects.models import Project

log = logging.getLogger(__name__)

PENDING_FOLDS = "jinbiao_review_folds"  # session.info key: (project id, annotator ids) to fold


def append(*, session: Session, project_id: int, scores: Iterable[tuple[int, float]]) -> list[int]:
    """One pending row per annotator of ``scores`` ((annotator id, score) per judged answer),
    in the caller's transaction; the annotators to fold once it commits, sorted."""
    per_annotator: dict[int, list[float]] = defaultdict(list)
    for annotator_id, score in scores:
        per_annotator[annotator_id].append(score)
    now = clock.now()
    for annotator_id in sorted(per_annotator):
        given = per_annotator[annotator_id]
        session.add(
            ReviewTally(
                project_id=project_id,
                user_id=annotator_id,
                answered=len(given),
                correct=float(sum(given)),
                created_at=now,
            )
        )
    users = sorted(per_annotator)
    if users:
        session.info.setdefault(PENDING_FOLDS, []).append((project_id, users))
    return users


def fold_pending(session: Session) -> None:
    """The folds the committed transaction of ``session`` asked for (``append``), each in a
    transaction of its own on the same session."""
    for project_id, users in session.info.pop(PENDING_FOLDS, []):
        fold_after_commit(session=session, project_id=project_id, user_ids=users)


@dataclass(frozen=True)
class Folded:
    """What a fold did: the annotators it paused, and those whose rows another fold held while
    their record (with what is pending) is due for a pause: fold them again, waiting."""

    paused: list[int] = field(default_factory=list)
    due_but_busy: list[int] = field(default_factory=list)


def fold_after_commit(*, session: Session, project_id: int, user_ids: list[int]) -> list[int]:
    """``fold`` in a transaction of its own, committed, after a verdict's commit, skipping the
    state rows another fold holds (that fold or a later one takes this verdict's rows); the
    annotators it skipped whose record is due for a pause are folded again, waiting for their
    rows. A failure is logged, not raised (the verdict is stored; the pending rows wait for the
    next fold). The users paused."""
    try:
        done = fold(session=session, project_id=project_id, user_ids=user_ids, skip_busy=True)
        session.commit()
        paused = list(done.paused)
        if done.due_but_busy:
            again = fold(session=session, project_id=project_id, user_ids=done.due_but_busy)
            session.commit()
            paused += again.paused
        return paused
    except Exception:
        session.rollback()
        log.exception("folding review records of project %s failed; left pending", project_id)
        return []


def fold_and_pause(*, session: Session, project_id: int, user_ids: list[int]) -> list[int]:
    """Rule 5 for annotators that PostgreSQL's fold (``jinbiao_review_fold``, the same fold with
    ``skip_busy``) found due for a pause: fold what is pending for them, waiting for the rows
    another fold holds, then pause under the state lock those still due (the pause applies the
    rule again to the counts read under the lock: a resume in between is taken into account).
    Logged, not raised, like ``fold_after_commit``. The users paused."""
    try:
        done = fold(session=session, project_id=project_id, user_ids=user_ids)
        session.commit()
        paused = list(done.paused)
        project = session.get(Project, project_id)
        for user_id in sorted(set(user_ids) - set(paused)):
            if project is not None and pause_if_due_by_id(
                session=session, project=project, user_id=user_id
            ):
                paused.append(user_id)
        return paused
    except Exception:
        session.rollback()
        log.exception("applying rule 5 to review records of project %s failed", project_id)
        return []


def fold(
    *, session: Session, project_id: int, user_ids: list[int], skip_busy: bool = False
) -> Folded:
    """Add the annotators' pending rows to their state rows and apply rule 5, in the caller's
    transaction (which should commit at once: it holds their state locks).

    ``skip_busy``: state rows another transaction holds are skipped (``SKIP LOCKED``) instead
    of waited for; their pending rows stay for the holder or a later fold, and rule 5 is judged
    on the record read without the lock plus what is pending (``Folded.due_but_busy``)."""
    if session.get_bind().dialect.name == "postgresql":
        # All or nothing either way: a fold lost in a crash leaves its rows pending.
        session.connection().exec_driver_sql("SET LOCAL synchronous_commit = off")
    wanted = sorted(set(user_ids))
    query = (
        select(AnnotatorState, Project.gold_min_count, Project.min_gold_accuracy)
        .join(Project, Project.id == AnnotatorState.project_id)
        .where(AnnotatorState.project_id == project_id)
        .order_by(AnnotatorState.user_id)
        .execution_options(populate_existing=True)
    )
    rows = session.exec(
        query.where(AnnotatorState.user_id.in_(wanted)).with_for_update(
            of=AnnotatorState, key_share=True, skip_locked=skip_busy
        )
    ).all()
    locked = {state.user_id for state, _, _ in rows}
    busy = [user_id for user_id in wanted if user_id not in locked]
    seen = session.exec(query.where(AnnotatorState.user_id.in_(busy))).all() if busy else []
    missing = sorted(set(busy) - {state.user_id for state, _, _ in seen})
    if missing:  # an annotator without a state row yet (the Python path): make it, then fold
        for user_id in missing:
            lock_state(session=session, project_id=project_id, user_id=user_id)
        rows = session.exec(
            query.where(AnnotatorState.user_id.in_(sorted(locked | set(missing)))).with_for_update(
                of=AnnotatorState, key_share=True
            )
        ).all()
        seen = [row for row in seen if row[0].user_id not in missing]
    paused = _take(session=session, project_id=project_id, rows=rows)
    due: list[int] = []
    if seen:
        waiting = _pending(session=session, project_id=project_id, user_ids=busy)
        for state, gold_min_count, min_gold_accuracy in seen:
            thresholds = SimpleNamespace(
                gold_min_count=gold_min_count, min_gold_accuracy=min_gold_accuracy
            )
            extra = waiting.get(state.user_id, (0, 0.0))
            if state.status == "active" and _due(thresholds, state, extra):
                due.append(state.user_id)
    session.flush()
    return Folded(paused=paused, due_but_busy=due)


def _take(*, session: Session, project_id: int, rows: list[Any]) -> list[int]:
    """Delete the pending rows of the locked ``rows``' annotators, add what the delete returned
    to their records, and apply rule 5; the users paused."""
    if not rows:
        return []
    taken = session.execute(
        delete(ReviewTally)
        .where(
            ReviewTally.project_id == project_id,
            ReviewTally.user_id.in_([state.user_id for state, _, _ in rows]),
        )
        .returning(ReviewTally.user_id, ReviewTally.answered, ReviewTally.correct)
    ).all()
    answered: dict[int, int] = defaultdict(int)
    correct: dict[int, float] = defaultdict(float)
    for user_id, n, right in taken:
        answered[user_id] += n
        correct[user_id] += right
    now, project, paused = clock.now(), None, []
    for state, gold_min_count, min_gold_accuracy in rows:
        if answered[state.user_id] == 0:
            continue
        state.review_answered = (state.review_answered or 0) + answered[state.user_id]
        state.review_correct = (state.review_correct or 0.0) + correct[state.user_id]
        state.updated_at = now
        session.add(state)
        thresholds = SimpleNamespace(
            gold_min_count=gold_min_count, min_gold_accuracy=min_gold_accuracy
        )
        if state.status != "active" or not _due(thresholds, state, (0, 0.0)):
            continue
        project = project or session.get(Project, project_id)  # rarely: the ORM pause
        if pause_if_due(session=session, project=project, state=state, now=now) is not None:
            paused.append(state.user_id)
    return paused


def _pending(
    *, session: Session, project_id: int, user_ids: list[int]
) -> dict[int, tuple[int, float]]:
    rows = session.exec(
        select(ReviewTally.user_id, func.sum(ReviewTally.answered), func.sum(ReviewTally.correct))
        .where(ReviewTally.project_id == project_id, ReviewTally.user_id.in_(user_ids))
        .group_by(ReviewTally.user_id)
    ).all()
    return {user_id: (int(n or 0), float(right or 0.0)) for user_id, n, right in rows}


def _due(thresholds: SimpleNamespace, state: AnnotatorState, extra: tuple[int, float]) -> bool:
    return (
        pause_reason(
            project=thresholds,
            answered=state.gold_answered,
            correct=state.gold_correct,
            review_answered=(state.review_answered or 0) + extra[0],
            review_correct=(state.review_correct or 0.0) + extra[1],
        )
        is not None
    )
