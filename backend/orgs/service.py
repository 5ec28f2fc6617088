"""Organizations and memberships as plain functions; routes stay thin."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend.accounts.models import User
from backend.accounts.service import get_user_by_email
from backend.audit.service import record
from backend.errors import conflict, forbidden, invalid, not_found
from backend.orgs.models import Membership, Organization, Role
from backend.orgs.schemas import MemberPublic, OrgPublic


def create_org(*, session: Session, name: str, owner: User) -> OrgPublic:
    """Create an organization; its creator becomes the owner in the same transaction."""
    org = Organization(name=name.strip())
    session.add(org)
    session.flush()
    session.add(Membership(org_id=org.id, user_id=owner.id, role=Role.owner))
    record(
        session,
        org_id=org.id,
        actor_id=owner.id,
        action="org.create",
        target_type="organization",
        target_id=org.id,
        data={"name": org.name},
    )
    session.commit()
    return OrgPublic(id=org.id, name=org.name, created_at=org.created_at, role=Role.owner)


def get_membership(*, session: Session, org_id: int, user_id: int) -> Membership | None:
    query = select(Membership).where(Membership.org_id == org_id, Membership.user_id == user_id)
    return session.exec(query).first()


def list_orgs_of(*, session: Session, user: User) -> list[OrgPublic]:
    rows = session.exec(
        select(Organization, Membership.role)
        .join(Membership, Membership.org_id == Organization.id)
        .where(Membership.user_id == user.id)
        .order_by(Organization.id)
    ).all()
    return [
        OrgPublic(id=org.id, name=org.name, created_at=org.created_at, role=Role(role))
        for org, role in rows
    ]


def _public(membership: Membership, user: User) -> MemberPublic:
    return MemberPublic(
        id=membership.id,
        org_id=membership.org_id,
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=Role(membership.role),
        created_at=membership.created_at,
    )


def add_member(
    *, session: Session, org_id: int, email: str, role: Role, actor: Membership
) -> MemberPublic:
    """Add an existing user to the organization with a role; only owners may add owners."""
    if role == Role.owner and actor.role != Role.owner:
        raise forbidden("only an owner may add another owner")
    user = get_user_by_email(session=session, email=email)
    if user is None:
        raise invalid(("email",), "no user with this email; they must sign up first")
    if get_membership(session=session, org_id=org_id, user_id=user.id) is not None:
        raise conflict("this user is already a member of the organization")
    membership = Membership(org_id=org_id, user_id=user.id, role=role)
    session.add(membership)
    record(
        session,
        org_id=org_id,
        actor_id=actor.user_id,
        action="member.add",
        target_type="user",
        target_id=user.id,
        data={"role": role.value},
    )
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise conflict("this user is already a member of the organization") from exc
    return _public(membership, user)


def list_members(
    *, session: Session, org_id: int, offset: int, limit: int
) -> tuple[list[MemberPublic], int]:
    total = session.exec(
        select(func.count()).select_from(Membership).where(Membership.org_id == org_id)
    ).one()
    rows = session.exec(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org_id)
        .order_by(Membership.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return [_public(m, u) for m, u in rows], total


def change_role(
    *, session: Session, org_id: int, member_id: int, role: Role, actor: Membership
) -> MemberPublic:
    membership = session.get(Membership, member_id)
    if membership is None or membership.org_id != org_id:
        raise not_found("member")
    touches_owner = Role.owner in (role, Role(membership.role))
    if touches_owner and actor.role != Role.owner:
        raise forbidden("only an owner may grant or take away the owner role")
    if membership.role == Role.owner and role != Role.owner:
        _ensure_another_owner(session=session, org_id=org_id, leaving=membership)
    old = membership.role
    membership.role = role
    session.add(membership)
    record(
        session,
        org_id=org_id,
        actor_id=actor.user_id,
        action="member.role",
        target_type="user",
        target_id=membership.user_id,
        data={"from": old, "to": role.value},
    )
    session.commit()
    user = session.get(User, membership.user_id)
    return _public(membership, user)


def remove_member(*, session: Session, org_id: int, member_id: int, actor: Membership) -> None:
    membership = session.get(Membership, member_id)
    if membership is None or membership.org_id != org_id:
        raise not_found("member")
    if membership.role == Role.owner:
        if actor.role != Role.owner:
            raise forbidden("only an owner may remove an owner")
        _ensure_another_owner(session=session, org_id=org_id, leaving=membership)
    record(
        session,
        org_id=org_id,
        actor_id=actor.user_id,
        action="member.remove",
        target_type="user",
        target_id=membership.user_id,
        data={"role": membership.role},
    )
    session.delete(membership)
    session.commit()


def _ensure_another_owner(*, session: Session, org_id: int, leaving: Membership) -> None:
    owners = session.exec(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.org_id == org_id, Membership.role == Role.owner, Membership.id != leaving.id
        )
    ).one()
    if owners == 0:
        raise conflict("an organization must keep at least one owner")
