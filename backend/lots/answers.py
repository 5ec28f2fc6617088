"""Lots and acceptance leases as the API shows them; annotators as the caller's role sees them."""

from __future__ import annotations

from sqlmodel import Session

from backend.assignments.schemas import media_url
from backend.lots import service
from backend.lots.deps import LotAccess
from backend.lots.inspection import SampleLease, sample_view
from backend.lots.models import Lot
from backend.lots.plans import plan_fields
from backend.lots.schemas import (
    AcceptanceNext,
    ConsensusPublic,
    LotPublic,
    PlanPublic,
    SampleAnnotation,
    SampleItem,
)
from backend.orgs.pseudonyms import annotator_ref


def lot_public(lot: Lot) -> LotPublic:
    return LotPublic(
        id=lot.id,
        project_id=lot.project_id,
        size=lot.size,
        source=lot.source,
        filter=lot.filter,
        status=lot.status,
        round=lot.round,
        plan=PlanPublic(**plan_fields(service.plan_of(lot))),
        inspected=lot.inspected,
        defects=lot.defects,
        reworked=lot.reworked,
        created_at=lot.created_at,
        decided_at=lot.decided_at,
    )


def sample_answer(*, session: Session, lease: SampleLease, found: LotAccess) -> AcceptanceNext:
    """The review-next shape for an acceptance lease; annotators pseudonymous for a client."""
    item, project = lease.item, found.access.project
    annotations, consensus = sample_view(session=session, item_id=item.id)
    return AcceptanceNext(
        review_id=lease.assignment_id,
        expires_at=lease.expires_at,
        lot_id=lease.lot.id,
        item=SampleItem(
            id=item.id,
            kind=project.kind,
            text=item.text,
            media_url=media_url(item.id) if item.media_key else None,
            width=item.width,
            height=item.height,
        ),
        annotations=[
            SampleAnnotation(
                annotation_id=a.annotation_id,
                annotator_id=annotator_ref(
                    role=found.role, org_id=project.org_id, user_id=a.annotator_id
                ),
                result=a.result,
            )
            for a in annotations
        ],
        consensus=ConsensusPublic(result=consensus.result, confidence=consensus.confidence)
        if consensus is not None
        else None,
    )
