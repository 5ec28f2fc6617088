"""Review (质检) endpoints: the reviewer's queue, verdicts, and the review figures.

``review/next`` takes the bearer token on the event loop like the annotators' ``next`` and
leaves the rest to the one lease machinery (``leases``); the submit serves every judged stage
(``verdicts``), review now and acceptance by lot when that domain registers its step.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Query, Response, status

from backend.accounts.deps import Bearer, BearerDep, SessionDep
from backend.assignments.schemas import PausePublic
from backend.assignments.stages import Stage
from backend.errors import ApiError
from backend.pagination import Page, page_headers
from backend.projects.deps import ProjectStaff
from backend.review import figures, leases, service
from backend.review.schemas import (
    ReviewFigures,
    ReviewLease,
    ReviewPublic,
    ReviewWithNext,
    VerdictBody,
)
from backend.review.submitting import submit_on_any_path
from backend.review.verdicts import Decision, Verdict
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["review"], route_class=TransactionEndingRoute)


@router.post(
    "/projects/{project_id}/review/next",
    response_model=ReviewLease,
    responses={204: {"description": "nothing waits for review"}},
)
async def review_next(project_id: int, bearer: BearerDep) -> Response:
    """Reviewers, managers and owners of the project's organization: the next item waiting in
    review, never one they annotated and never one another reviewer holds; 204 when none."""
    return await leases.next_review(project_id=project_id, bearer=bearer)


@router.post(
    "/reviews/{review_id}/submit",
    status_code=status.HTTP_201_CREATED,
    response_model=ReviewWithNext,
    responses={
        200: {"description": "already submitted: the stored verdict"},
        409: {
            "description": "`already_judged`: judged before with another verdict (not stored); "
            "`review_expired`, `review_skipped`"
        },
    },
)
async def review_submit(
    review_id: int,
    body: VerdictBody,
    bearer: BearerDep,
    background: BackgroundTasks,
    with_next: bool = Query(
        default=False, alias="next", description="also lease the next item to review"
    ),
) -> Response:
    """Only the person the review lease was given to (anyone else: 404). ``fix`` needs a valid
    ``result``; an expired lease is 409 ``review_expired``; the same verdict again answers the
    stored one (200), another verdict is 409 ``already_judged``.

    ``?next=true`` (a verdict of the review stage) saves the reviewer's round trip between two
    items, as the annotators' submit does: once the verdict has committed, the answer gains
    ``next``, the lease ``POST /projects/{project_id}/review/next`` would answer (``null`` where
    it answers 204), and ``paused_reason`` and ``pause`` (code and figures) where it answers
    403. A repeated submit answers the lease already held again. An error of the verdict is
    answered as without ``next``, and no lease is taken. An acceptance verdict ignores it (the
    inspector's next is the lot's)."""
    verdict = Verdict(
        decision=Decision(body.decision),
        result=body.result,
        reasons=tuple(body.reasons),
        comment=body.comment,
    )
    review, created = await submit_on_any_path(
        review_id=review_id, bearer=bearer, verdict=verdict, later=background
    )
    answer: ReviewPublic = review
    if with_next and review.stage == Stage.review.value:
        following = await _next_after(project_id=review.project_id, bearer=bearer)
        answer = ReviewWithNext.model_construct(**dict(review), **following)
    return Response(
        answer.model_dump_json(exclude_unset=True),
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        media_type="application/json",
    )


async def _next_after(*, project_id: int, bearer: Bearer) -> dict[str, Any]:
    """``next`` and, while paused, ``paused_reason``, as ``review/next`` would answer them. The
    verdict is stored by now: any other refusal of the next lease (a role taken away meanwhile)
    is ``next: null``, never an error answer for a verdict that was taken."""
    try:
        lease = await leases.lease_next(project_id=project_id, bearer=bearer)
    except ApiError as refused:
        if refused.status_code != status.HTTP_403_FORBIDDEN:
            raise
        if not refused.code.startswith("paused"):
            return {"next": None}
        # as the annotators' submit?next: the reason as stored (or the detail), and the pause
        # as a code with its figures for the page to word
        pause = PausePublic(code=refused.code, **refused.extra)
        return {"next": None, "paused_reason": pause.reason or refused.detail, "pause": pause}
    return {"next": lease}


@router.get("/projects/{project_id}/reviews", response_model=list[ReviewPublic])
def list_reviews(
    access: ProjectStaff,
    session: SessionDep,
    response: Response,
    page: Page = Query(),
    decision: Decision | None = Query(default=None),
    reviewer_id: int | None = Query(default=None, ge=1),
    item_id: int | None = Query(default=None, ge=1),
) -> list[ReviewPublic]:
    """Owners, managers and reviewers: verdicts, newest first (total in ``X-Total-Count``)."""
    rows, total = service.list_reviews(
        session=session,
        project_id=access.project.id,
        decision=decision.value if decision else None,
        reviewer_id=reviewer_id,
        item_id=item_id,
        offset=page.offset,
        limit=page.limit,
    )
    response.headers.update(page_headers(total))
    return rows


@router.get("/projects/{project_id}/review/figures", response_model=ReviewFigures)
def review_figures(access: ProjectStaff, session: SessionDep) -> ReviewFigures:
    """Owners, managers and reviewers: items in review, reviewed and in rework; each reviewer's
    decisions, time and agreement; each annotator's review accuracy."""
    return figures.review_figures(session=session, project_id=access.project.id)
