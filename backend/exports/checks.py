"""How a version's items were checked, frozen when the version is made (质检 / 验收 record).

The manifest and the data card of a version say how its set was checked: the share of items
reviewed and the reviewers' decisions (``backend.review``), the acceptance lots with their
ISO 2859-1 plans and findings (``backend.lots.figures``). They are read once, when the version is
created, and kept in its params, like the watermarks: a rebuild writes the same bytes however
the project moves on. The scopes are frozen the same way:

* limited to accepted lots: the ids of the lots accepted then (a lot, once accepted, stays so);
* limited to reviewed items: the highest verdict id then; an item is in when its latest review
  verdict up to that id is ``accept`` or ``fix`` (verdicts are never changed, only added).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from backend.exports.schemas import VersionCreate
from backend.items.models import Item
from backend.lots.figures import acceptance_figures, accepted_lot_ids
from backend.review.models import Review


def frozen_checks(*, session: Session, project_id: int, body: VersionCreate) -> dict[str, Any]:
    """The params a version adds for its checks: ``quality_checks``, and the frozen scopes
    ``accepted_lots`` / ``reviewed_up_to`` when the version is limited to them."""
    last_review = session.execute(
        select(func.coalesce(func.max(Review.id), 0)).where(Review.project_id == project_id)
    ).scalar_one()
    params: dict[str, Any] = {
        "quality_checks": {
            "review": review_figures(session=session, project_id=project_id),
            "acceptance": acceptance_figures(session=session, project_id=project_id),
        }
    }
    if body.only_accepted_lots:
        params["accepted_lots"] = accepted_lot_ids(session=session, project_id=project_id)
    if body.only_reviewed:
        params["reviewed_up_to"] = int(last_review)
    return params


def review_figures(*, session: Session, project_id: int) -> dict[str, Any]:
    """Items reviewed (a verdict of the review stage), their share of the project's items, and
    the verdicts by decision for review and for acceptance samples."""
    items = session.execute(
        select(func.count()).where(Item.project_id == project_id, Item.is_gold.is_(False))
    ).scalar_one()
    reviewed = session.execute(
        select(func.count(func.distinct(Review.item_id))).where(
            Review.project_id == project_id, Review.stage == "review"
        )
    ).scalar_one()
    decisions: dict[str, dict[str, int]] = {"review": {}, "acceptance": {}}
    rows = session.execute(
        select(Review.stage, Review.decision, func.count())
        .where(Review.project_id == project_id)
        .group_by(Review.stage, Review.decision)
    ).all()
    for stage, decision, count in rows:
        decisions.setdefault(stage, {})[decision] = int(count)
    return {
        "items": int(items),
        "items_reviewed": int(reviewed),
        "share_reviewed": round(reviewed / items, 4) if items else 0.0,
        "decisions": {stage: dict(sorted(d.items())) for stage, d in sorted(decisions.items())},
    }


def item_scope(params: dict[str, Any]) -> str:
    """The SQL condition on ``items i`` that limits a build to its scope ("" for all items).

    Lot and verdict ids are integers from our own tables, inlined so the statement keeps one
    shape.
    """
    scope = ""
    if "accepted_lots" in params:
        ids = [int(lot_id) for lot_id in params["accepted_lots"]]
        if not ids:
            return " AND 1 = 0"
        listed = ", ".join(str(lot_id) for lot_id in ids)
        scope += (
            " AND EXISTS (SELECT 1 FROM lot_items li"  # noqa: S608 - our own integers
            f" WHERE li.item_id = i.id AND li.lot_id IN ({listed}))"
        )
    if "reviewed_up_to" in params:
        last = int(params["reviewed_up_to"])
        scope += (
            " AND (SELECT rv.decision FROM reviews rv"  # noqa: S608 - our own integer
            f" WHERE rv.item_id = i.id AND rv.stage = 'review' AND rv.id <= {last}"
            " ORDER BY rv.id DESC LIMIT 1) IN ('accept', 'fix')"
        )
    return scope
