"""What review does for lots (验收), wired at process start (``backend.wiring``): the two domains
share a tier and never import each other.

* ``on_items_sent_back``: a rejected lot's items go back for rework exactly as an item a reviewer
  rejects (``rework.send_back``): their answers stop counting, the item reopens for its
  annotators or the pool (``rework_to``), and the inspector's reasons and comment travel with it.
  Like any reworked item, it is reviewed again once its new answers are finished (``entering``).
* ``held_in_review``: items waiting in review or sent back for rework are not finished, so they
  go into no lot and a rejected lot is not inspected again before they are reviewed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists
from sqlmodel import select

from backend import clock, events
from backend.assignments.reviewed_answers import counted_answers
from backend.items.models import Item
from backend.items.states import ItemState, check_move
from backend.projects.models import Project
from backend.review import rework
from backend.review.models import ReviewItem
from backend.review.verdicts import Decision, Judged, Verdict

HELD = (ItemState.in_review.value, ItemState.rework.value)
LOT_REWORK = "lot_rework"


def held_in_review() -> Any:
    """SQL condition on ``Item``: the item waits in review or is in rework."""
    return exists().where(ReviewItem.item_id == Item.id, ReviewItem.state.in_(HELD))


def on_items_sent_back(event: events.ItemsSentBack) -> None:
    """Send each item back for rework, in the lot's transaction (item rows locked in id order)."""
    session = event.session
    project = session.get(Project, event.project_id)
    now = clock.now()
    for item_id in sorted(event.item_ids):
        item = session.exec(
            select(Item)
            .where(Item.id == item_id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        ).one()
        row = session.get(ReviewItem, item_id)
        if row is None:
            row = ReviewItem(
                item_id=item_id,
                project_id=project.id,
                state=check_move(ItemState.done, ItemState.rework),
                entered_at=now,
                # A lot's defects are no unbiased sample of an annotator's work: their next
                # review marks answers without feeding the pause rule (``selection.UNBIASED``).
                entered_by=LOT_REWORK,
            )
        else:
            row.state = check_move(row.state, ItemState.rework)
        row.updated_at = now
        session.add(row)
        reasons, comment = event.notes.get(item_id, ((), ""))
        verdict = Verdict(Decision.reject, None, tuple(reasons), comment)
        judged = Judged(session, project, item, None, verdict, now)
        answers = counted_answers(session=session, item_ids=[item_id])
        rework.send_back(judged=judged, row=row, answers=answers)
    session.flush()
