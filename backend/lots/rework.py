"""Sending a rejected lot back for rework (验收 → 返工): all its items, or only the defective ones.

ISO 2859-1 clause 7.5: a lot that is not accepted may be resubmitted once "all units have been
re-examined or retested and the supplier is satisfied that all nonconforming units have been
removed or replaced, or all nonconformities corrected". The inspector chooses the scope: every
item of the lot (the sample says the lot is bad; the rest was never looked at), or only the items
the sample found defective. Rework itself belongs to the stage that owns it (review: the answers
stop counting, the item reopens to its annotators or the pool, with the reasons and the comment);
lots tells it through ``ItemsSentBack`` and does not import it. Once the items are finished
again, ``service.reinspect`` draws a fresh sample.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select
from sqlmodel import Session

from backend import events
from backend.audit.service import record
from backend.errors import ApiError, conflict
from backend.lots import service
from backend.lots.inspection import DEFECTS
from backend.lots.models import Lot, LotSample

Scope = Literal["all", "defective"]


def send_back(*, session: Session, lot: Lot, scope: Scope, actor_id: int) -> list[int]:
    """Emit ``ItemsSentBack`` for the lot's items in ``scope``; the ids sent back.

    409 ``lot_decided`` for an accepted lot, ``lot_not_decided`` while it is inspected,
    ``lot_reworked`` when it was sent back already this round; 503 ``rework_unavailable`` when
    no stage of this server does rework (nothing is changed then).
    """
    lot = service.locked(session=session, lot=lot)
    if lot.status != "rejected":
        session.rollback()
        code = "lot_decided" if lot.status == "accepted" else "lot_not_decided"
        raise conflict(f"the lot is {lot.status}", code=code)
    if lot.reworked:
        session.rollback()
        raise conflict("the lot was sent back for rework already", code="lot_reworked")
    if not events.has_listeners(events.ItemsSentBack):
        session.rollback()
        raise ApiError(503, "no stage of this server does rework", code="rework_unavailable")
    samples = _judged_samples(session=session, lot=lot)
    found = {s.item_id: s for s in samples if s.decision in DEFECTS}
    item_ids = (
        service.lot_item_ids(session=session, lot_id=lot.id) if scope == "all" else sorted(found)
    )
    general = f"lot #{lot.id} rejected: {lot.defects} of {lot.sample_size} sampled items defective"
    notes = {
        item_id: (
            (tuple(found[item_id].reasons), found[item_id].comment or general)
            if item_id in found
            else ((), general)
        )
        for item_id in item_ids
    }
    events.emit(
        events.ItemsSentBack(
            session=session,
            project_id=lot.project_id,
            item_ids=item_ids,
            notes=notes,
            origin=f"lot:{lot.id}",
        )
    )
    lot.reworked = len(item_ids)
    session.add(lot)
    record(
        session,
        org_id=lot.org_id,
        actor_id=actor_id,
        action="lot.rework",
        target_type="lot",
        target_id=lot.id,
        data={"scope": scope, "items": len(item_ids), "round": lot.round},
    )
    session.commit()
    return item_ids


def _judged_samples(*, session: Session, lot: Lot) -> list[LotSample]:
    return list(
        session.execute(
            select(LotSample).where(LotSample.lot_id == lot.id, LotSample.round == lot.round)
        ).scalars()
    )
