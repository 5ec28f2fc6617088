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
  wants the new overlap, or the answers it already has when those are more — it is then done, and
  the recompute the change asks for (``backend.consensus.scheduling``) gives it its consensus.

Finished items keep what they have: their consensus may be in review or in a lot; the data
manager's requeue asks more of them on purpose.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import and_, exists, update
from sqlmodel import Session

from backend import events
from backend.audit.service import record
from backend.items.final_models import FinalItem
from backend.items.models import Item
from backend.projects.models import Project


@dataclass(frozen=True)
class Followed:
    """How many open items a change of overlap moved: raised, lowered, and of those lowered
    how many now have every answer they want."""

    raised: int
    lowered: int
    done: int


def follow_overlap(*, session: Session, project_id: int, old: int, new: int) -> Followed:
    """Move the open items' targets from ``old`` to ``new`` (see the module); in the caller's
    transaction."""
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
        return Followed(raised=raised, lowered=0, done=0)
    if new == old:
        return Followed(raised=0, lowered=0, done=0)
    lowered = (is_open, Item.wanted > new, Item.wanted <= old)
    done = session.execute(
        update(Item)
        .where(*lowered, Item.annotation_count >= new)
        .values(wanted=Item.annotation_count)
        .execution_options(synchronize_session=False)
    ).rowcount
    waiting = session.execute(
        update(Item)
        .where(*lowered, Item.annotation_count < new)
        .values(wanted=new)
        .execution_options(synchronize_session=False)
    ).rowcount
    return Followed(raised=0, lowered=done + waiting, done=done)


def overlap_change(event: events.ProjectSettingsChanged) -> tuple[int, int] | None:
    """``(old, new)`` when the event changed the project's overlap, else ``None``."""
    if "overlap" not in event.fields or "overlap" not in event.before:
        return None
    project = event.session.get(Project, event.project_id)
    old, new = int(event.before["overlap"]), int(project.overlap)
    return (old, new) if old != new else None


def _on_settings_changed(event: events.ProjectSettingsChanged) -> None:
    """Move the open items and say how many in the organization's audit trail: a change of
    overlap changes what the crowd is paid for."""
    change = overlap_change(event)
    if change is None:
        return
    old, new = change
    moved = follow_overlap(session=event.session, project_id=event.project_id, old=old, new=new)
    record(
        event.session,
        org_id=event.org_id,
        actor_id=event.actor_id,
        action="project.overlap_followed",
        target_type="project",
        target_id=event.project_id,
        data={"from": old, "to": new, **asdict(moved)},
    )


def subscribe_listeners() -> None:
    """Called by ``backend.wiring.wire``."""
    events.subscribe(events.ProjectSettingsChanged, _on_settings_changed)
