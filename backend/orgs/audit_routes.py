"""``GET /orgs/{org_id}/audit``: the organization's audit trail — role changes, invitations,
pauses, label renames, overturned reviews, exports, payouts, deletions. Owners only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from backend.accounts.deps import SessionDep
from backend.orgs import audit_log
from backend.orgs.deps import OrgOwner
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["organizations"], route_class=TransactionEndingRoute)


class AuditEventPublic(BaseModel):
    id: int
    action: str
    actor_id: int | None
    actor_name: str | None
    target_type: str
    target_id: str
    data: dict[str, Any]
    created_at: datetime


class AuditPage(BaseModel):
    events: list[AuditEventPublic]
    next_cursor: int | None
    actions: list[str]


@router.get("/orgs/{org_id}/audit", response_model=AuditPage)
def audit_trail(
    org_id: int,
    owner: OrgOwner,
    session: SessionDep,
    action: str | None = Query(default=None, max_length=64),
    cursor: int | None = Query(default=None, ge=1, le=2**62),
    limit: int = Query(default=50, ge=1, le=200),
) -> AuditPage:
    """Owners: newest first; ``cursor`` is the ``next_cursor`` of the page before."""
    rows, next_cursor = audit_log.list_events(
        session=session, org_id=org_id, action=action, before_id=cursor, limit=limit
    )
    return AuditPage(
        events=[
            AuditEventPublic(
                id=event.id or 0,
                action=event.action,
                actor_id=event.actor_id,
                actor_name=name,
                target_type=event.target_type,
                target_id=event.target_id,
                data=event.data,
                created_at=event.created_at,
            )
            for event, name in rows
        ],
        next_cursor=next_cursor,
        actions=audit_log.actions_in_use(session=session, org_id=org_id),
    )
