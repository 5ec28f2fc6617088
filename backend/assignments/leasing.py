"""``next``: lease one item to an annotator, or nothing when nothing is left for them.

One short transaction: lock the annotator's state row, hand back a live lease they already hold
(a page reload must not burn items), else decide gold or normal, pick the item (see
``picking``), insert the assignment and commit. Leases end by time: an expired lease simply stops
counting, so correctness never waits for a sweeper.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from backend import clock
from backend.assignments.models import Assignment
from backend.assignments.picking import Candidate, pick_gold_item, pick_open_item
from backend.assignments.states import lock_state
from backend.errors import forbidden
from backend.items.models import Item
from backend.projects.models import Project

# Gold draws need no secrecy from the server, only unpredictability for the annotator.
_rng = random.Random()


@dataclass(frozen=True)
class Lease:
    """An assignment with its item, both read before the commit (no second transaction)."""

    assignment: Assignment
    item: Item


def live_lease(
    *, session: Session, project_id: int, annotator_id: int, now: datetime
) -> Assignment | None:
    """The annotator's lease in this project that has not expired yet, if any."""
    return session.exec(
        select(Assignment)
        .where(
            Assignment.project_id == project_id,
            Assignment.annotator_id == annotator_id,
            Assignment.status == "leased",
            Assignment.expires_at > now,
        )
        .order_by(Assignment.expires_at.desc())
        .limit(1)
    ).first()


def in_qualification(*, session: Session, project: Project, annotator_id: int) -> bool:
    """Whether the annotator has had fewer items than the project's qualification count.

    Counts at most ``qualification_count`` rows of the annotator's index range, never the
    whole history.
    """
    if project.qualification_count <= 0:
        return False
    had = (
        select(Assignment.id)
        .where(Assignment.project_id == project.id, Assignment.annotator_id == annotator_id)
        .limit(project.qualification_count)
        .subquery()
    )
    count = session.exec(select(func.count()).select_from(had)).one()
    return count < project.qualification_count


def choose_item(
    *, session: Session, project: Project, annotator_id: int, now: datetime
) -> Candidate | None:
    """Gold at ``gold_rate`` (always during qualification), else the next open item.

    No gold left for this annotator falls back to a normal item; no normal item left means
    nothing is left (gold alone would only test, not label).
    """
    qualifying = in_qualification(session=session, project=project, annotator_id=annotator_id)
    if qualifying or _rng.random() < project.gold_rate:
        gold = pick_gold_item(
            session=session, project_id=project.id, annotator_id=annotator_id, rng=_rng
        )
        if gold is not None:
            return gold
    return pick_open_item(
        session=session, project_id=project.id, annotator_id=annotator_id, now=now
    )


def next_assignment(*, session: Session, project: Project, annotator_id: int) -> Lease | None:
    """The caller's lease (an existing live one, or a new one), or None when nothing is left.

    Raises 403 with the reason when the annotator is paused in this project (rule 5).
    """
    now = clock.now()
    state = lock_state(session=session, project_id=project.id, user_id=annotator_id)
    if state.status == "paused":
        session.rollback()
        reason = state.paused_reason or "low gold accuracy"
        raise forbidden(f"you are paused in this project: {reason}")
    held = live_lease(session=session, project_id=project.id, annotator_id=annotator_id, now=now)
    if held is not None:
        lease = Lease(held, session.get(Item, held.item_id))
        session.commit()
        return lease
    candidate = choose_item(session=session, project=project, annotator_id=annotator_id, now=now)
    if candidate is None:
        session.commit()
        return None
    assignment = Assignment(
        project_id=project.id,
        item_id=candidate.item_id,
        annotator_id=annotator_id,
        is_gold=candidate.is_gold,
        status="leased",
        created_at=now,
        expires_at=now + timedelta(seconds=project.lease_seconds),
    )
    session.add(assignment)
    lease = Lease(assignment, session.get(Item, candidate.item_id))
    session.commit()
    return lease
