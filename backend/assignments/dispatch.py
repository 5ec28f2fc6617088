"""``next`` and ``submit`` of any stage: the one dispatcher over the three paths.

The paths, fastest first (``PATHS``); each answers with an outcome (``outcomes``) or hands back,
with nothing done, to the next one:

1. ``pg_path``: PostgreSQL's one-call functions, awaited on the event loop. Hands back on SQLite,
   when the pool is unreachable, and for every case the functions leave to Python.
2. ``fast_path``: plain statements in the thread pool. The caller's access is checked by the
   first statement of the work (``leasing.lock_for_next``, the read of ``fast_path.submit``);
   hands back when that finds nothing (no state row yet, a repeat, a refused caller).
3. ``general_path``: in the same thread-pool slot and session, the answers of the shared
   dependencies (401, 404, 403, 409, 422) and the same services.

The thread-pool hop: paths 2 and 3 of one request run in one slot, on a session opened and
closed in that slot (``_session``), so no transaction is carried across a hop; on SQLite an open
transaction holds the database's write lock, and one carried into a slot that waits for a free
slot stalls the process once every slot waits for the lock (``backend/routing.py``,
``backend/db.py``). The outcomes that leave the slot are plain values.

A repeat (the assignment was submitted before) is settled by the general path on every path and
checked against the body here (``repeats``): the same answer is a retry (200), another answer
409 ``already_submitted`` naming the correction route.

``submit?next=true``: the submit commits first; then ``next`` runs as ``/next`` would, on the
event loop when the submit did, else in the submit's own slot and session. A pause there is not
a 403 but ``Paused`` in the answer (``WithNext``); an error of the submit is answered as without
``next``, and no lease is taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException, status
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from backend.accounts.deps import Bearer
from backend.assignments import fast_path, general_path, pg_path, repeats
from backend.assignments.outcomes import (
    HandBack,
    NextOutcome,
    Path,
    Paused,
    Repeat,
    Stored,
    SubmitOutcome,
    WithNext,
)
from backend.assignments.stages import Stage, StageRules, rules_for
from backend.assignments.submitting import Answer
from backend.db import get_engine

PATHS = (Path.postgresql_function, Path.fast, Path.general)


async def next_lease(*, stage: Stage, project_id: int, bearer: Bearer) -> NextOutcome:
    """The caller's lease of ``stage`` in the project, ``NothingLeft`` or ``Paused``."""
    rules = rules_for(stage)
    outcome = await pg_path.next_lease(
        rules=rules, project_id=project_id, user_id=bearer.user_id, generation=bearer.generation
    )
    if isinstance(outcome, HandBack):
        return await run_in_threadpool(_next_in_thread, rules, project_id, bearer)
    return outcome


async def submit(
    *,
    stage: Stage,
    assignment_id: int,
    bearer: Bearer,
    answer: Answer,
    with_next: bool,
) -> SubmitOutcome:
    """``Stored`` or ``Repeat``; with ``with_next``, ``WithNext`` after the submit's commit."""
    rules = rules_for(stage)
    stored = await pg_path.submit(
        rules=rules,
        assignment_id=assignment_id,
        user_id=bearer.user_id,
        generation=bearer.generation,
        answer=answer,
    )
    if isinstance(stored, HandBack):
        return await run_in_threadpool(
            _submit_in_thread, rules, assignment_id, bearer, answer, with_next
        )
    if not with_next:
        return stored
    following = await pg_path.next_lease(
        rules=rules,
        project_id=stored.project_id,
        user_id=bearer.user_id,
        generation=bearer.generation,
    )
    if isinstance(following, HandBack):
        following = await run_in_threadpool(
            _next_after_submit_in_thread, rules, stored.project_id, bearer
        )
    return WithNext(stored, following)


@contextmanager
def _session() -> Iterator[Session]:
    """The request's session, as ``SessionDep`` gives it, opened inside the thread-pool slot."""
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


def _next_in_thread(rules: StageRules, project_id: int, bearer: Bearer) -> NextOutcome:
    with _session() as session:
        return _python_next(session=session, rules=rules, project_id=project_id, bearer=bearer)


def _python_next(
    *, session: Session, rules: StageRules, project_id: int, bearer: Bearer
) -> NextOutcome:
    """Paths 2 and 3 of ``next``."""
    outcome = fast_path.next_lease(
        session=session,
        rules=rules,
        project_id=project_id,
        user_id=bearer.user_id,
        generation=bearer.generation,
    )
    if isinstance(outcome, HandBack):
        return general_path.next_lease(
            session=session, rules=rules, project_id=project_id, bearer=bearer
        )
    return outcome


def _submit_in_thread(
    rules: StageRules, assignment_id: int, bearer: Bearer, answer: Answer, with_next: bool
) -> SubmitOutcome:
    """Paths 2 and 3 of ``submit``, then ``next`` in the same slot and session."""
    with _session() as session:
        both = {
            "session": session,
            "rules": rules,
            "assignment_id": assignment_id,
            "answer": answer,
        }
        stored: Stored | Repeat | HandBack = fast_path.submit(
            **both, user_id=bearer.user_id, generation=bearer.generation
        )
        if isinstance(stored, HandBack):
            stored = general_path.submit(**both, bearer=bearer)
        if isinstance(stored, Repeat):  # the same answer again, or 409 already_submitted
            repeats.refuse_if_different(session=session, repeat=stored, sent=answer.result)
        if not with_next:
            return stored
        following = _next_after_submit(
            session=session, rules=rules, project_id=stored.project_id, bearer=bearer
        )
        return WithNext(stored, following)


def _next_after_submit_in_thread(rules: StageRules, project_id: int, bearer: Bearer) -> NextOutcome:
    with _session() as session:
        return _next_after_submit(
            session=session, rules=rules, project_id=project_id, bearer=bearer
        )


def _next_after_submit(
    *, session: Session, rules: StageRules, project_id: int, bearer: Bearer
) -> NextOutcome:
    """``next`` once a submit has committed: where ``/next`` would refuse the caller with 403
    (their role no longer allows it), the answer says so as a pause, with the stored reason."""
    try:
        return _python_next(session=session, rules=rules, project_id=project_id, bearer=bearer)
    except HTTPException as exc:
        if exc.status_code != status.HTTP_403_FORBIDDEN:
            raise
        reason = general_path.stored_pause_reason(
            session=session, project_id=project_id, user_id=bearer.user_id
        )
        return Paused(reason, str(exc.detail))
