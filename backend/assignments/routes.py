"""Distribution endpoints: next, submit, skip, and the counts the labelling UI shows.

``next`` and ``submit`` are the hot path. They take the bearer token through an async
dependency (checked on the event loop, no query) and first try PostgreSQL's one-call functions
on the event loop (``async_path``). Wherever those hand back (SQLite, a paused annotator, a
repeat, a late submit, an error), the request goes once to the thread pool, where the Python
path opens its session itself; the caller's access is checked by the first statement of the work
(see ``leasing.lock_for_next`` and ``submitting.submit_fast``), and only when that finds nothing
do they take the general path, whose answers (401, 404, 403, 409, 422) are those of the shared
dependencies. Answers are serialised by the response models themselves (``model_dump_json``), to
the same JSON that the declared ``response_model`` gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from backend.accounts.deps import Bearer, BearerDep, CurrentUser, SessionDep, resolve_user
from backend.assignments import async_path, leasing, pg_hot_path, skipping, stats, submitting
from backend.assignments.access import LABELLERS
from backend.assignments.models import AnnotatorState
from backend.assignments.schemas import (
    AnnotationPublic,
    GoldFeedbackPublic,
    MyStatsPublic,
    NextAnswer,
    ProgressPublic,
    SkipAnswer,
    SubmitAndNextAnswer,
    SubmitBody,
    next_answer,
)
from backend.db import get_engine
from backend.errors import invalid
from backend.kinds import ResultInvalid
from backend.projects.deps import ProjectMember, load_project_access
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["distribution"], route_class=TransactionEndingRoute)


@contextmanager
def _session() -> Iterator[Session]:
    """The request's session, as ``SessionDep`` gives it, opened inside the endpoint."""
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


