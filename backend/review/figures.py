"""Review figures: the reviewers' own (items, decisions, time, agreement with each other) and the
annotators' review records (the second accuracy, beside gold).

Agreement between reviewers is measured on items judged by two or more of them (a reworked item
reviewed again, or an acceptance sample of a reviewed item): for each such item, consecutive
verdicts by different reviewers agree when both passed it (accept or fix) or both rejected it.
A reviewer's figure is the share of their verdicts on those items that agreed with the other
reviewer's. Plain counting; the time is the median of lease-to-verdict seconds.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict

from sqlalchemy import func
from sqlmodel import Session, select

from backend.accounts.models import User
from backend.review.models import Review, ReviewItem, ReviewMark
from backend.review.schemas import AnnotatorReviewFigures, ReviewerFigures, ReviewFigures
from quality import gold as gold_rules


def review_figures(*, session: Session, project_id: int) -> ReviewFigures:
    states = dict(
        session.exec(
            select(ReviewItem.state, func.count())
            .where(ReviewItem.project_id == project_id)
            .group_by(ReviewItem.state)
        ).all()
    )
    return ReviewFigures(
        in_review=int(states.get("in_review", 0)),
        reviewed=int(states.get("reviewed", 0)),
        rework=int(states.get("rework", 0)),
        reviewers=_reviewers(session, project_id),
        annotators=_annotators(session, project_id),
    )


def _reviewers(session: Session, project_id: int) -> list[ReviewerFigures]:
    rows = session.exec(
        select(Review.item_id, Review.reviewer_id, Review.decision, Review.duration_ms, Review.id)
        .where(Review.project_id == project_id)
        .order_by(Review.item_id, Review.id)
    ).all()
    decisions: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    seconds: dict[int, list[float]] = defaultdict(list)
    by_item: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for item_id, reviewer_id, decision, duration_ms, _ in rows:
        decisions[reviewer_id][decision] += 1
        seconds[reviewer_id].append(duration_ms / 1000)
        by_item[item_id].append((reviewer_id, decision))
    compared: dict[int, list[bool]] = defaultdict(list)
    for verdicts in by_item.values():
        for (first, a), (second, b) in itertools.pairwise(verdicts):
            if first == second:
                continue
            same = (a == "reject") == (b == "reject")
            compared[first].append(same)
            compared[second].append(same)
    names = dict(
        session.exec(select(User.id, User.name).where(User.id.in_(list(decisions) or [0]))).all()
    )
    return [
        ReviewerFigures(
            reviewer_id=reviewer_id,
            name=names.get(reviewer_id),
            reviewed=sum(counts.values()),
            accepted=counts.get("accept", 0),
            fixed=counts.get("fix", 0),
            rejected=counts.get("reject", 0),
            median_seconds=statistics.median(seconds[reviewer_id]),
            double_reviewed=len(compared[reviewer_id]),
            agreement=sum(compared[reviewer_id]) / len(compared[reviewer_id])
            if compared[reviewer_id]
            else None,
        )
        for reviewer_id, counts in sorted(decisions.items())
    ]


def _annotators(session: Session, project_id: int) -> list[AnnotatorReviewFigures]:
    rows = session.exec(
        select(ReviewMark.annotator_id, func.count(), func.sum(ReviewMark.score))
        .where(ReviewMark.project_id == project_id)
        .group_by(ReviewMark.annotator_id)
        .order_by(ReviewMark.annotator_id)
    ).all()
    ids = [row[0] for row in rows]
    names = dict(session.exec(select(User.id, User.name).where(User.id.in_(ids or [0]))).all())
    return [
        AnnotatorReviewFigures(
            annotator_id=annotator_id,
            name=names.get(annotator_id),
            judged=int(judged),
            correct=float(correct or 0.0),
            review_accuracy=gold_rules.smoothed_accuracy(float(correct or 0.0), int(judged)),
        )
        for annotator_id, judged, correct in rows
    ]
