"""``next`` and ``submit`` on PostgreSQL: one function call each, awaited on the event loop.

The rules live twice, on purpose and nowhere else: in Python (``leasing``, ``picking``,
``submitting``: SQLite, and every case below hands back) and in the PL/pgSQL functions of
revision 0008 (``jinbiao_next``, ``jinbiao_submit``; first written in 0007), which run the same
statements with the same locks inside PostgreSQL. The whole test suite runs on both databases.
What the functions do not settle they hand back, and the caller then takes the Python path in the
thread pool, which gives every other answer (401, 403, 404, 409, 422, a repeat's 200):

* ``next``: ``lease``, ``held`` and ``none`` are answered here; ``refused`` (no state row yet, or
  a caller who may not work here) and ``paused`` are handed back.
* ``submit``: a live lease whose result is valid is stored here, gold items included (scored
  here against the known answer, counted on the annotator's state row by the function); a
  repeat, a skipped, foreign or late assignment is handed back. The result is validated in
  Python first (``submitting.validate_result``) against the lease's context: kept from its
  ``next`` in this process (``lease_memo``), or else read without locks. The function then locks
  the assignment and the item and rechecks what Python relied on (whether the item is gold, the
  project's labels, the gold answer); the kind and the item's size and text never change.

Why: on 2 CPUs a cycle (``next`` + ``submit``) cost the API about 8 ms of CPU through a thread
hop, a SQLAlchemy session and eleven round trips, against about 3 ms in PostgreSQL
(``tests/benchmarks/results/distribution.md``). A gold submit on the thread-pool path cost about
ten times a normal one, so at a gold rate of 0.1 it alone added 40% to the API's CPU per cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from backend.assignments import lease_memo
from backend.assignments.lease_memo import SubmitContext
from backend.assignments.submitting import GoldFeedback, validate_result
from backend.kinds import ItemShape, ResultInvalid
from backend.kinds.gold import gold_score, is_correct

_NEXT = "SELECT * FROM jinbiao_next(%s, %s, %s)"
_SUBMIT = "SELECT * FROM jinbiao_submit(%s, %s, %s, %s, %s, %s, %s, %s, %s)"
_SUBMIT_CONTEXT = """
SELECT a.status, m.role, i.is_gold, p.kind, p.labels, i.width, i.height, char_length(i.text),
       g.answer
FROM assignments a
JOIN items i ON i.id = a.item_id
JOIN projects p ON p.id = a.project_id
JOIN memberships m ON m.org_id = p.org_id AND m.user_id = a.annotator_id
JOIN users u ON u.id = a.annotator_id AND u.is_active
LEFT JOIN gold_answers g ON g.item_id = i.id
WHERE a.id = %s AND a.annotator_id = %s
"""
_ROLES = frozenset({"annotator", "manager", "owner"})
_INT4 = 2**31


@dataclass(frozen=True)
class FastLease:
    """A lease as ``leasing.Lease`` carries it, with the project's kind."""

    assignment_id: int
    expires_at: datetime
    kind: str
    item: SimpleNamespace  # id, text, media_key, width, height, prelabel


@dataclass(frozen=True)
class NothingLeft:
    """Nothing is left for this annotator (``next`` answers 204)."""


@dataclass(frozen=True)
class GoldRecord:
    """The annotator's gold counts right after this gold answer, and what rule 5 reads."""

    answered: int
    correct: float
    status: str
    gold_min_count: int
    min_gold_accuracy: float


@dataclass(frozen=True)
class FastSubmit:
    """The stored annotation (the fields ``AnnotationPublic`` shows) and what follows from it."""

    id: int
    assignment_id: int
    project_id: int
    item_id: int
    result: dict[str, Any]
    duration_ms: int
    created_at: datetime
    flagged: bool  # this submit set the project's recompute flag
    started_at: datetime | None  # when the project's last recompute started
    gold_feedback: GoldFeedback | None = None
    gold_record: GoldRecord | None = None


