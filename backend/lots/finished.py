"""Which items may go into a lot: finished ones (``backend/items/states.py``) in no open lot.

Finished means the item has the annotations it wants and a computed consensus (state ``done``)
or a reviewer accepted or fixed it (``reviewed``); gold items are tests, never delivered. An item
that is in a lot is in no second one: an open lot (inspecting, or rejected and not yet accepted)
holds it, and an accepted lot delivered it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import and_, exists, func, not_, select
from sqlmodel import Session

from backend.consensus.models import Consensus
from backend.items.models import Item
from backend.lots.models import LotItem

_held_elsewhere: list[Callable[[], Any]] = []


def register_held_elsewhere(condition: Callable[[], Any]) -> None:
    """A later stage that keeps finished items from a lot (review: items waiting in review or
    sent back for rework) registers ``condition() -> SQL condition on Item`` at process start
    (``backend.wiring``), so lots never imports it. Once, however often asked."""
    if condition not in _held_elsewhere:
        _held_elsewhere.append(condition)


def finished_condition() -> Any:
    """SQL condition on ``Item``: a non-gold item whose wanted answers and consensus exist, that
    no later stage holds."""
    return and_(
        Item.is_gold.is_(False),
        Item.wanted > 0,
        Item.annotation_count >= Item.wanted,
        exists().where(Consensus.item_id == Item.id),
        *(not_(condition()) for condition in _held_elsewhere),
    )


def in_a_lot() -> Any:
    """The item is in a lot: an open one (inspecting, or rejected and not yet accepted), or an
    accepted one (its items are final and delivered: they go into no second lot)."""
    return exists().where(LotItem.item_id == Item.id)


def items_in_lots(session: Session, item_ids: Sequence[int]) -> set[int]:
    """Those of ``item_ids`` that are in a lot (open or accepted): their answers are the
    lot's, settled or under inspection."""
    found: set[int] = set()
    ids = sorted(set(item_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(
            session.execute(select(LotItem.item_id).where(LotItem.item_id.in_(chunk))).scalars()
        )
    return found


def _finished_where(project_id: int, item_ids: Sequence[int] | None, extra: Any) -> list[Any]:
    where = [Item.project_id == project_id, finished_condition(), ~in_a_lot()]
    if item_ids is not None:
        where.append(Item.id.in_(item_ids))
    if extra is not None:
        where.append(extra)
    return where


def finished_item_ids(
    *, session: Session, project_id: int, item_ids: Sequence[int] | None = None, extra: Any = None
) -> list[int]:
    """Ids of the project's finished items in no lot yet (of ``item_ids`` when given)."""
    query = select(Item.id).where(*_finished_where(project_id, item_ids, extra))
    return list(session.execute(query.order_by(Item.id)).scalars())


def finished_count(
    *, session: Session, project_id: int, item_ids: Sequence[int] | None = None, extra: Any = None
) -> int:
    """How many ``finished_item_ids`` there are, counted in the database."""
    where = _finished_where(project_id, item_ids, extra)
    query = select(func.count()).select_from(Item).where(*where)
    return int(session.execute(query).scalar_one())