def _json(model: BaseModel, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(
        model.model_dump_json(exclude_none=True),
        status_code=status_code,
        media_type="application/json",
    )


def _next_lease(
    *, session: Session, project_id: int, bearer: Bearer
) -> tuple[leasing.Lease | None, str]:
    """The lease ``next`` answers, and the project's kind; the access errors of
    ``ProjectAnnotator`` where the caller may not take one."""
    locked = leasing.lock_for_next(session=session, project_id=project_id, user_id=bearer.user_id)
    if locked is not None:
        lease = leasing.next_assignment(
            session=session, project=locked.project, annotator_id=bearer.user_id, locked=locked
        )
        return lease, locked.project.kind
    session.rollback()  # refused, or no state row yet: the general path
    user = resolve_user(session=session, bearer=bearer)
    access = load_project_access(
        session=session, project_id=project_id, user_id=user.id, allowed=leasing.ANNOTATORS
    )
    lease = leasing.next_assignment(
        session=session, project=access.project, annotator_id=access.user_id
    )
    return lease, access.project.kind


@router.post(
    "/projects/{project_id}/next",
    response_model=NextAnswer,
    response_model_exclude_none=True,
    responses={204: {"description": "nothing is left for this annotator"}},
)
async def next_item(project_id: int, bearer: BearerDep) -> Response:
    """Annotators, owners and managers of the project's organization (403 while paused)."""
    lease = await async_path.next_lease(project_id=project_id, user_id=bearer.user_id)
    if lease is None:
        return await run_in_threadpool(_next_in_thread, project_id, bearer)
    return _next_response(lease)


def _next_in_thread(project_id: int, bearer: Bearer) -> Response:
    with _session() as session:
        lease, kind = _next_lease(session=session, project_id=project_id, bearer=bearer)
    if lease is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return _json(_lease_answer(lease, kind=kind))


def _next_response(lease: pg_hot_path.FastLease | pg_hot_path.NothingLeft) -> Response:
    if isinstance(lease, pg_hot_path.NothingLeft):
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return _json(_fast_lease_answer(lease))


def _fast_lease_answer(lease: pg_hot_path.FastLease) -> NextAnswer:
    return next_answer(
        assignment_id=lease.assignment_id,
        expires_at=lease.expires_at,
        kind=lease.kind,
        item=lease.item,
    )


def _lease_answer(lease: leasing.Lease, *, kind: str) -> NextAnswer:
    return next_answer(
        assignment_id=lease.assignment_id,
        expires_at=lease.expires_at,
        kind=kind,
        item=lease.item,
    )


@router.post(
    "/assignments/{assignment_id}/submit",
    status_code=status.HTTP_201_CREATED,
    response_model=SubmitAndNextAnswer | AnnotationPublic,
    response_model_exclude_none=True,
    responses={200: {"description": "already submitted: the stored annotation"}},
)
async def submit(
    assignment_id: int,
    body: SubmitBody,
    bearer: BearerDep,
    with_next: bool = Query(
        default=False, alias="next", description="also lease the next item (see below)"
    ),
) -> Response:
    """Only the annotator the assignment was leased to (anyone else: 404).

    ``?next=true`` saves the round trip between two items. The submit itself is unchanged (201
    with the new annotation, 200 with the stored one on a repeat, the same errors); once it has
    committed, ``leasing.next_assignment`` runs in a second transaction, exactly as
    ``POST /projects/{project_id}/next`` would, and the answer gains

    * ``next``: the lease that ``/next`` would answer (``assignment_id``, ``expires_at``,
      ``item``, ``prelabel`` when there is one), or ``null`` when nothing is left (where
      ``/next`` answers 204);
    * ``paused_reason``: only when the annotator is paused now (where ``/next`` answers 403);
      ``next`` is then ``null``.

    A repeated submit with ``?next=true`` answers the same lease again: ``next`` hands back a
    live lease the annotator already holds. An error of the submit (404, 409, 422) is answered
    as without ``next``, and no lease is taken.
    """
    try:
        stored = await async_path.submit(
            assignment_id=assignment_id,
            user_id=bearer.user_id,
            result=body.result,
            duration_ms=body.duration_ms,
        )
    except ResultInvalid as exc:
        raise invalid(("result", *exc.loc), exc.msg) from None
    if stored is None:
        return await run_in_threadpool(_submit_in_thread, assignment_id, body, bearer, with_next)
    annotation = _annotation_answer(stored, stored.gold_feedback)
    if not with_next:
        return _json(annotation, status.HTTP_201_CREATED)
    lease = await async_path.next_lease(project_id=stored.project_id, user_id=bearer.user_id)
    if lease is None:  # paused, or no state row: the thread-pool path answers
        return await run_in_threadpool(
            _with_next_in_thread, annotation, status.HTTP_201_CREATED, stored.project_id, bearer
        )
    answer = SubmitAndNextAnswer(
        **annotation.model_dump(),
        next=_fast_lease_answer(lease) if isinstance(lease, pg_hot_path.FastLease) else None,
    )
    return _json(answer, status.HTTP_201_CREATED)


def _annotation_answer(stored: Any, feedback: submitting.GoldFeedback | None) -> AnnotationPublic:
    """The annotation as ``submit`` answers it, from either path's stored row."""
    return AnnotationPublic(
        id=stored.id,
        assignment_id=stored.assignment_id,
        item_id=stored.item_id,
        result=stored.result,
        duration_ms=stored.duration_ms,
        created_at=stored.created_at,
        gold_feedback=GoldFeedbackPublic(**asdict(feedback)) if feedback else None,
    )


def _submit_in_thread(
    assignment_id: int, body: SubmitBody, bearer: Bearer, with_next: bool
) -> Response:
    with _session() as session:
        outcome = submitting.submit_fast(
            session=session,
            assignment_id=assignment_id,
            user_id=bearer.user_id,
            allowed=LABELLERS,
            result=body.result,
            duration_ms=body.duration_ms,
        )
        if outcome is None:  # not a live lease of an active member: the general path
            user = resolve_user(session=session, bearer=bearer)
            outcome = submitting.submit_annotation(
                session=session,
                assignment_id=assignment_id,
                user_id=user.id,
                result=body.result,
                duration_ms=body.duration_ms,
            )
        code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        stored = outcome.annotation
        annotation = _annotation_answer(stored, outcome.gold_feedback)
        if not with_next:
            return _json(annotation, code)
        return _with_next(
            session=session,
            annotation=annotation,
            code=code,
            project_id=stored.project_id,
            bearer=bearer,
        )


def _with_next_in_thread(
    annotation: AnnotationPublic, code: int, project_id: int, bearer: Bearer
) -> Response:
    with _session() as session:
        return _with_next(
            session=session, annotation=annotation, code=code, project_id=project_id, bearer=bearer
        )


def _with_next(
    *, session: Session, annotation: AnnotationPublic, code: int, project_id: int, bearer: Bearer
) -> Response:
    """The answer of ``submit?next=true`` once the submit has committed."""
    try:
        lease, kind = _next_lease(session=session, project_id=project_id, bearer=bearer)
    except HTTPException as exc:
        if exc.status_code != status.HTTP_403_FORBIDDEN:  # next refuses a paused annotator
            raise
        reason = _paused_reason(session=session, project_id=project_id, user_id=bearer.user_id)
        answer = SubmitAndNextAnswer(
            **annotation.model_dump(), next=None, paused_reason=reason or str(exc.detail)
        )
        return _json(answer, code)
    answer = SubmitAndNextAnswer(
        **annotation.model_dump(),
        next=_lease_answer(lease, kind=kind) if lease is not None else None,
    )
    return _json(answer, code)


def _paused_reason(*, session: Session, project_id: int, user_id: int) -> str | None:
    """The reason stored with the annotator's pause, as ``my-stats`` shows it."""
    state = session.get(AnnotatorState, (project_id, user_id))
    return state.paused_reason if state is not None else None


@router.post("/assignments/{assignment_id}/skip", response_model=SkipAnswer)
def skip(assignment_id: int, user: CurrentUser, session: SessionDep) -> SkipAnswer:
    """Only the annotator the assignment was leased to (anyone else: 404)."""
    assignment = skipping.skip_assignment(
        session=session, assignment_id=assignment_id, user_id=user.id
    )
    return SkipAnswer(assignment_id=assignment.id, status=assignment.status)


@router.get("/projects/{project_id}/progress", response_model=ProgressPublic)
def progress(access: ProjectMember, session: SessionDep) -> ProgressPublic:
    """Any member of the project's organization."""
    figures = stats.project_progress(session=session, project_id=access.project.id)
    return ProgressPublic(**asdict(figures))


@router.get("/projects/{project_id}/my-stats", response_model=MyStatsPublic)
def my_stats(access: ProjectMember, session: SessionDep) -> MyStatsPublic:
    """Any member of the project's organization; the figures are the caller's own."""
    figures = stats.my_stats(session=session, project=access.project, annotator_id=access.user_id)
    return MyStatsPublic(**asdict(figures))
