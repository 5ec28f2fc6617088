"""The first try of ``next`` and ``submit``: PostgreSQL's one-call functions, on the event loop.

Each function here answers None whenever the thread-pool path must answer instead: on SQLite
(no pool), for ids outside PostgreSQL's ``integer``, for every case the functions hand back
(``backend/assignments/pg_hot_path.py``), and when the pool cannot reach the database (the
engine's path reconnects with its pre-ping). What follows a stored submit — sending the
project's recompute job, pausing an annotator whose gold record says so — happens here too,
before the answer, in the thread pool because both are blocking calls.
"""

from __future__ import annotations

import logging

from psycopg import OperationalError
from psycopg_pool import PoolTimeout
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from backend import clock, events
from backend.assignments import pg_hot_path
from backend.assignments.annotator_states import pause_if_due_by_id, pause_reason
from backend.db import get_engine
from backend.pg_pool import current_pool
from backend.projects.models import Project

log = logging.getLogger(__name__)


async def next_lease(
    *, project_id: int, user_id: int
) -> pg_hot_path.FastLease | pg_hot_path.NothingLeft | None:
    """The caller's lease or ``NothingLeft``; None where the thread-pool path must answer."""
    pool = current_pool()
    if pool is None or not pg_hot_path.in_range(project_id, user_id):
        return None
    try:
        return await pg_hot_path.next_lease(
            pool, project_id=project_id, user_id=user_id, now=clock.now()
        )
    except (OperationalError, PoolTimeout):
        log.warning("hot path unavailable for next; taking the thread-pool path", exc_info=True)
        return None


async def submit(
    *, assignment_id: int, user_id: int, result: object, duration_ms: int
) -> pg_hot_path.FastSubmit | None:
    """The stored annotation; None where the thread-pool path must answer.

    Raises ``ResultInvalid`` for a result the kind refuses (the caller answers 422).
    """
    pool = current_pool()
    if pool is None or not pg_hot_path.in_range(assignment_id, user_id):
        return None
    try:
        stored = await pg_hot_path.submit(
            pool,
            assignment_id=assignment_id,
            user_id=user_id,
            result=result,
            duration_ms=duration_ms,
            now=clock.now(),
        )
    except (OperationalError, PoolTimeout):
        log.warning("hot path unavailable for submit; taking the thread-pool path", exc_info=True)
        return None
    if stored is None:
        return None
    if stored.flagged:  # sends a job to the broker, once per project and window
        flagged = events.RecomputeFlagged(
            project_id=stored.project_id, started_at=stored.started_at
        )
        await run_in_threadpool(events.emit, flagged)
    if _pauses(stored.gold_record):
        await run_in_threadpool(_pause, stored.project_id, user_id)
    return stored


def _pauses(record: pg_hot_path.GoldRecord | None) -> bool:
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
