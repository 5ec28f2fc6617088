"""How many annotations an item wants, and which items have them: the items domain's counters.

Other domains change ``wanted`` or ask who is done through these functions instead of writing
SQL on ``items`` themselves: the quality recompute raises ``wanted`` for contested items
(adaptive overlap) and asks which items are done (``backend.items.states``: the annotations
they want), so that ``ItemsFinished`` names those whose consensus it changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import bindparam, case, exists, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlmodel import Session

from backend.items.final_models import FinalItem
from backend.items.models import Item

_SQLITE_CHUNK = 500  # ids per statement: SQLite's limit on bound parameters is low


def raise_wanted(
    *, session: Session, item_ids: Sequence[int], up_to: int, final_too: bool = True
) -> int:
    """One more wanted annotation for each of ``item_ids`` that has all it wants, up to ``up_to``
    (gold items never; final ones only with ``final_too``: adaptive overlap leaves a settled
    answer alone, ``backend.items.finals``, while a manager's requeue is an explicit override);
    returns how many items were raised. In the caller's transaction."""
    raised = 0
    for matches in _id_filters(session, item_ids):
        raised += session.execute(
            update(Item)
            .where(matches, Item.wanted < up_to, *_has_all_it_wants(final_too=final_too))
            .values(wanted=Item.wanted + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
    return raised


def settle_wanted(*, session: Session, item_ids: Sequence[int]) -> int:
    """Items that became final want no more answers than they have: a replacement asked for
    after a pause, or one more answer for a contested item, while the item waited in review is
    void once a reviewer settles it (as ``review.replacements`` keeps a judged item's answer).
    Without this such an item was final yet "1 of 2 answers": never in a lot of finished items,
    never delivered on the quality page. Returns how many were lowered; in the caller's
    transaction."""
    lowered = 0
    for matches in _id_filters(session, item_ids):
        lowered += session.execute(
            update(Item)
            .where(matches, Item.wanted > Item.annotation_count)
            .values(wanted=Item.annotation_count)
            .execution_options(synchronize_session=False)
        ).rowcount
    return lowered


def want_more(*, session: Session, missing: Mapping[int, int]) -> int:
    """Each item of ``missing`` that has all the annotations it wants now wants that many more
    (gold and final items never); returns how many items were raised. In the caller's
    transaction. For answers that stopped counting without the counter going down (a paused
    annotator's: consensus leaves them out, the item keeps them)."""
    by_missing: dict[int, list[int]] = {}
    for item_id, more in missing.items():
        if more > 0:
            by_missing.setdefault(int(more), []).append(int(item_id))
    raised = 0
    for more, item_ids in sorted(by_missing.items()):
        for matches in _id_filters(session, item_ids):
            raised += session.execute(
                update(Item)
                .where(matches, *_has_all_it_wants(final_too=False))
                .values(wanted=Item.annotation_count + more)
                .execution_options(synchronize_session=False)
            ).rowcount
    return raised


def _has_all_it_wants(*, final_too: bool) -> tuple[Any, ...]:
    """An item that may be asked for more: not gold, with every annotation it wants, and not
    final unless ``final_too``."""
    final = () if final_too else (~exists().where(FinalItem.item_id == Item.id),)
    return (Item.is_gold.is_(False), Item.annotation_count >= Item.wanted, *final)


def uncount_answers(*, session: Session, item_id: int, count: int) -> None:
    """``count`` of the item's answers stopped counting (a review rejected them): it wants that
    many again. In the caller's transaction, which holds the item's row lock."""
    session.execute(
        update(Item)
        .where(Item.id == item_id)
        .values(
            annotation_count=case(
                (Item.annotation_count >= count, Item.annotation_count - count), else_=0
            )
        )
        .execution_options(synchronize_session=False)
    )


def done_items(*, session: Session, project_id: int) -> NDArray[np.int64]:
    """The project's items that are not gold and have the annotations they want (the counters'
    half of ``done`` in ``backend.items.states``), sorted; on PostgreSQL as one array value."""
    done = (
        Item.project_id == project_id,
        Item.is_gold.is_(False),
        Item.wanted > 0,
        Item.annotation_count >= Item.wanted,
    )
    if session.get_bind().dialect.name == "postgresql":
        ids = session.execute(select(func.array_agg(Item.id)).where(*done)).scalar_one() or []
    else:
        ids = session.execute(select(Item.id).where(*done)).scalars().all()
    return np.sort(np.fromiter(ids, dtype=np.int64, count=len(ids)))


def _id_filters(session: Session, item_ids: Sequence[int]) -> list[Any]:
    """``Item.id`` among ``item_ids``: one array parameter on PostgreSQL, chunks on SQLite."""
    ids = list(item_ids)
    if not ids:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return [Item.id == bindparam("ids", ids, type_=ARRAY(BIGINT)).any_()]
    return [
        Item.id.in_(ids[start : start + _SQLITE_CHUNK])
        for start in range(0, len(ids), _SQLITE_CHUNK)
    ]
