"""Distribution endpoints: next, submit, skip, and the counts the labelling UI shows."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, HTTPException, Query, Response, status
from sqlmodel import Session

from backend.accounts.deps import CurrentUser, SessionDep
from backend.assignments import leasing, skipping, stats, submitting
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
from backend.projects.deps import ProjectAnnotator, ProjectMember
from backend.projects.models import Project

router = APIRouter(tags=["distribution"])


@router.post(
    "/projects/{project_id}/next",
    response_model=NextAnswer,
    response_model_exclude_none=True,
    responses={204: {"description": "nothing is left for this annotator"}},
)
def next_item(access: ProjectAnnotator, session: SessionDep) -> NextAnswer | Response:
    """Annotators, owners and managers of the project's organization (403 while paused)."""
    lease = leasing.next_assignment(
        session=session, project=access.project, annotator_id=access.user_id
    )
    if lease is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return _lease_answer(lease, kind=access.project.kind)


def _lease_answer(lease: leasing.Lease, *, kind: str) -> NextAnswer:
    return next_answer(
        assignment_id=lease.assignment.id,
        expires_at=lease.assignment.expires_at,
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
def submit(
    assignment_id: int,
    body: SubmitBody,
    user: CurrentUser,
    session: SessionDep,
    response: Response,
    with_next: bool = Query(
        default=False, alias="next", description="also lease the next item (see below)"
    ),
) -> SubmitAndNextAnswer | AnnotationPublic:
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
    outcome = submitting.submit_annotation(
        session=session,
        assignment_id=assignment_id,
        user_id=user.id,
        result=body.result,
        duration_ms=body.duration_ms,
    )
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    feedback = outcome.gold_feedback
    annotation = AnnotationPublic(
        **outcome.annotation.model_dump(
            include={"id", "assignment_id", "item_id", "result", "duration_ms", "created_at"}
        ),
        gold_feedback=GoldFeedbackPublic(**asdict(feedback)) if feedback else None,
    )
    if not with_next:
        return annotation
    project = session.get(Project, outcome.annotation.project_id)
    try:
        lease = leasing.next_assignment(session=session, project=project, annotator_id=user.id)
    except HTTPException as exc:
        if exc.status_code != status.HTTP_403_FORBIDDEN:  # next refuses only a paused annotator
            raise
        reason = _paused_reason(session=session, project_id=project.id, user_id=user.id)
        return SubmitAndNextAnswer(
            **annotation.model_dump(), next=None, paused_reason=reason or str(exc.detail)
        )
    return SubmitAndNextAnswer(
        **annotation.model_dump(),
        next=_lease_answer(lease, kind=project.kind) if lease is not None else None,
    )


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
