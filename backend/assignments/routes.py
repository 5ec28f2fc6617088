"""Distribution endpoints: next, submit, skip, and the counts the labelling UI shows."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Response, status

from backend.accounts.deps import CurrentUser, SessionDep
from backend.assignments import leasing, skipping, stats, submitting
from backend.assignments.schemas import (
    AnnotationPublic,
    GoldFeedbackPublic,
    MyStatsPublic,
    NextAnswer,
    ProgressPublic,
    SkipAnswer,
    SubmitBody,
    next_answer,
)
from backend.projects.deps import ProjectAnnotator, ProjectMember

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
    return next_answer(
        assignment_id=lease.assignment.id,
        expires_at=lease.assignment.expires_at,
        kind=access.project.kind,
        item=lease.item,
    )


@router.post(
    "/assignments/{assignment_id}/submit",
    status_code=status.HTTP_201_CREATED,
    response_model=AnnotationPublic,
    response_model_exclude_none=True,
    responses={200: {"description": "already submitted: the stored annotation"}},
)
def submit(
    assignment_id: int,
    body: SubmitBody,
    user: CurrentUser,
    session: SessionDep,
    response: Response,
) -> AnnotationPublic:
    """Only the annotator the assignment was leased to (anyone else: 404)."""
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
    return AnnotationPublic(
        **outcome.annotation.model_dump(
            include={"id", "assignment_id", "item_id", "result", "duration_ms", "created_at"}
        ),
        gold_feedback=GoldFeedbackPublic(**asdict(feedback)) if feedback else None,
    )


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
