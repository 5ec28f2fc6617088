"""How a version's items were checked, frozen when the version is made (质检 / 验收 record).

The manifest and the data card of a version say how its set was checked: the acceptance lots
with their ISO 2859-1 plans and findings (``backend.lots.figures``). They are read once, when the
version is created, and kept in its params, like the watermarks: a rebuild writes the same bytes
however the project moves on. A version limited to accepted lots keeps the ids of the lots
accepted then (a lot, once accepted, stays so), and the build reads only their items
(``item_scope``).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from backend.exports.schemas import VersionCreate
from backend.lots.figures import acceptance_figures, accepted_lot_ids


def frozen_checks(*, session: Session, project_id: int, body: VersionCreate) -> dict[str, Any]:
    """The params a version adds for its checks: ``quality_checks`` and, when limited to
    accepted lots, ``accepted_lots``."""
    params: dict[str, Any] = {
        "quality_checks": {"acceptance": acceptance_figures(session=session, project_id=project_id)}
    }
    if body.only_accepted_lots:
        params["accepted_lots"] = accepted_lot_ids(session=session, project_id=project_id)
    return params


def item_scope(params: dict[str, Any]) -> str:
    """The SQL condition on ``items i`` that limits a build to its scope ("" for all items).

    Lot ids are integers from our own table, inlined so the statement keeps one shape.
    """
    if "accepted_lots" not in params:
        return ""
    ids = [int(lot_id) for lot_id in params["accepted_lots"]]
    if not ids:
        return " AND 1 = 0"
    listed = ", ".join(str(lot_id) for lot_id in ids)
    return (
        " AND EXISTS (SELECT 1 FROM lot_items li"  # noqa: S608 - our own integers
        f" WHERE li.item_id = i.id AND li.lot_id IN ({listed}))"
    )
