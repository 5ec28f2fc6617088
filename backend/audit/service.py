"""Audit events written in the caller's transaction: the event and the change commit together."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from backend.audit.models import AuditEvent


def record(
    session: Session,
    *,
    org_id: int | None,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int | str,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        org_id=org_id,
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        data=data or {},
    )
    session.add(event)
    return event
