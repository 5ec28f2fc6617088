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
the verdict is answered, as before; the lock is held for a few statements instead of for the
rest of the verdict. The fold is idempotent: pending rows are deleted in the statement that
reads them, only by a holder of the annotator's state lock, and a fold that fails or is lost in
a crash (commits without waiting for the disk: all or nothing) leaves them for the next fold
of the annotator's records, which any later verdict on their items runs. The recompute's pass
of rule 5 counts rows still pending without folding them (``annotator_states.pause_all_due``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from types import SimpleNamespace

from sqlalchemy import delete
from sqlmodel import Session, select

from backend import clock
from backend.assignments.annotator_states import lock_state, pause_if_due, pause_reason
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


def fold_after_commit(*, session: Session, project_id: int, user_ids: list[int]) -> list[int]:
    """``fold`` in a transaction of its own, committed, after a verdict's commit; a failure is
    logged, not raised (the verdict is stored; the pending rows wait for the next fold). The
    users it paused."""
    try:
        paused = fold(session=session, project_id=project_id, user_ids=user_ids)
        session.commit()
        return paused
    except Exception:
        session.rollback()
        log.exception("folding review records of project %s failed; left pending", project_id)
        return []


def fold(*, session: Session, project_id: int, user_ids: list[int]) -> list[int]:
    """Add the annotators' pending rows to their state rows and apply rule 5, in the caller's
    transaction (which should commit at once: it holds their state locks); the users paused."""
    if session.get_bind().dialect.name == "postgresql":
        # All or nothing either way: a fold lost in a crash leaves its rows pending.
        session.connection().exec_driver_sql("SET LOCAL synchronous_commit = off")
    query = (
        select(AnnotatorState, Project.gold_min_count, Project.min_gold_accuracy)
        .join(Project, Project.id == AnnotatorState.project_id)
        .where(AnnotatorState.project_id == project_id, AnnotatorState.user_id.in_(user_ids))
        .order_by(AnnotatorState.user_id)
        .with_for_update(of=AnnotatorState, key_share=True)
        .execution_options(populate_existing=True)
    )
    rows = session.exec(query).all()
    if len(rows) < len(set(user_ids)):  # an annotator without a state row yet (Python path)
        have = {state.user_id for state, _, _ in rows}
        for user_id in sorted(set(user_ids) - have):
            lock_state(session=session, project_id=project_id, user_id=user_id)
        rows = session.exec(query).all()
    taken = session.execute(
        delete(ReviewTally)
        .where(ReviewTally.project_id == project_id, ReviewTally.user_id.in_(user_ids))
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
        if state.status != "active" or not _due(thresholds, state):
            continue
        project = project or session.get(Project, project_id)  # rarely: the ORM pause
        if pause_if_due(session=session, project=project, state=state, now=now) is not None:
            paused.append(state.user_id)
    session.flush()
    return paused


def _due(thresholds: SimpleNamespace, state: AnnotatorState) -> bool:
    return (
        pause_reason(
            project=thresholds,
            answered=state.gold_answered,
            correct=state.gold_correct,
            review_answered=state.review_answered or 0,
            review_correct=state.review_correct or 0.0,
        )
        is not None
    )
