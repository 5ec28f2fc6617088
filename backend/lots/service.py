"""Lots: make one over finished items with its ISO 2859-1 plan, read them, inspect again.

A lot's plan is fixed when it is made (lot size, inspection level, AQL, and the severity the
project's switching state prescribes then, ``switching``); its sample is drawn at once
(``sampling``) so the inspector and anyone auditing later see the same items. The inspection
itself (leases, judgments, the verdict) is ``inspection``; sending items back is ``rework``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend import clock
from backend.audit.service import record
from backend.datamanager.filters import matching_items, parse_filter
from backend.errors import conflict, not_found
from backend.items.models import Item
from backend.kinds import get_kind
from backend.lots import switching
from backend.lots.finished import finished_condition, finished_count, finished_item_ids
from backend.lots.models import Lot, LotItem, LotSample
from backend.lots.plans import plan_for
from backend.lots.sampling import draw_sample
from backend.projects.models import Project
from quality.acceptance import DISCONTINUED, SamplingPlan

_ROWS_PER_INSERT = 5_000


@dataclass(frozen=True)
class LotSource:
    """Exactly one of: explicit item ids, an import batch, the data manager's filters, or every
    finished item."""

    item_ids: Sequence[int] | None = None
    batch_id: int | None = None
    all_finished: bool = False
    filter: Mapping[str, Any] | None = None


def create_lot(
    *,
    session: Session,
    project: Project,
    source: LotSource,
    aql: Any,
    level: str,
    actor_id: int,
) -> Lot:
    """The new lot (status ``inspecting``) with its plan and its round-1 sample.

    404 when an item id is not one of the project's items; 409 ``item_not_finished`` for items
    that are not finished or already in a lot; 409 ``lot_empty`` when nothing is left;
    409 ``acceptance_discontinued`` while the project's inspection is discontinued (9.4).
    """
    item_ids = _items_of(session=session, project=project, source=source)
    severity = switching.severity_for_new_lot(session=session, project=project)
    if severity == DISCONTINUED:
        session.rollback()
        raise conflict(
            "acceptance inspection is discontinued after 5 lots not accepted on tightened "
            "inspection (ISO 2859-1, 9.4); resume it once the work has been corrected",
            code="acceptance_discontinued",
        )
    plan = plan_for(lot_size=len(item_ids), level=level, aql=aql, severity=severity)
    lot = Lot(
        project_id=project.id,
        org_id=project.org_id,
        source=_source_name(source),
        filter=dict(source.filter) if source.filter is not None else None,
        size=len(item_ids),
        level=plan.level,
        aql=plan.aql,
        severity=plan.severity,
        code_letter=plan.code_letter,
        sample_size=plan.sample_size,
        accept=plan.accept,
        reject=plan.reject,
        created_by=actor_id,
    )
    session.add(lot)
    session.flush()
    try:
        rows = [{"lot_id": lot.id, "item_id": i, "open": True} for i in item_ids]
        _insert_rows(session, LotItem, rows)
    except IntegrityError:  # a concurrent lot took one of these items first
        session.rollback()
        raise conflict("an item is already in another open lot", code="item_in_open_lot") from None
    _draw(session=session, lot=lot, item_ids=item_ids)
    record(
        session,
        org_id=project.org_id,
        actor_id=actor_id,
        action="lot.create",
        target_type="lot",
        target_id=lot.id,
        data={
            "size": lot.size,
            "aql": lot.aql,
            "level": lot.level,
            "severity": lot.severity,
            **({"filter": dict(source.filter)} if source.filter is not None else {}),
        },
    )
    session.commit()
    return lot


def _source_name(source: LotSource) -> str:
    if source.item_ids is not None:
        return "items"
    if source.filter is not None:
        return "filter"
    return "batch" if source.batch_id is not None else "all_finished"


def _items_of(*, session: Session, project: Project, source: LotSource) -> list[int]:
    if source.item_ids is not None:
        wanted = sorted(set(source.item_ids))
        known = session.execute(
            select(func.count()).where(Item.project_id == project.id, Item.id.in_(wanted))
        ).scalar_one()
        if known != len(wanted):
            session.rollback()
            raise not_found("item")
        ids = finished_item_ids(session=session, project_id=project.id, item_ids=wanted)
        if len(ids) != len(wanted):
            refused = sorted(set(wanted) - set(ids))
            session.rollback()
            raise conflict(
                f"{len(refused)} of the items are not finished or are in a lot already",
                code="item_not_finished",
                item_ids=refused[:100],
            )
        return ids
    ids = finished_item_ids(
        session=session, project_id=project.id, extra=_source_condition(session, project, source)
    )
    if not ids:
        session.rollback()
        raise conflict("no finished item outside the lots", code="lot_empty")
    return ids


def source_size(*, session: Session, project: Project, source: LotSource) -> int:
    """How many items a lot made from ``source`` now would hold: its finished items in no lot
    (of ``item_ids``: those that are the project's and finished; the lot itself refuses the
    rest). Nothing is written; 0 where making the lot would answer 409 ``lot_empty``."""
    if source.item_ids is not None:
        return finished_count(
            session=session, project_id=project.id, item_ids=sorted(set(source.item_ids))
        )
    return finished_count(
        session=session, project_id=project.id, extra=_source_condition(session, project, source)
    )


def _source_condition(session: Session, project: Project, source: LotSource) -> Any:
    """The SQL condition on ``Item`` of a batch or filter source (None for every finished item)."""
    if source.batch_id is not None:
        return Item.batch_id == source.batch_id
    if source.filter is not None:
        return Item.id.in_(_filtered(session=session, project=project, values=source.filter))
    return None


def _filtered(*, session: Session, project: Project, values: Mapping[str, Any]) -> Any:
    """The data manager's selection as a subquery of item ids (its parsing and its query)."""
    try:
        query = parse_filter(values)
        return matching_items(
            query=query,
            project_id=project.id,
            kind=get_kind(project.kind),
            now=clock.now(),
            dialect=session.get_bind().dialect.name,
        )
    except HTTPException:
        session.rollback()
        raise


