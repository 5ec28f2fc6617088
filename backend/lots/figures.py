"""The acceptance record of a project, as a version's manifest and data card keep it.

A dataset delivered under acceptance sampling should say how it was checked (the 标准规范
record): which lots were inspected on which ISO 2859-1 plan, what the sample found, and which
lots were accepted. Exports freeze this when a version is created, so a rebuild writes the same
bytes; ``accepted_lot_ids`` is what a version limited to accepted lots holds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from backend.lots.models import Lot, LotItem
from quality.acceptance import STANDARD

MAX_LOTS_LISTED = 1_000


def accepted_lot_ids(*, session: Session, project_id: int) -> list[int]:
    return list(
        session.execute(
            select(Lot.id)
            .where(Lot.project_id == project_id, Lot.status == "accepted")
            .order_by(Lot.id)
        ).scalars()
    )


def acceptance_figures(*, session: Session, project_id: int) -> dict[str, Any]:
    """Lots by status, the items in accepted lots, and every lot's plan and findings."""
    lots = list(
        session.execute(
            select(Lot).where(Lot.project_id == project_id).order_by(Lot.id).limit(MAX_LOTS_LISTED)
        ).scalars()
    )
    by_status = dict(
        session.execute(
            select(Lot.status, func.count())
            .where(Lot.project_id == project_id)
            .group_by(Lot.status)
        ).all()
    )
    in_accepted = session.execute(
        select(func.count())
        .select_from(LotItem)
        .join(Lot, Lot.id == LotItem.lot_id)
        .where(Lot.project_id == project_id, Lot.status == "accepted")
    ).scalar_one()
    return {
        "standard": STANDARD,
        "lots_accepted": by_status.get("accepted", 0),
        "lots_rejected": by_status.get("rejected", 0),
        "lots_inspecting": by_status.get("inspecting", 0),
        "items_in_accepted_lots": in_accepted,
        "lots": [_lot(lot) for lot in lots],
    }


def _lot(lot: Lot) -> dict[str, Any]:
    return {
        "id": lot.id,
        "size": lot.size,
        "status": lot.status,
        "round": lot.round,
        "level": lot.level,
        "aql": lot.aql,
        "severity": lot.severity,
        "code_letter": lot.code_letter,
        "sample_size": lot.sample_size,
        "accept": lot.accept,
        "reject": lot.reject,
        "inspected": lot.inspected,
        "defects": lot.defects,
        "decided_at": lot.decided_at.isoformat() if lot.decided_at else None,
    }
