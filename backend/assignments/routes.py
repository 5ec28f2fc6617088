"""Distribution endpoints: next, submit, skip, and the counts the labelling UI shows.

``next`` and ``submit`` are the hot path: they take the bearer token through an async dependency
(checked on the event loop, no query) and leave the rest to ``dispatch``, which tries the paths in
order and answers with a value that ``answers`` turns into the response.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Query, Response, status

from backend.accounts.deps import BearerDep, CurrentUser, SessionDep
from backend.assignments import answers, dispatch, lease_notes, skipping, stats
from backend.assignments.outcomes import Leased, WithNext
from backend.assignments.schemas import (
    AnnotationPublic,
    MyStatsPublic,
    NextAnswer,
    PausePublic,
    ProgressPublic,
    SkipAnswer,
    SubmitAndNextAnswer,
    SubmitBody,
)
from backend.assignments.stages import ANNOTATE, Stage
from backend.assignments.submitting import Answer
from backend.projects.deps import ProjectMember
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["distribution"], route_class=TransactionEndingRoute)


@router.post(
    "/projects/{project_id}/next",
    response_model=NextAnswer,
    response_model_exclude_none=True,
    responses={204: {"description": "nothing is left for this annotator"}},
)
async def next_item(project_id: int, bearer: BearerDep) -> Response:
    """Annotators, owners and managers of the project's organization (403 while paused)."""
    outcome = await dispatch.next_lease(stage=Stage.annotate, project_id=project_id, bearer=bearer)
    notes = None
    if isinstance(outcome, Leased):
        notes = await lease_notes.notes_for(project_id=project_id, lease=outcome)
    return answers.next_response(outcome, notes)


@router.post(
    "/assignments/{assignment_id}/submit",
    status_code=status.HTTP_201_CREATED,
    response_model=SubmitAndNextAnswer | AnnotationPublic,
    response_model_exclude_none=True,
    responses={
        200: {"description": "already submitted with this same result: the stored annotation"},
        409: {
            "description": "`already_submitted`: submitted before with another result; the "
            "answer's `correction_url` is the route that changes it"
        },
    },
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

    A repeated submit with the same result is a retry: 200 with the stored annotation. With
    another result it is refused, 409 ``already_submitted`` (``correction_url``: ``PATCH
    /annotations/{annotation_id}`` changes an answer while its item is not final).

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
    outcome = await dispatch.submit(
        stage=Stage.annotate,
        assignment_id=assignment_id,
        bearer=bearer,
        answer=Answer(body.result, body.duration_ms),
        with_next=with_next,
    )
    notes = None
    if isinstance(outcome, WithNext) and isinstance(outcome.next, Leased):
        notes = await lease_notes.notes_for(
            project_id=outcome.submitted.project_id, lease=outcome.next
        )
    return answers.submit_response(outcome, notes)


@router.post("/assignments/{assignment_id}/skip", response_model=SkipAnswer)
def skip(assignment_id: int, user: CurrentUser, session: SessionDep) -> SkipAnswer:
    """Only the annotator the assignment was leased to (anyone else: 404)."""
    assignment = skipping.skip_assignment(
        session=session, rules=ANNOTATE, assignment_id=assignment_id, user_id=user.id
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
    paused = figures.status == "paused"
    return MyStatsPublic(
        **asdict(figures), pause=PausePublic.of(figures.paused_reason) if paused else None
    )