def in_range(*ids: int) -> bool:
    """Whether every id fits PostgreSQL's ``integer`` (others take the general path's answer)."""
    return all(0 < value < _INT4 for value in ids)


async def next_lease(
    pool: AsyncConnectionPool, *, project_id: int, user_id: int, now: datetime
) -> FastLease | NothingLeft | None:
    """The caller's lease, ``NothingLeft``, or None when the Python path must answer."""
    async with pool.connection() as connection:
        cursor = await connection.execute(_NEXT, (project_id, user_id, now))
        row = await cursor.fetchone()
    outcome = row[0] if row else None
    if outcome == "none":
        return NothingLeft()
    if outcome not in ("lease", "held"):
        return None
    _, assignment_id, expires_at, kind, item_id, text, media_key, width, height, *rest = row
    prelabel, is_gold, labels, gold_answer = rest
    length = len(text) if text is not None else None
    context = SubmitContext(is_gold, kind, labels, width, height, length, gold_answer)
    lease_memo.remember(assignment_id=assignment_id, user_id=user_id, context=context)
    item = SimpleNamespace(
        id=item_id, text=text, media_key=media_key, width=width, height=height, prelabel=prelabel
    )
    return FastLease(assignment_id, expires_at, kind, item)


async def submit(
    pool: AsyncConnectionPool,
    *,
    assignment_id: int,
    user_id: int,
    result: Any,
    duration_ms: int,
    now: datetime,
) -> FastSubmit | None:
    """Store a valid result of a live lease; None when the Python path must answer.

    Raises ``ResultInvalid`` (the caller answers 422) for a result the kind refuses.
    """
    remembered = lease_memo.take(assignment_id=assignment_id, user_id=user_id)
    async with pool.connection() as connection:
        context = remembered or await _read_context(connection, assignment_id, user_id)
        if context is None:
            return None
        try:
            normalised = validate_result(
                project=context,
                item=ItemShape(context.width, context.height, text_length=context.text_length),
                result=result,
            )
        except ResultInvalid:
            if remembered is None:  # read just now: a live lease of an active member
                raise
            return None  # perhaps a repeat or a skipped lease: the Python path's order of answers
        feedback = None
        expected = context.gold_answer
        if context.is_gold and expected is not None:
            score = gold_score(context.kind, normalised, expected)
            feedback = GoldFeedback(correct=is_correct(score), score=score, expected=expected)
        cursor = await connection.execute(
            _SUBMIT,
            (
                assignment_id,
                user_id,
                Jsonb(normalised),
                duration_ms,
                now,
                context.is_gold,
                Jsonb(context.labels),
                Jsonb(expected) if expected is not None else None,
                feedback.score if feedback else None,
            ),
        )
        row = await cursor.fetchone()
    if row is None or row[0] != "created":
        return None
    _, annotation_id, project_id, item_id, flagged, started_at, *gold = row
    answered, correct, state, gold_min_count, min_gold_accuracy = gold
    record = None
    if feedback is not None:
        record = GoldRecord(answered, correct, state, gold_min_count, min_gold_accuracy)
    return FastSubmit(
        id=annotation_id,
        assignment_id=assignment_id,
        project_id=project_id,
        item_id=item_id,
        result=normalised,
        duration_ms=duration_ms,
        created_at=now,
        flagged=flagged,
        started_at=started_at,
        gold_feedback=feedback,
        gold_record=record,
    )


async def _read_context(
    connection: AsyncConnection, assignment_id: int, user_id: int
) -> SubmitContext | None:
    """The lease's context read without locks; None unless it is a live lease of a member."""
    cursor = await connection.execute(_SUBMIT_CONTEXT, (assignment_id, user_id))
    row = await cursor.fetchone()
    if row is None:
        return None
    status, role, *context = row
    if status != "leased" or role not in _ROLES:
        return None
    return SubmitContext(*context)
