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
* ``submit`` (``sql/jinbiao_review_submit.sql`` then ``sql/jinbiao_review_fold.sql``), awaited
  on the event loop: Python validates the verdict and scores the annotations (the kind's
  ``gold_score``, as ``judging`` does); one message (``_ROUND_TRIP``) then carries two
  transactions: the function stores the review, the item's new state, its final answer, the
  marks, a row appended to each annotator's review record and, when the project's
  ``final_when`` makes the item final (``backend/review/finality.py``), ``ItemsFinal``'s rows
  (pay's work row, ``final_items``), under the locks of the Python path, and commits; the fold
  then adds the annotators' pending records into their state rows (``SKIP LOCKED``, as
  ``backend/assignments/review_record.py``'s ``fold``) and returns them, and Python applies
  rule 5 to what it returned. What blocks goes to the thread pool afterwards, before the answer:
  pay's ledger job when the item became final, the recompute job when the verdict flagged the
  project, a pause. Before, the
  verdict ran in the thread pool on a SQLAlchemy session (``final_when`` read, pay's and
  ``final_items``' statements, the call, the commit, then the fold's ORM transaction): about
  7.8 ms of the API's CPU per review cycle at 32 clients.

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
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from backend import clock, events
from backend.assignments import review_record
from backend.assignments.annotator_states import pause_reason
from backend.assignments.outcomes import HandBack, HandBackReason, NothingLeft
from backend.assignments.pg_path import in_range
from backend.assignments.picking import RECHECKS
from backend.assignments.schemas import next_answer
from backend.assignments.stages import REVIEW
from backend.assignments.submitting import validate_result
from backend.consensus.scheduling import RECOMPUTE_JOB, window_left
from backend.db import get_engine
from backend.kinds import ItemShape, ResultInvalid
from backend.kinds.gold import gold_score
from backend.kinds.registry import KINDS
from backend.pg_pool import current_pool
from backend.queue import enqueue
from backend.review import review_memo
from backend.review.review_memo import ReviewContext
from backend.review.schemas import ConsensusPublic, ReviewedAnnotation, ReviewLease, ReviewPublic
from backend.review.selection import UNBIASED
from backend.review.verdicts import Decision, Verdict

log = logging.getLogger(__name__)

_NEXT = "SELECT * FROM jinbiao_review_next(%s, %s, %s, {roles}, {rechecks}, %s)"
_UNBIASED = sorted(rule.value for rule in UNBIASED)
# The verdict's transaction, then the fold's (``synchronous_commit = off``: all or nothing, and a
# fold lost in a crash leaves its rows pending for the next), sent as one simple-protocol message:
# one round trip, two commits. The stage's constants are written in once (``_round_trip``).
_ROUND_TRIP = (
    "BEGIN; "
    "SELECT * FROM jinbiao_review_submit({{}}::integer, {{}}::integer, {{}}::integer, {roles}, "
    "{{}}::timestamptz, {{}}::text, {{}}::jsonb, {{}}::jsonb, {{}}::text, {{}}::jsonb, "
    "{{}}::jsonb, {{}}::jsonb, {{}}::double precision[], {{}}::jsonb, {{}}::jsonb, {unbiased}, "
    "{{}}::text[]); "
    "COMMIT; "
    "BEGIN; SET LOCAL synchronous_commit = off; "
    "SELECT * FROM jinbiao_review_fold({{}}::integer, {{}}::integer, {{}}::integer[], "
    "{{}}::timestamptz); "
    "COMMIT"
)


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


async def submit_verdict(
    *, review_id: int, user_id: int, generation: int, verdict: Verdict
) -> ReviewPublic | HandBack:
    """Store an accept or a fix and fold the annotators' records in one round trip on the event
    loop's pool; ``HandBack`` (nothing done) for the Python path."""
    pool = current_pool()
    if pool is None:
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
    annotators = sorted({answer[1] for answer in context.answers})
    statement = _round_trip(
        submit=(
            review_id,
            user_id,
            generation,
            now,
            verdict.decision.value,
            Jsonb(final) if verdict.decision is Decision.fix else None,
            Jsonb(list(verdict.reasons)),
            verdict.comment,
            Jsonb(context.answers),
            Jsonb(context.consensus) if context.consensus is not None else None,
            Jsonb(final) if final is not None else None,
            scores,
            Jsonb(context.labels),
            Jsonb(context.reasons),
            _model_kinds(),
        ),
        fold=(review_id, context.project_id, annotators, now),
    )
    try:
        async with pool.connection() as connection:
            cursor = await connection.execute(statement)
            row, folded = await _results(cursor)
    except (OperationalError, PoolTimeout):
        log.warning("hot path unavailable for review submit; taking the thread-pool path")
        return HandBack(HandBackReason.unavailable)
    outcome, project_id, _, rework_round, duration_ms, flagged, started_at, settled = row
    if outcome != "created":
        return HandBack(HandBackReason(outcome))
    due = [user for user, *record in folded if _due(*record)]
    if flagged or settled or due:
        await run_in_threadpool(
            _after_commit,
            project_id=project_id,
            recompute_after=window_left(started_at) if flagged else None,
            settled=[item_id] if settled else [],
            due=due,
        )
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


def _model_kinds() -> list[str]:
    """The kinds with a built-in model (``models.listeners.uses_model``'s first condition, as
    ``models.training.builtin_model`` reads it):
    a verdict of a project that counts final answers for its model takes the Python path."""
    return [name for name, kind in KINDS.items() if kind.model is not None]


@cache
def _round_trip_template() -> sql.SQL:
    def array(values: list[str]) -> str:  # names from the code, not from a request
        assert all(value.isidentifier() for value in values)
        return "ARRAY[" + ", ".join(f"'{value}'" for value in values) + "]::text[]"

    return sql.SQL(
        _ROUND_TRIP.format(roles=array(list(REVIEW.role_names)), unbiased=array(_UNBIASED))
    )


def _round_trip(*, submit: tuple[Any, ...], fold: tuple[Any, ...]) -> sql.Composed:
    """The round trip's message, its values quoted by psycopg (``sql.Literal``) when sent."""
    return _round_trip_template().format(*map(sql.Literal, (*submit, *fold)))


async def _results(cursor: Any) -> tuple[Any, list[Any]]:
    """The submit's row and the fold's rows out of the round trip's results (BEGIN, submit,
    COMMIT, BEGIN, SET, fold, COMMIT)."""
    results: list[Any] = []
    while True:
        if cursor.description is not None:
            results.append(await cursor.fetchall())
        if not cursor.nextset():
            break
    submitted, folded = results
    return submitted[0], folded


def _due(
    folded: bool,
    gold_answered: int,
    gold_correct: float,
    review_answered: int,
    review_correct: float,
    gold_min_count: int,
    min_gold_accuracy: float,
) -> bool:
    """Rule 5 on a record the fold returned (folded, or busy: read without the lock, with what
    is pending)."""
    thresholds = SimpleNamespace(gold_min_count=gold_min_count, min_gold_accuracy=min_gold_accuracy)
    reason = pause_reason(
        project=thresholds,
        answered=gold_answered,
        correct=gold_correct,
        review_answered=review_answered,
        review_correct=review_correct,
    )
    return reason is not None


def _after_commit(
    *, project_id: int, recompute_after: float | None, settled: list[int], due: list[int]
) -> None:
    """What follows a stored verdict, in the thread pool (blocking calls), before it is
    answered: the recompute job when this verdict flagged the project, pay's ledger job when it
    made the item final (``pay.listeners``: sent after the commit), and rule 5 for annotators
    the fold found due — folded again, waiting for the rows another fold holds, then paused
    under the state lock (``review_record.fold_and_pause``)."""
    if recompute_after is not None:
        _send(RECOMPUTE_JOB, project_id, countdown=recompute_after)
    if settled:  # pay sends its ledger job
        events.emit(events.FinalRowsCommitted(project_id=project_id, item_ids=settled))
    if due:
        with Session(get_engine(), expire_on_commit=False) as session:
            review_record.fold_and_pause(session=session, project_id=project_id, user_ids=due)


def _send(name: str, *args: Any, countdown: float | None = None) -> None:
    try:
        enqueue(name, *args, countdown=countdown)
    except Exception:  # as enqueue_after_commit: the sweeps on beat catch up
        log.exception("could not send %s%r after commit; the sweep will catch up", name, args)


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
