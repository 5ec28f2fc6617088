"""The ``final`` state stored: written when items become final, cleared when they are reopened.

``ItemsFinal`` is emitted by whichever stage settles an item (review's verdict, an accepted lot,
or review's entry for an item no stage holds: ``backend/review/finality.py``), through
``emit_final``, for the items not final yet; ``on_items_final`` writes it down in the emitter's
transaction. ``ItemsSentBack`` (a rejected lot) reopens them.
``settled_state`` is the corrections hook (``backend/corrections/finality.py``), registered at
process start by ``backend/wiring.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlmodel import Session

from backend import clock, events
from backend.items.final_models import FinalItem
from backend.items.progress import settle_wanted
from backend.items.states import ItemState

_CHUNK = 500


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    values = sorted(set(ids))
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def final_ids(*, session: Session, item_ids: Sequence[int]) -> set[int]:
    """Those of ``item_ids`` that are final."""
    found: set[int] = set()
    for chunk in _chunks(item_ids):
        found.update(
            session.execute(select(FinalItem.item_id).where(FinalItem.item_id.in_(chunk))).scalars()
        )
    return found


def mark_final(*, session: Session, project_id: int, item_ids: Sequence[int]) -> int:
    """Store ``final`` for the items not final yet (idempotent), which then want no more
    answers (``settle_wanted``); returns how many were new."""
    new = sorted(set(item_ids) - final_ids(session=session, item_ids=item_ids))
    now = clock.now()
    for chunk in _chunks(new):
        session.execute(
            insert(FinalItem),
            [{"item_id": i, "project_id": project_id, "final_at": now} for i in chunk],
        )
    if new:
        settle_wanted(session=session, item_ids=new)
    return len(new)


def emit_final(*, session: Session, project_id: int, item_ids: Sequence[int]) -> list[int]:
    """Emit ``ItemsFinal`` for those of ``item_ids`` that are not final yet; returns them.

    Why the filter: an item can be settled twice — final as it leaves review (``final_when``
    ``finished``) and again when a lot that holds it is accepted — and the listeners count what
    they hear (the model's training counter, pay's facts). ``ItemsFinal`` therefore means
    "became final now", and every emitter goes through here.
    """
    settled = final_ids(session=session, item_ids=item_ids)
    new = sorted({i for i in item_ids if i not in settled})
    if new:
        events.emit(events.ItemsFinal(session=session, project_id=project_id, item_ids=new))
    return new


def reopen(*, session: Session, item_ids: Sequence[int]) -> None:
    """The items are final no more (a rejected lot sent them back: ``final → rework``)."""
    for chunk in _chunks(item_ids):
        session.execute(
            delete(FinalItem)
            .where(FinalItem.item_id.in_(chunk))
            .execution_options(synchronize_session=False)
        )


def on_items_final(event: events.ItemsFinal) -> None:
    mark_final(session=event.session, project_id=event.project_id, item_ids=event.item_ids)


def on_items_sent_back(event: events.ItemsSentBack) -> None:
    reopen(session=event.session, item_ids=event.item_ids)


def settled_state(session: Session, item: Any) -> ItemState | None:
    """``final`` when the item is (the corrections hook), else None."""
    return ItemState.final if session.get(FinalItem, item.id) is not None else None


def subscribe_listeners() -> None:
    events.subscribe(events.ItemsFinal, on_items_final)
    events.subscribe(events.ItemsSentBack, on_items_sent_back)
