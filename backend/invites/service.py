"""Making, listing and revoking invitations (owners and managers)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from backend import clock
from backend.accounts.service import normalise_email
from backend.audit.service import record
from backend.errors import ApiError, forbidden, not_found
from backend.invites.models import Invite
from backend.invites.schemas import InvitePublic, InviteStatus
from backend.orgs.models import Membership, Role
from backend.projects.access import projects_of_org
from backend.security.api_tokens import hash_token
from backend.settings import get_settings

INVITE_PATH = "/#/invite/"


def create_invite(
    *,
    session: Session,
    org_id: int,
    actor: Membership,
    role: Role,
    email: str | None,
    expires_hours: int,
    project_ids: list[int],
) -> tuple[Invite, str]:
    """A new invitation and its token (shown once). Only an owner may invite an owner; every
    project must be the organization's (else 404, nothing made)."""
    if role == Role.owner and actor.role != Role.owner:
        raise forbidden("only an owner may invite an owner")
    projects = projects_of_org(session=session, org_id=org_id, project_ids=project_ids)
    token = secrets.token_urlsafe(32)
    invite = Invite(
        org_id=org_id,
        token_hash=hash_token(token),
        role=role,
        email=normalise_email(email) if email else None,
        project_ids=projects,
        created_by=actor.user_id,
        expires_at=clock.now() + timedelta(hours=expires_hours),
    )
    session.add(invite)
    session.flush()
    record(
        session,
        org_id=org_id,
        actor_id=actor.user_id,
        action="invite.create",
        target_type="invite",
        target_id=invite.id,
        data={"role": role.value, "email": invite.email, "project_ids": projects},
    )
    session.commit()
    return invite, token


def invite_url(token: str, *, request_base: str) -> str:
    """The browser UI's page for the invitation, at ``JINBIAO_PUBLIC_URL`` when set."""
    base = get_settings().public_url or request_base
    return f"{base.rstrip('/')}{INVITE_PATH}{token}"


def status_of(invite: Invite, now: datetime) -> InviteStatus:
    if invite.used_at is not None:
        return "used"
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at <= now:
        return "expired"
    return "pending"


def refusal(invite: Invite, now: datetime) -> ApiError | None:
    """410 with the reason an invitation can no longer be accepted; None while it can."""
    state = status_of(invite, now)
    if state == "pending":
        return None
    messages = {
        "used": "this invitation has been used already",
        "revoked": "this invitation was withdrawn",
        "expired": f"this invitation expired at {invite.expires_at.isoformat()}",
    }
    return ApiError(410, messages[state], code=f"invite_{state}")


def list_invites(
    *, session: Session, org_id: int, pending_only: bool, offset: int, limit: int
) -> tuple[list[InvitePublic], int]:
    """The organization's invitations, newest first (tokens are never shown again)."""
    now = clock.now()
    where = [Invite.org_id == org_id]
    if pending_only:
        where += [Invite.used_at.is_(None), Invite.revoked_at.is_(None), Invite.expires_at > now]
    total = session.exec(select(func.count()).select_from(Invite).where(*where)).one()
    rows = session.exec(
        select(Invite).where(*where).order_by(Invite.id.desc()).offset(offset).limit(limit)
    ).all()
    return [public(invite, now) for invite in rows], total


def revoke_invite(*, session: Session, org_id: int, invite_id: int, actor: Membership) -> None:
    """Withdraw a pending invitation (again: nothing); a used one: 410 ``invite_used``."""
    invite = session.get(Invite, invite_id)
    if invite is None or invite.org_id != org_id:
        raise not_found("invite")
    if invite.used_at is not None:
        raise refusal(invite, clock.now())
    if invite.revoked_at is None:
        invite.revoked_at = clock.now()
        session.add(invite)
        record(
            session,
            org_id=org_id,
            actor_id=actor.user_id,
            action="invite.revoke",
            target_type="invite",
            target_id=invite.id,
        )
    session.commit()


def public(invite: Invite, now: datetime) -> InvitePublic:
    return InvitePublic(
        id=invite.id,
        org_id=invite.org_id,
        role=Role(invite.role),
        email=invite.email,
        project_ids=list(invite.project_ids),
        created_by=invite.created_by,
        created_at=invite.created_at,
        expires_at=invite.expires_at,
        used_at=invite.used_at,
        used_by=invite.used_by,
        revoked_at=invite.revoked_at,
        status=status_of(invite, now),
    )
