"""Organizations and memberships as plain functions; routes stay thin."""

from __future__ import annotations

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend import events
from backend.accounts import passwords
from backend.accounts.models import User
from backend.audit.service import record
from backend.errors import ApiError, conflict, forbidden, not_found
from backend.orgs.models import Membership, Organization, Role, Team, TeamMember
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
        must_change_password=user.must_change_password,
    )


def join(*, session: Session, org_id: int, user: User, role: Role, via: str) -> Membership:
    """Make ``user`` a member with ``role`` (409 ``already_member`` if they are one); the caller
    commits. Only an accepted invitation calls this: nobody joins without saying yes."""
    if get_membership(session=session, org_id=org_id, user_id=user.id) is not None:
        raise already_member()
    membership = Membership(org_id=org_id, user_id=user.id, role=role)
    session.add(membership)
    try:
        session.flush()
    except IntegrityError as exc:  # the same person accepting twice at once: nothing stays
        session.rollback()
        raise already_member() from exc
    record(
        session,
        org_id=org_id,
        actor_id=user.id,
        action="member.join",
        target_type="user",
        target_id=user.id,
        data={"role": role.value, "via": via},
    )
    return membership


def already_member() -> ApiError:
    return conflict("you are already a member of this organization", code="already_member")


def member_public(*, session: Session, membership: Membership) -> MemberPublic:
    return _public(membership, session.get(User, membership.user_id))


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
    membership = _member(session=session, org_id=org_id, member_id=member_id)
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
    membership = _member(session=session, org_id=org_id, member_id=member_id)
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
    org_teams = select(Team.id).where(Team.org_id == org_id)
    session.execute(
        delete(TeamMember).where(
            TeamMember.user_id == membership.user_id, TeamMember.team_id.in_(org_teams)
        )
    )
    session.delete(membership)
    session.flush()
    events.emit(events.MemberRemoved(session=session, org_id=org_id, user_id=membership.user_id))
    session.commit()


def _member(*, session: Session, org_id: int, member_id: int) -> Membership:
    """The membership ``member_id`` of this organization; 404 for any other."""
    membership = session.get(Membership, member_id)
    if membership is None or membership.org_id != org_id:
        raise not_found("member")
    return membership


def _ensure_another_owner(*, session: Session, org_id: int, leaving: Membership) -> None:
    owners = session.exec(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.org_id == org_id, Membership.role == Role.owner, Membership.id != leaving.id
        )
    ).one()
    if owners == 0:
        raise conflict("an organization must keep at least one owner", code="last_owner")


def set_temporary_password(
    *, session: Session, org_id: int, member_id: int, password: str | None, actor: Membership
) -> tuple[int, str]:
    """A temporary password for another member of this organization only: an owner of one
    organization must not take over an account that also works for another one."""
    membership = _member(session=session, org_id=org_id, member_id=member_id)
    if membership.user_id == actor.user_id:
        raise forbidden("change your own password with POST /me/password", code="own_password")
    elsewhere = session.exec(
        select(func.count())
        .select_from(Membership)
        .where(Membership.user_id == membership.user_id, Membership.org_id != org_id)
    ).one()
    if elsewhere:
        raise conflict(
            "this person belongs to another organization too; they must change their password "
            "themselves",
            code="member_of_other_orgs",
        )
    user = session.get(User, membership.user_id)
    temporary = passwords.set_temporary_password(session=session, user=user, password=password)
    record(
        session,
        org_id=org_id,
        actor_id=actor.user_id,
        action="member.temporary_password",
        target_type="user",
        target_id=user.id,
    )
    session.commit()
    return user.id, temporary
