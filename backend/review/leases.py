"""The reviewer's ``next``: a review lease from the one lease machinery, with what they judge.

On PostgreSQL the one-call function answers first (``pg_review``: lease and what to judge in one
round trip on the event loop); what it hands back, and everything on SQLite, goes through
``dispatch.next_lease(stage=review)``: PostgreSQL's functions hand the review stage to the Python
paths (``pg_path.FUNCTION_STAGES``), whose fast path locks the reviewer's state row with the
access check in one statement and whose general path answers 401/403/404 like every ``next``;
both lease through ``leasing.next_assignment`` with the review pick (``picking``). The answer then
adds the item's counted annotations and its consensus, read in the thread pool.
"""

from __future__ import annotations

from fastapi import Response, status
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from backend.accounts.deps import Bearer
from backend.assignments import dispatch
from backend.assignments.outcomes import Leased, NothingLeft, Paused
from backend.assignments.pauses import paused_error
from backend.assignments.reviewed_answers import counted_answers
from backend.assignments.schemas import next_answer
from backend.assignments.stages import Stage
from backend.consensus.final_answers import consensus_rows
from backend.db import get_engine
from backend.projects.models import Project
from backend.review import pg_review
from backend.review.models import ReviewItem
from backend.review.schemas import ConsensusPublic, ReviewedAnnotation, ReviewLease


async def next_review(*, project_id: int, bearer: Bearer) -> Response:
    """200 with the lease and what to judge, 204 when nothing waits, 403 while paused."""
    lease = await lease_next(project_id=project_id, bearer=bearer)
    if lease is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return _json(lease)


async def lease_next(*, project_id: int, bearer: Bearer) -> ReviewLease | None:
    """The next review lease (the one the caller holds, if any), ``None`` when nothing waits;
    ``paused_error`` (403) while paused. Shared by ``review/next`` and ``submit?next=true``."""
    fast = await pg_review.next_review(
        project_id=project_id, user_id=bearer.user_id, generation=bearer.generation
    )
    if isinstance(fast, ReviewLease):
        return fast
    if isinstance(fast, NothingLeft):
        return None
    outcome = await dispatch.next_lease(stage=Stage.review, project_id=project_id, bearer=bearer)
    if isinstance(outcome, Paused):
        raise paused_error(outcome.reason, outcome.detail)
    if isinstance(outcome, NothingLeft):
        return None
    return await run_in_threadpool(review_lease, project_id, outcome, "review")


def _json(answer: ReviewLease) -> Response:
    return Response(
        answer.model_dump_json(), status_code=status.HTTP_200_OK, media_type="application/json"
    )


def review_lease(project_id: int, lease: Leased, mode: str) -> ReviewLease:
    """A lease of the review or acceptance stage as the judge sees it (one short read)."""
    item = next_answer(
        assignment_id=lease.assignment_id,
        expires_at=lease.expires_at,
        kind=lease.kind,
        item=lease.item,
    ).item
    with Session(get_engine()) as session:
        answers = counted_answers(session=session, item_ids=[lease.item.id])
        row = consensus_rows(session=session, item_ids=[lease.item.id]).get(lease.item.id)
        project = session.get(Project, project_id)
        state = session.get(ReviewItem, lease.item.id)
    return ReviewLease(
        review_id=lease.assignment_id,
        expires_at=lease.expires_at,
        mode=mode,
        item=item,
        annotations=[
            ReviewedAnnotation(
                annotation_id=a.annotation_id, annotator_id=a.annotator_id, result=a.result
            )
            for a in answers
        ],
        consensus=ConsensusPublic(result=row.result, confidence=row.confidence)
        if row is not None
        else None,
        reasons=list(project.review_reasons or []) if project is not None else [],
        rework_round=state.rework_round if state is not None else 0,
    )
