"""Reading an organization's audit trail (``backend/audit`` writes it inside each change's own
transaction): newest first, by keyset on the event id so page 500 costs what page 1 does."""

from __future__ import annotations

from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.audit.models import AuditEvent


def list_events(
    *,
    session: Session,
    org_id: int,
    action: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> tuple[list[tuple[AuditEvent, str | None]], int | None]:
    """One page of events with the actor's name; the cursor of the next page or None."""
    query = (
        select(AuditEvent, User.name)
        .join(User, col(User.id) == col(AuditEvent.actor_id), isouter=True)
        .where(AuditEvent.org_id == org_id)
        .order_by(col(AuditEvent.id).desc())
        .limit(limit + 1)
    )
    if action:
        query = query.where(AuditEvent.action == action)
    if before_id is not None:
        query = query.where(col(AuditEvent.id) < before_id)
    rows = list(session.exec(query).all())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = rows[-1][0].id if more and rows else None
    return [(event, name) for event, name in rows], next_cursor


def actions_in_use(*, session: Session, org_id: int) -> list[str]:
    """The distinct actions of the organization's trail, for the filter of the audit page."""
    return sorted(
        session.exec(select(AuditEvent.action).where(AuditEvent.org_id == org_id).distinct()).all()
    )
