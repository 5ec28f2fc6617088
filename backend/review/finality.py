"""When an item's answer becomes final (``ItemsFinal``): the rule, written once.

The state table (``backend/items/states.py``) lets an item become final from ``done`` (no stage
holds it: the consensus is the answer) or from ``reviewed`` (accepted in a lot, or no lots), and
lets a rejected lot reopen a final item. The project setting ``final_when`` chooses between:

* ``finished`` (default): an item is final when it leaves its last stage. A finished item that
  review does not choose (``review_mode`` none, or not drawn by ``sample``, or confident enough
  for ``low_confidence``) is final at once; a reviewed one when the reviewer accepts or fixes it.
  Lots may still be made of such items (a rejected lot reopens them: ``final → rework``), and an
  accepted lot's items are final anyway.
* ``lot_accepted``: only an accepted lot makes items final (``backend/lots/inspection.py``); a
  finished or reviewed item waits for its lot. Pay with ``payable_when: "final"`` then pays on
  acceptance (验收), as a firm that delivers by lots wants.

Why here: review's entry (``entering``) is where every finished item passes, whether chosen or
not, and review's verdict (``judging``) is where a chosen one leaves review, so both ask
``final_on_leaving_review``; lots emit on acceptance whatever the setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from backend.items.finals import emit_final
from backend.items.states import ItemState
from backend.review.models import ReviewItem

FINISHED = "finished"
LOT_ACCEPTED = "lot_accepted"
FINAL_WHEN = (FINISHED, LOT_ACCEPTED)


def final_on_leaving_review(project: Any) -> bool:
    """Whether an item that leaves review (or skips it) is final at that moment."""
    return (getattr(project, "final_when", FINISHED) or FINISHED) == FINISHED


def settle_if_due(*, session: Session, project: Any, item_ids: Sequence[int]) -> list[int]:
    """Emit ``ItemsFinal`` for ``item_ids`` when the project makes items final as they leave
    review; returns the items made final now (none under ``lot_accepted``, none already final)."""
    if not item_ids or not final_on_leaving_review(project):
        return []
    return emit_final(session=session, project_id=project.id, item_ids=item_ids)


def reviewed_state(session: Session, item: Any) -> ItemState | None:
    """``reviewed`` for an item a reviewer accepted or fixed (the corrections hook: a reviewed
    item is settled even while it waits for its lot), else None."""
    row = session.get(ReviewItem, item.id)
    return ItemState.reviewed if row is not None and row.state == ItemState.reviewed else None
