"""Reading reviews: the project's list of verdicts, newest first."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from backend.review.models import Review
from backend.review.schemas import ReviewPublic


def public(review: Review) -> ReviewPublic:
    return ReviewPublic(
        review_id=review.id,
        project_id=review.project_id,
        item_id=review.item_id,
        reviewer_id=review.reviewer_id,
        stage=review.stage,
        rework_round=review.rework_round,
        decision=review.decision,
        result=review.result,
        reasons=list(review.reasons or []),
        comment=review.comment,
        duration_ms=review.duration_ms,
        created_at=review.created_at,
    )


def list_reviews(
    *,
    session: Session,
    project_id: int,
    decision: str | None,
    reviewer_id: int | None,
    item_id: int | None,
    offset: int,
    limit: int,
) -> tuple[list[ReviewPublic], int]:
    """A page of the project's verdicts (newest first) and how many match in all."""
    where = [Review.project_id == project_id]
    if decision is not None:
        where.append(Review.decision == decision)
    if reviewer_id is not None:
        where.append(Review.reviewer_id == reviewer_id)
    if item_id is not None:
        where.append(Review.item_id == item_id)
    total = session.exec(select(func.count()).select_from(Review).where(*where)).one()
    rows = session.exec(
        select(Review).where(*where).order_by(Review.id.desc()).offset(offset).limit(limit)
    ).all()
    return [public(row) for row in rows], int(total)
