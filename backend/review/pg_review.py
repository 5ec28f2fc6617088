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
* ``submit`` (``sql/jinbiao_review_submit.sql``), awaited on the event loop: Python validates
  the verdict and scores the annotations (the kind's ``gold_score``, as ``judging`` does); one
  prepared statement, in a transaction of its own, stores the review, the item's new state, its
  final answer, the marks, a row appended to each annotator's review record and, when the
  project's ``final_when`` makes the item final (``backend/review/finality.py``),
  ``ItemsFinal``'s rows (pay's work row, ``final_items``), under the locks of the Python path,
  and commits. It returns the judged annotators' records with what is pending counted in, and
  Python applies rule 5 to them. The pending rows are folded into the state rows
  (``sql/jinbiao_review_fold.sql``, ``SKIP LOCKED``, as
  ``backend/assignments/review_record.py``'s ``fold``) only by the verdict that brings an
  annotator to ``FOLD_AT`` of them (any verdict from twice that on), in a second round trip
  made after the answer is sent (the request's background task, ``_fold_after_answer``: rule 5
  on the verdict's own records does not wait for it). What blocks goes to the thread pool
  afterwards, before the answer, and is rare: pay's ledger job when this verdict set the
  project's due flag (``backend/pay/due.py``), the recompute job when it flagged the project,
  a pause.

  Before, the fold's round trip (12.6 % of the verdicts at 32 reviewers) was made before the
  answer; before revision 0028 every verdict was followed by the fold's transaction in the same
  round trip, and every verdict that made an item final sent pay's job from the thread pool;
  before that (up to 0025) the verdict ran in the thread pool on a SQLAlchemy session.

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
from starlette.background import BackgroundTasks
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
# The verdict: one statement in a transaction of its own (the pool's connections autocommit),
# sent with its values as parameters (psycopg prepares it after a few calls). The stage's
# constants are written in once (``_submit_statement``).
_SUBMIT = (
    "SELECT * FROM jinbiao_review_submit(%s, %s, %s, {roles}, %s, %s, %s, %s, %s, %s, %s, %s, "
    "%s, %s, %s, {unbiased}, {model_kinds}, %s)"
)
# The fold, when the verdict says an annotator's pending rows reached ``FOLD_AT``
# (``synchronous_commit = off``: all or nothing, and a fold lost in a crash leaves its rows
# pending for the next). One simple-protocol message: one round trip.
_FOLD = (
    "BEGIN; SET LOCAL synchronous_commit = off; "
    "SELECT * FROM jinbiao_review_fold({}::integer, {}::integer, {}::integer[], {}::timestamptz); "
    "COMMIT"
)
# Pending review records per annotator at which a verdict has them folded into the state row
# (the verdict that brings an annotator to it; any verdict from twice that on): each verdict
# reads them back (rule 5 counts them), so a few, but a fold per verdict was a transaction of
# its own (locks, delete, update, commit) on both sides.
FOLD_AT = 16


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
    *, review_id: int, user_id: int, generation: int, verdict: Verdict, later: BackgroundTasks
) -> ReviewPublic | HandBack:
    """Store an accept or a fix in one round trip on the event loop's pool; ``HandBack``
    (nothing done) for the Python path. When enough of the annotators' records are pending, a
    fold is added to ``later`` (the request's background tasks: run once the answer is sent)."""
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
    arguments = (
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
        FOLD_AT,
    )
    try:
        async with pool.connection() as connection:
            cursor = await connection.execute(_submit_statement(), arguments)
            row = await cursor.fetchone()
            assert row is not None
            outcome, project_id, _, rework_round, duration_ms, flagged, started_at = row[:7]
            ledger, users, records, thresholds, fold = (*row[7:9], row[9:13], row[13:15], row[15])
    except (OperationalError, PoolTimeout):
        log.warning("hot path unavailable for review submit; taking the thread-pool path")
        return HandBack(HandBackReason.unavailable)
    if outcome != "created":
        return HandBack(HandBackReason(outcome))
    due = _due_users(users, records, thresholds)
    if fold:  # after the answer is sent (see ``_fold_after_answer``)
        annotators = sorted({answer[1] for answer in context.answers})
        later.add_task(
            _fold_after_answer,
            pool=pool,
            review_id=review_id,
            project_id=project_id,
            annotators=annotators,
            now=now,
            paused=due,
        )
    if flagged or ledger or due:
        await run_in_threadpool(
            _after_commit,
            project_id=project_id,
            recompute_after=window_left(started_at) if flagged else None,
            settled=[item_id] if ledger else [],
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
def _submit_statement() -> str:
    def array(values: list[str]) -> str:  # names from the code, not from a request
        assert all(value.isidentifier() for value in values)
        return "ARRAY[" + ", ".join(f"'{value}'" for value in values) + "]::text[]"

    return _SUBMIT.format(
        roles=array(list(REVIEW.role_names)),
        unbiased=array(_UNBIASED),
        model_kinds=array(_model_kinds()),
    )


async def _fold_after_answer(
    *,
    pool: AsyncConnectionPool,
    review_id: int,
    project_id: int,
    annotators: list[int],
    now: datetime,
    paused: list[int],
) -> None:
    """The fold a verdict asked for, run after its answer was sent (results/review.md, step 8).

    Rule 5 does not wait for it: the verdict's own records (state row plus every pending row it
    could see, its own included) were judged before the answer (``_due_users``), exactly what the
    fold would fold for this verdict. What the fold can add is the rows of verdicts that
    committed after this one's read: those verdicts judged their own records before their own
    answers, so an annotator the fold alone finds due owes it to a race between verdicts, whose
    order the answers never promised. Such an annotator is paused here, after the answer, as
    before (``fold_and_pause``, in the thread pool); one already paused by the verdict is not
    paused twice. A failure is logged (``_fold``): the rows stay pending for the next fold."""
    found = await _fold(pool, review_id, project_id, annotators, now)
    due = sorted(set(found) - set(paused))
    if due:
        await run_in_threadpool(
            _after_commit, project_id=project_id, recompute_after=None, settled=[], due=due
        )


async def _fold(
    pool: AsyncConnectionPool,
    review_id: int,
    project_id: int,
    annotators: list[int],
    now: datetime,
) -> list[int]:
    """``jinbiao_review_fold`` in a transaction of its own, in one round trip; the annotators
    rule 5 pauses on the records it returned. A failure is logged, not raised, as
    ``review_record.fold_after_commit`` does: the verdict is stored, and the rows stay pending
    for the next fold (rule 5 counts them meanwhile)."""
    statement = sql.SQL(_FOLD).format(*map(sql.Literal, (review_id, project_id, annotators, now)))
    rows: list[Any] = []
    try:
        async with pool.connection() as connection:
            cursor = await connection.execute(statement)
            while True:
                if cursor.description is not None:
                    rows.extend(await cursor.fetchall())
                if not cursor.nextset():
                    break
    except Exception:
        log.exception("folding review records of project %s failed; left pending", project_id)
        return []
    return [user for user, *record in rows if _due(*record)]


def _due_users(
    users: list[int] | None, records: tuple[Any, ...], thresholds: tuple[Any, ...]
) -> list[int]:
    """The annotators the verdict returned (active, pending rows counted in) whom rule 5
    pauses."""
    if not users:
        return []
    return [
        user
        for user, *record in zip(users, *records, strict=True)
        if _due(True, *record, *thresholds)
    ]


def _due(
    folded: bool,
    gold_answered: int,
    gold_correct: float,
    review_answered: int,
    review_correct: float,
    gold_min_count: int,
    min_gold_accuracy: float,
) -> bool:
    """Rule 5 on a record the verdict or the fold returned (read without the lock, with what is
    pending counted in, or just folded)."""
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
    set pay's due flag (``pay.listeners``: sent after the commit), and rule 5 for annotators
    found due — folded, waiting for the rows another fold holds, then paused under the state
    lock (``review_record.fold_and_pause``)."""
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
