"""One item with everything known about it: every annotation (who and when), the consensus, the
gold answer, every verdict of review and acceptance. Names and e-mails of annotators (and names of
reviewers) only for owners and managers (a reviewer sees ids, a client pseudonyms), as on the
quality page."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from backend import clock
from backend.accounts.models import User
from backend.assignments.models import Annotation, Assignment
from backend.consensus.models import Consensus
from backend.datamanager.filters import ANNOTATE_STAGE, stored_states
from backend.datamanager.schemas import (
    AnnotationView,
    ConsensusView,
    GoldView,
    ItemDetail,
    ReviewView,
)
from backend.items.models import GoldAnswer, Item
from backend.items.states import derive
from backend.orgs.models import Role
from backend.orgs.pseudonyms import annotator_ref
from backend.projects.models import Project
from backend.review.models import Review


def item_detail(*, session: Session, item: Item, show_names: bool, role: Role) -> ItemDetail:
    """Three statements: the annotations with their authors, the verdicts with their reviewers,
    then the project's kind, the consensus, the gold answer and the live leases in one row (the
    view is opened item after item, so its round trips count)."""
    rows = session.execute(
        select(Annotation, User.name, User.email)
        .join(User, User.id == Annotation.annotator_id)
        .where(Annotation.item_id == item.id)
        .order_by(Annotation.created_at, Annotation.id)
    ).all()
    leases = (
        select(func.count())
        .where(
            Assignment.item_id == item.id,
            Assignment.status == "leased",
            Assignment.stage == ANNOTATE_STAGE,
            Assignment.expires_at > clock.now(),
        )
        .scalar_subquery()
    )
    kind, consensus, gold, live = session.execute(
        select(Project.kind, Consensus, GoldAnswer, leases)
        .select_from(Item)
        .join(Project, Project.id == Item.project_id)
        .outerjoin(Consensus, Consensus.item_id == Item.id)
        .outerjoin(GoldAnswer, GoldAnswer.item_id == Item.id)
        .where(Item.id == item.id)
    ).one()
    reviews = [
        ReviewView(
            review_id=review.id,
            stage=review.stage,
            rework_round=review.rework_round,
            decision=review.decision,
            result=review.result,
            reasons=list(review.reasons or []),
            comment=review.comment,
            reviewer_id=annotator_ref(role=role, org_id=item.org_id, user_id=review.reviewer_id),
            reviewer_name=name if show_names else None,
            created_at=review.created_at,
        )
        for review, name in session.execute(
            select(Review, User.name)
            .join(User, User.id == Review.reviewer_id)
            .where(Review.item_id == item.id)
            .order_by(Review.created_at, Review.id)
        ).all()
    ]
    annotations = [
        AnnotationView(
            id=annotation.id,
            annotator_id=annotator_ref(
                role=role, org_id=item.org_id, user_id=annotation.annotator_id
            ),
            annotator_name=name if show_names else None,
            annotator_email=email if show_names else None,
            result=annotation.result,
            created_at=annotation.created_at,
            duration_ms=annotation.duration_ms,
            # Issue 21 records whether an answer started from a pre-label; unknown until then.
            prelabel_used=bool(getattr(annotation, "prelabel_used", False)),
        )
        for annotation, name, email in rows
    ]
    return ItemDetail(
        id=item.id,
        project_id=item.project_id,
        external_id=item.external_id,
        kind=kind,
        status=derive(
            annotation_count=item.annotation_count,
            wanted=item.wanted,
            live_leases=live,
            stored=stored_states(session=session, item_ids=[item.id]).get(item.id),
        ),
        text=item.text,
        media_url=f"/api/v1/items/{item.id}/media" if item.media_key else None,
        media_type=item.media_type,
        width=item.width,
        height=item.height,
        meta=item.meta,
        prelabel=item.prelabel,
        priority=item.priority,
        is_gold=item.is_gold,
        gold=None
        if gold is None
        else GoldView(answer=gold.answer, created_by=gold.created_by, created_at=gold.created_at),
        consensus=None
        if consensus is None
        else ConsensusView(
            result=consensus.result,
            confidence=consensus.confidence,
            n_annotations=consensus.n_annotations,
            method=consensus.method,
            updated_at=consensus.updated_at,
        ),
        annotation_count=item.annotation_count,
        wanted=item.wanted,
        batch_id=item.batch_id,
        annotations=annotations,
        reviews=reviews,
    )
