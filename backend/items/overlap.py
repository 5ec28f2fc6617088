"""Items follow a change of their project's ``overlap``.

Why: ``wanted`` is written once per item, at import, from the project's ``overlap``; the setting
alone only reached items imported after it. A manager who lowered the overlap from 3 to 2 to save
the client's money still paid for a third answer on every open item, and one who raised it got
the new count only on the next import (Label Studio re-spreads its tasks' overlap when the
project's setting changes, ``rearrange_overlap_cohort``; annotators' managers expect the same).

Which items follow: those still waiting for answers (not gold, not final, fewer answers than
they want) whose target is the project's default:

* raised: an open item that wants fewer than the new overlap wants the new overlap;
* lowered: an open item that wants more than the new overlap but no more than the old one (one
  adaptive overlap asked more of, above the old overlap, is contested and keeps its target)
  wants the new overlap, or the answers it already has when those are more — it is then done,
  and the consensus domain (``backend.consensus.overlap_followed``) has it finished.

Finished items keep what they have: their consensus may be in review or in a lot; the data
manager's requeue asks more of them on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, update
from sqlmodel import Session

from backend import events
from backend.items.final_models import FinalItem
from backend.items.models import Item
from backend.projects.models import Project


@dataclass(frozen=True)
class Followed:
    """What a change of overlap moved: how many open items were raised and lowered, and the
    lowered ones that now have every answer they want (``done``)."""

    raised: int
    lowered: int
    done: tuple[int, ...]


def follow_overlap(*, session: Session, project_id: int, old: int, new: int) -> Followed:
    """Move the open items' targets from ``old`` to ``new`` (see the module); in the caller's
    transaction. The caller gives the items now done their consensus (``done``)."""
    is_open = and_(
        Item.project_id == project_id,
        Item.is_gold.is_(False),
        Item.annotation_count < Item.wanted,
        ~exists().where(FinalItem.item_id == Item.id),
    )
    if new > old:
        raised = session.execute(
            update(Item)
            .where(is_open, Item.wanted < new)
            .values(wanted=new)
            .execution_options(synchronize_session=False)
        ).rowcount
        return Followed(raised=raised, lowered=0, done=())
    if new == old:
        return Followed(raised=0, lowered=0, done=())
    lowered = (is_open, Item.wanted > new, Item.wanted <= old)
    done = session.execute(
        update(Item)
        .where(*lowered, Item.annotation_count >= new)
        .values(wanted=Item.annotation_count)
        .returning(Item.id)
        .execution_options(synchronize_session=False)
    ).scalars()
    done_ids = tuple(sorted(done))
    waiting = session.execute(
        update(Item)
        .where(*lowered, Item.annotation_count < new)
        .values(wanted=new)
        .execution_options(synchronize_session=False)
    ).rowcount
    return Followed(raised=0, lowered=len(done_ids) + waiting, done=done_ids)


def overlap_change(event: events.ProjectSettingsChanged) -> tuple[int, int] | None:
    """``(old, new)`` when the event changed the project's overlap, else ``None``."""
    if "overlap" not in event.fields or "overlap" not in event.before:
        return None
    project = event.session.get(Project, event.project_id)
    old, new = int(event.before["overlap"]), int(project.overlap)
    return (old, new) if old != new else None
