"""The first path of the reviewer's ``next`` and ``submit``: PostgreSQL's one-call functions.

The review stage's counterpart of ``backend/assignments/pg_path.py`` and ``pg_functions.py``,
with the same outcomes: a stored answer, or ``HandBack`` with nothing done, after which the
Python paths (``dispatch.next_lease``, ``submitting.submit_verdict``) answer as before. They
hand back on SQLite, for ids beyond PostgreSQL's ``integer``, for what the functions leave to
Python (no state row yet, a paused or refused caller, a repeat, an expired lease, anything that
changed since ``next``), for ``reject`` (rework reopens the item: ``rework``), and for a submit
without this process's memo of the lease (``review_memo``) or whose verdict Python would refuse.

* ``next`` (``sql/jinbiao_review_next.sql``), awaited on the event loop: the state lock, the held
  lease, the pick, the insert and what the reviewer judges, in one round trip instead of about
  ten statements and a second session.
* ``submit`` (``sql/jinbiao_review_submit.sql``), in the thread pool inside a SQLAlchemy session:
  Python validates the verdict and scores the annotations (the kind's ``gold_score``, as
  ``judging`` does), the function stores the review, the item's new state, its final answer,
  the marks and a row appended to each annotator's review record, under the locks of the Python
  path. ``ItemsFinal`` (when the project's ``final_when`` says so: ``backend/review/finality.py``)
  is emitted in the same transaction (pay writes its row; just before the call, see below), and
  the recompute job is sent after the commit; then the annotators' records are folded into their
  state rows and rule 5 applied, in a short transaction of its own
  (``backend/assignments/review_record.py``). One function call instead of about twenty
  statements, and the verdict and its event commit together.

Why: ``tests/benchmarks/results/review.md``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

from psycopg import OperationalError, sql
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlmodel import Session, select

from backend import clock
from backend.assignments import review_record
from backend.assignments.outcomes import HandBack, HandBackReason, NothingLeft
from backend.assignments.pg_path import in_range
from backend.assignments.picking import RECHECKS
from backend.assignments.schemas import next_answer
from backend.assignments.stages import REVIEW
from backend.assignments.submitting import validate_result
from backend.consensus.scheduling import RECOMPUTE_JOB, window_left
from backend.kinds import ItemShape, ResultInvalid
from backend.kinds.gold import gold_score
from backend.pg_pool import current_pool
from backend.projects.models import Project
from backend.queue import enqueue_after_commit
from backend.review import review_memo
from backend.review.finality import settle_if_due
from backend.review.review_memo import ReviewContext
from backend.review.schemas import ConsensusPublic, ReviewedAnnotation, ReviewLease, ReviewPublic
from backend.review.selection import UNBIASED
from backend.review.verdicts import Decision, Verdict

log = logging.getLogger(__name__)

_NEXT = "SELECT * FROM jinbiao_review_next(%s, %s, %s, {roles}, {rechecks}, %s)"
_SUBMIT = """
SELECT * FROM jinbiao_review_submit(
  %(review_id)s, %(user_id)s, %(generation)s, %(roles)s, %(now)s, %(decision)s, %(result)s,
  %(reasons)s, %(comment)s, %(answers)s, %(consensus)s, %(final)s, %(scores)s, %(labels)s,
  %(allowed)s, %(unbiased)s)
"""
_UNBIASED = sorted(rule.value for rule in UNBIASED)


@cache
def _next_statement() -> str:
    """The stage's constants written in once (a list argument costs psycopg an adaptation)."""
    return (
        sql.SQL(_NEXT)
        .format(roles=sql.Literal(list(REVIEW.role_names)), rechecks=sql.Literal(RECHECKS))
        .as_string(None)
    )


async def next_review(
    *, project_id: int, user_id: int, generation: int
) -> ReviewLease | NothingLeft | HandBack:
    """The reviewer's lease with what to judge, ``NothingLeft``, or what Python must answer."""
    pool = current_pool()
    if pool is None:
        return HandBack(HandBackReason.no_pool)
    if not in_range(project_id, user_id):
        return HandBack(HandBackReason.id_out_of_range)
    try:
        return await _call_next(pool, project_id, user_id, generation, clock.now())
    except (OperationalError, PoolTimeout):
        log.warning("hot path unavailable for review next; taking the thread-pool path")
        return HandBack(HandBackReason.unavailable)


