"""Opening and accepting an invitation: the only way into an organization.

A token that is unknown (never issued, or forged) is 404; a known one that can no longer be
used is 410 with its reason (``invite_used``, ``invite_expired``, ``invite_revoked``). Accepting
is one transaction: the invitation is claimed (a conditional update, so of two acceptances at
once exactly one wins), the account is created where the person has none, the membership and
the project access are added; any refusal on the way rolls all of it back, so a bad token or a
refused acceptance leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from backend import clock
from backend.accounts.models import User
from backend.accounts.service import create_user, normalise_email
from backend.errors import ApiError, forbidden, invalid, not_found
from backend.invites.models import Invite
from backend.invites.schemas import AcceptBody, InvitePreview, MyInvite
from backend.invites.service import refusal
from backend.orgs.models import Membership, Organization, Role
from backend.orgs.service import join
from backend.projects.access import grant
from backend.security.api_tokens import hash_token


def open_invite(*, session: Session, token: str) -> Invite:
    """The invitation behind ``token`` while it can be accepted; 404 or 410 otherwise."""
    invite = session.exec(select(Invite).where(Invite.token_hash == hash_token(token))).first()
    return _still_open(invite)


def preview(*, session: Session, token: str) -> InvitePreview:
    invite = open_invite(session=session, token=token)
    org = session.get(Organization, invite.org_id)
    return InvitePreview(
        org_name=org.name, role=Role(invite.role), expires_at=invite.expires_at, email=invite.email
    )


@dataclass(frozen=True)
class Joined:
    user: User
    membership: Membership


def accept(
    *, session: Session, invite: Invite, user: User | None, body: AcceptBody | None
) -> Joined:
    """``user`` (signed in) or the account ``body`` describes joins with the invited role;
    the caller commits."""
    if user is None:
        user = _new_account(session=session, invite=invite, body=body or AcceptBody())
    elif invite.email is not None and user.email != invite.email:
        raise _other_email()
    _claim(session=session, invite=invite, user_id=user.id)
    membership = join(
        session=session, org_id=invite.org_id, user=user, role=Role(invite.role), via="invite"
    )
    grant(session=session, org_id=invite.org_id, project_ids=invite.project_ids, user_id=user.id)
    return Joined(user, membership)


def my_invites(*, session: Session, user: User) -> list[MyInvite]:
    """Pending invitations made out to the caller's address, newest first."""
    now = clock.now()
    rows = session.exec(
        select(Invite, Organization.name)
        .join(Organization, Organization.id == Invite.org_id)
        .where(
            Invite.email == user.email,
            Invite.used_at.is_(None),
            Invite.revoked_at.is_(None),
            Invite.expires_at > now,
        )
        .order_by(Invite.id.desc())
    ).all()
    return [
        MyInvite(
            id=i.id, org_id=i.org_id, org_name=name, role=Role(i.role), expires_at=i.expires_at
        )
        for i, name in rows
    ]


def my_invite(*, session: Session, user: User, invite_id: int) -> Invite:
    """One of ``my_invites`` by id: 404 unless it is made out to the caller; 410 once spent."""
    invite = session.get(Invite, invite_id)
    return _still_open(invite if invite is not None and invite.email == user.email else None)


def decline(*, session: Session, invite: Invite) -> None:
    invite.revoked_at = clock.now()
    session.add(invite)


def _still_open(invite: Invite | None) -> Invite:
    """404 for no invitation, 410 with the reason for one that can no longer be accepted."""
    if invite is None:
        raise not_found("invite")
    refused = refusal(invite, clock.now())
    if refused is not None:
        raise refused
    return invite


def _new_account(*, session: Session, invite: Invite, body: AcceptBody) -> User:
    missing = [name for name in ("email", "password", "name") if getattr(body, name) is None]
    if missing:
        raise ApiError(
            422,
            [
                {
                    "loc": ["body", name],
                    "msg": "sign in first, or give email, password and name to create an account",
                    "type": "missing",
                }
                for name in missing
            ],
            code="invalid_input",
        )
    name = body.name.strip()
    if not name:
        raise invalid(("name",), "name must not be blank")
    email = normalise_email(str(body.email))
    if invite.email is not None and email != invite.email:
        raise _other_email()
    return create_user(session=session, email=email, password=body.password, name=name)


def _claim(*, session: Session, invite: Invite, user_id: int) -> None:
    """Mark the invitation used by ``user_id``, unless another acceptance got there first."""
    claimed = session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None), Invite.revoked_at.is_(None))
        .values(used_at=clock.now(), used_by=user_id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        session.rollback()
        raise ApiError(410, "this invitation has been used already", code="invite_used")


def _other_email() -> ApiError:
    return forbidden("this invitation is for another e-mail address", code="invite_other_email")
