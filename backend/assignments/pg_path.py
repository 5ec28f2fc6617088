"""The first path of ``next`` and ``submit``: PostgreSQL's one-call functions, on the event loop.

It hands back (``HandBack``, nothing done) for a stage the functions do not serve (review runs
on the Python paths with the same locks), on SQLite (no pool), for ids outside PostgreSQL's
``integer``, for every case the functions hand back (``pg_functions``), and when the pool cannot
reach the database (``OperationalError``, ``PoolTimeout``: the thread-pool paths reconnect through
the engine's pre-ping). What follows a stored submit — sending the project's recompute job,
pausing an annotator whose gold record says so (rule 5, ``annotator_states``) — happens here
too, before the answer, in the thread pool because both are blocking calls.
"""

from __future__ import annotations

import logging

from psycopg import OperationalError
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from backend import clock, events
from backend.assignments import pg_functions
from backend.assignments.annotator_states import pause_if_due_by_id, pause_reason
from backend.assignments.outcomes import HandBack, HandBackReason, Leased, NothingLeft, Stored
from backend.assignments.stages import Stage, StageRules
from backend.assignments.submitting import Answer
from backend.db import get_engine
from backend.errors import invalid
from backend.kinds import ResultInvalid
from backend.pg_pool import current_pool
from backend.projects.models import Project

log = logging.getLogger(__name__)

_INT4 = 2**31

# The stages ``jinbiao_next`` / ``jinbiao_submit`` serve; review has its own functions, called
# by ``backend/review/pg_review.py`` before ``dispatch`` (``backend/assignments/stages.py``).
FUNCTION_STAGES = frozenset({Stage.annotate})


def in_range(*ids: int) -> bool:
    """Whether every id fits PostgreSQL's ``integer`` (others take the general path's answer)."""
    return all(0 < value < _INT4 for value in ids)


def _pool(rules: StageRules, *ids: int) -> AsyncConnectionPool | HandBack:
    """This loop's pool, or why this path cannot answer."""
    if rules.stage not in FUNCTION_STAGES:
        return HandBack(HandBackReason.python_stage)
    pool = current_pool()
    if pool is None:
        return HandBack(HandBackReason.no_pool)
    if not in_range(*ids):
        return HandBack(HandBackReason.id_out_of_range)
    return pool


async def next_lease(
    *, rules: StageRules, project_id: int, user_id: int, generation: int
) -> Leased | NothingLeft | HandBack:
    pool = _pool(rules, project_id, user_id)
    if isinstance(pool, HandBack):
        return pool
    try:
        return await pg_functions.next_lease(
            pool,
            rules=rules,
            project_id=project_id,
            user_id=user_id,
            generation=generation,
            now=clock.now(),
        )
    except (OperationalError, PoolTimeout):
        log.warning("hot path unavailable for next; taking the thread-pool path", exc_info=True)
        return HandBack(HandBackReason.unavailable)


async def submit(
    *, rules: StageRules, assignment_id: int, user_id: int, generation: int, answer: Answer
) -> Stored | HandBack:
    """The stored annotation, its follow-ups done; 422 for a result the kind refuses."""
    pool = _pool(rules, assignment_id, user_id)
    if isinstance(pool, HandBack):
        return pool
    try:
        outcome = await pg_functions.submit(
            pool,
            rules=rules,
            assignment_id=assignment_id,
            user_id=user_id,
            generation=generation,
            answer=answer,
            now=clock.now(),
        )
    except (OperationalError, PoolTimeout):
        log.warning("hot path unavailable for submit; taking the thread-pool path", exc_info=True)
        return HandBack(HandBackReason.unavailable)
    except ResultInvalid as exc:
        raise invalid(("result", *exc.loc), exc.msg) from None
    if isinstance(outcome, HandBack):
        return outcome
    stored = outcome.stored
    if outcome.flagged:  # sends a job to the broker, once per project and window
        flagged = events.RecomputeFlagged(
            project_id=stored.project_id, started_at=outcome.started_at
        )
        await run_in_threadpool(events.emit, flagged)
    if _pauses(outcome.gold_record):
        await run_in_threadpool(_pause, stored.project_id, user_id)
    return stored


def _pauses(record: pg_functions.GoldRecord | None) -> bool:
    return (
        record is not None
        and record.status == "active"
        and pause_reason(project=record, answered=record.answered, correct=record.correct)
        is not None
    )


def _pause(project_id: int, user_id: int) -> None:
    with Session(get_engine(), expire_on_commit=False) as session:
        project = session.get(Project, project_id)
        if project is not None:
            pause_if_due_by_id(session=session, project=project, user_id=user_id)