async def _call_next(
    pool: AsyncConnectionPool, project_id: int, user_id: int, generation: int, now: datetime
) -> ReviewLease | NothingLeft | HandBack:
    async with pool.connection() as connection:
        cursor = await connection.execute(_next_statement(), (project_id, user_id, now, generation))
        row = await cursor.fetchone()
    outcome = row[0] if row else HandBackReason.refused
    if outcome == "none":
        return NothingLeft()
    if outcome not in ("lease", "held"):
        return HandBack(HandBackReason(outcome))
    (_, review_id, expires_at, kind, item_id, text, media_key, width, height, prelabel) = row[:10]
    labels, reasons, rework_round, answers, consensus, confidence = row[10:]
    review_memo.remember(
        review_id=review_id,
        user_id=user_id,
        context=ReviewContext(
            project_id=project_id,
            item_id=item_id,
            kind=kind,
            labels=labels,
            reasons=list(reasons or []),
            width=width,
            height=height,
            text_length=len(text) if text is not None else None,
            answers=answers,
            consensus=consensus,
        ),
    )
    item = SimpleNamespace(
        id=item_id, text=text, media_key=media_key, width=width, height=height, prelabel=prelabel
    )
    return ReviewLease(
        review_id=review_id,
        expires_at=expires_at,
        mode="review",
        item=next_answer(assignment_id=review_id, expires_at=expires_at, kind=kind, item=item).item,
        annotations=[
            ReviewedAnnotation(annotation_id=a[0], annotator_id=a[1], result=a[2]) for a in answers
        ],
        consensus=ConsensusPublic(result=consensus, confidence=confidence)
        if consensus is not None
        else None,
        reasons=list(reasons or []),
        rework_round=rework_round or 0,
    )


def submit_verdict(
    *, session: Session, review_id: int, user_id: int, generation: int, verdict: Verdict
) -> ReviewPublic | HandBack:
    """Store an accept or a fix in one call; ``HandBack`` (nothing done) for the Python path."""
    if session.get_bind().dialect.name != "postgresql":
        return HandBack(HandBackReason.no_pool)
    if verdict.decision is Decision.reject:
        return HandBack(HandBackReason.python_stage)
    if not in_range(review_id, user_id):
        return HandBack(HandBackReason.id_out_of_range)
    context = review_memo.take(review_id=review_id, user_id=user_id)
    if context is None:
        return HandBack(HandBackReason.changed)
    final = _final_answer(context, verdict)
    if isinstance(final, HandBack):
        return final
    now, item_id = clock.now(), context.item_id
    scores = [
        1.0 if final is None else gold_score(context.kind, answer[2], final)
        for answer in context.answers
    ]
    # Pay writes its row first (a new row: no lock), so that after the annotators' state rows,
    # which every verdict on their items locks, only the commit follows. A hand-back rolls it
    # back and the caller answers on a fresh session.
    final_when = session.execute(
        select(Project.final_when).where(Project.id == context.project_id)
    ).scalar_one()
    project = SimpleNamespace(id=context.project_id, final_when=final_when)
    settle_if_due(session=session, project=project, item_ids=[item_id])  # the rule, written once
    session.flush()
    row = (
        session.connection()
        .exec_driver_sql(
            _SUBMIT,
            {
                "review_id": review_id,
                "user_id": user_id,
                "generation": generation,
                "roles": list(REVIEW.role_names),
                "now": now,
                "decision": verdict.decision.value,
                "result": Jsonb(final) if verdict.decision is Decision.fix else None,
                "reasons": Jsonb(list(verdict.reasons)),
                "comment": verdict.comment,
                "answers": Jsonb(context.answers),
                "consensus": Jsonb(context.consensus) if context.consensus is not None else None,
                "final": Jsonb(final) if final is not None else None,
                "scores": scores,
                "labels": Jsonb(context.labels),
                "allowed": Jsonb(context.reasons),
                "unbiased": _UNBIASED,
            },
        )
        .one()
    )
    outcome, project_id, _, rework_round, duration_ms, flagged, started_at, records = row
    if outcome != "created":
        session.rollback()
        return HandBack(HandBackReason(outcome))
    if flagged:
        enqueue_after_commit(session, RECOMPUTE_JOB, project_id, countdown=window_left(started_at))
    session.commit()
    if records:  # the annotators' review records, then rule 5, before the verdict is answered
        review_record.fold_after_commit(session=session, project_id=project_id, user_ids=records)
    return ReviewPublic(
        review_id=review_id,
        project_id=project_id,
        item_id=item_id,
        reviewer_id=user_id,
        stage=REVIEW.stage.value,
        rework_round=rework_round,
        decision=verdict.decision.value,
        result=final if verdict.decision is Decision.fix else None,
        reasons=list(verdict.reasons),
        comment=verdict.comment,
        duration_ms=duration_ms,
        created_at=now,
    )


def _final_answer(context: ReviewContext, verdict: Verdict) -> dict[str, Any] | HandBack | None:
    """The item's final answer as ``judging`` settles it; a verdict Python would refuse (a reason
    outside the list, an invalid fix) is handed back so the Python path words the 422."""
    if context.reasons and any(reason not in context.reasons for reason in verdict.reasons):
        return HandBack(HandBackReason.changed)
    if verdict.decision is Decision.fix:
        if verdict.result is None:
            return HandBack(HandBackReason.changed)
        shape = ItemShape(context.width, context.height, text_length=context.text_length)
        try:
            return validate_result(project=context, item=shape, result=verdict.result)
        except ResultInvalid:
            return HandBack(HandBackReason.changed)
    if context.consensus is not None:
        return dict(context.consensus)
    return dict(context.answers[0][2]) if len(context.answers) == 1 else None