def _insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        session.execute(insert(model), rows[start : start + _ROWS_PER_INSERT])


def _draw(*, session: Session, lot: Lot, item_ids: Sequence[int]) -> None:
    sample = draw_sample(
        item_ids, sample_size=lot.sample_size, lot_id=lot.id, round_number=lot.round
    )
    rows = [
        {
            "lot_id": lot.id,
            "round": lot.round,
            "item_id": item_id,
            "position": position,
            "reasons": [],
        }
        for position, item_id in enumerate(sample)
    ]
    _insert_rows(session, LotSample, rows)


def plan_of(lot: Lot) -> SamplingPlan:
    """The lot's stored plan as ``quality.acceptance`` gives it (for switching and answers)."""
    plan = plan_for(lot_size=lot.size, level=lot.level, aql=lot.aql, severity=lot.severity)
    if (plan.sample_size, plan.accept) != (lot.sample_size, lot.accept):  # pragma: no cover
        raise AssertionError(f"lot {lot.id}: stored plan differs from the tables")
    return plan


def get_lot(*, session: Session, lot_id: int) -> Lot:
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise not_found("lot")
    return lot


def list_lots(
    *, session: Session, project_id: int, offset: int, limit: int
) -> tuple[list[Lot], int]:
    """The project's lots, newest first, and how many there are."""
    lots = session.execute(
        select(Lot)
        .where(Lot.project_id == project_id)
        .order_by(Lot.id.desc())
        .offset(offset)
        .limit(limit)
    ).scalars()
    total = session.execute(
        select(func.count()).select_from(Lot).where(Lot.project_id == project_id)
    ).scalar_one()
    return list(lots), total


def lot_item_ids(*, session: Session, lot_id: int) -> list[int]:
    return list(
        session.execute(
            select(LotItem.item_id).where(LotItem.lot_id == lot_id).order_by(LotItem.item_id)
        ).scalars()
    )


def locked(*, session: Session, lot: Lot) -> Lot:
    """The lot read again under its row lock, for a change that depends on its state: two
    rework requests at once both saw it not reworked yet and both sent it back (six at once:
    six rework events, rounds at 3 and 6 against leases at 1)."""
    return session.execute(
        select(Lot)
        .where(Lot.id == lot.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def reinspect(*, session: Session, lot: Lot, actor_id: int) -> Lot:
    """Start round ``n + 1`` of a rejected lot whose items are all finished again.

    409 ``lot_decided`` for an accepted or inspecting lot; 409 ``lot_not_ready`` while items
    sent back are not finished yet. The new round's leases carry its number, so an inspector may
    see an item again.
    """
    lot = locked(session=session, lot=lot)
    if lot.status != "rejected":
        session.rollback()
        raise conflict(f"the lot is {lot.status}", code="lot_decided")
    item_ids = lot_item_ids(session=session, lot_id=lot.id)
    ready = _finished_again(session=session, lot_id=lot.id)
    if ready < len(item_ids):
        session.rollback()
        raise conflict(
            f"{len(item_ids) - ready} items of the lot are not finished again yet",
            code="lot_not_ready",
        )
    lot.round += 1
    lot.status = "inspecting"
    lot.inspected = lot.defects = lot.reworked = 0
    lot.decided_at = None
    session.add(lot)
    session.flush()
    _draw(session=session, lot=lot, item_ids=item_ids)
    record(
        session,
        org_id=lot.org_id,
        actor_id=actor_id,
        action="lot.reinspect",
        target_type="lot",
        target_id=lot.id,
        data={"round": lot.round},
    )
    session.commit()
    return lot


def _finished_again(*, session: Session, lot_id: int) -> int:
    """How many of the lot's items are finished (their own open lot is this one)."""
    return session.execute(
        select(func.count())
        .select_from(LotItem)
        .join(Item, Item.id == LotItem.item_id)
        .where(LotItem.lot_id == lot_id, finished_condition())
    ).scalar_one()


def close_items(*, session: Session, lot_id: int) -> None:
    """An accepted lot's items leave it open state: they may be in no further lot (final)."""
    session.execute(update(LotItem).where(LotItem.lot_id == lot_id).values(open=False))
