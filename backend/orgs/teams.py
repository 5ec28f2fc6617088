"""Teams: named groups of an organization's members, so a project's access list can name a
whole crew at once. Only members of the team's organization can be in it; a request naming
anyone else is refused whole (404: another organization's people are never confirmed)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend.audit.service import record
from backend.errors import conflict, not_found
from backend.orgs.models import Membership, Team, TeamMember
from backend.orgs.schemas import TeamPublic


def check_members(*, session: Session, org_id: int, user_ids: Iterable[int]) -> list[int]:
    """``user_ids`` without repeats, ascending, when every one is a member of ``org_id``;
    404 for the whole request otherwise."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return []
    found = set(
        session.exec(
            select(Membership.user_id).where(
                Membership.org_id == org_id, Membership.user_id.in_(wanted)
            )
        )
    )
    if len(found) != len(wanted):
        raise not_found("member")
    return wanted


def create_team(
    *, session: Session, org_id: int, name: str, member_ids: list[int], actor_id: int
) -> TeamPublic:
    members = check_members(session=session, org_id=org_id, user_ids=member_ids)
    team = Team(org_id=org_id, name=name)
    session.add(team)
    _flush_name(session)
    _set_members(session=session, team=team, member_ids=members)
    _audit(session, team, actor_id, "team.create", members)
    session.commit()
    return team_public(session=session, team=team)


def update_team(
    *, session: Session, team: Team, name: str | None, member_ids: list[int] | None, actor_id: int
) -> TeamPublic:
    if name is not None:
        team.name = name
        session.add(team)
        _flush_name(session)
    members = None
    if member_ids is not None:
        members = check_members(session=session, org_id=team.org_id, user_ids=member_ids)
        _set_members(session=session, team=team, member_ids=members)
    _audit(session, team, actor_id, "team.update", members)
    session.commit()
    return team_public(session=session, team=team)


def delete_team(*, session: Session, team: Team, actor_id: int) -> None:
    _audit(session, team, actor_id, "team.delete", None)
    session.delete(team)
    session.commit()


def list_teams(*, session: Session, org_id: int) -> list[TeamPublic]:
    teams = session.exec(select(Team).where(Team.org_id == org_id).order_by(Team.name)).all()
    members = _members_of(session=session, team_ids=[t.id for t in teams])
    return [_public(t, members.get(t.id, [])) for t in teams]


def team_public(*, session: Session, team: Team) -> TeamPublic:
    return _public(team, _members_of(session=session, team_ids=[team.id]).get(team.id, []))


def teams_of_org(*, session: Session, org_id: int, team_ids: Iterable[int]) -> list[int]:
    """``team_ids`` without repeats, ascending, when each is a team of ``org_id``; else 404."""
    wanted = sorted(set(team_ids))
    if not wanted:
        return []
    found = set(session.exec(select(Team.id).where(Team.org_id == org_id, Team.id.in_(wanted))))
    if len(found) != len(wanted):
        raise not_found("team")
    return wanted


def _members_of(*, session: Session, team_ids: list[int]) -> dict[int, list[int]]:
    if not team_ids:
        return {}
    rows = session.exec(
        select(TeamMember.team_id, TeamMember.user_id)
        .where(TeamMember.team_id.in_(team_ids))
        .order_by(TeamMember.team_id, TeamMember.user_id)
    )
    found: dict[int, list[int]] = {}
    for team_id, user_id in rows:
        found.setdefault(team_id, []).append(user_id)
    return found


def _set_members(*, session: Session, team: Team, member_ids: list[int]) -> None:
    session.execute(delete(TeamMember).where(TeamMember.team_id == team.id))
    session.add_all(TeamMember(team_id=team.id, user_id=user_id) for user_id in member_ids)
    session.flush()


def _flush_name(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise conflict("a team with this name exists already", code="team_name_taken") from exc


def _audit(
    session: Session, team: Team, actor_id: int, action: str, members: list[int] | None
) -> None:
    data: dict[str, object] = {"name": team.name}
    if members is not None:
        data["member_ids"] = members
    record(
        session,
        org_id=team.org_id,
        actor_id=actor_id,
        action=action,
        target_type="team",
        target_id=team.id,
        data=data,
    )


def _public(team: Team, member_ids: list[int]) -> TeamPublic:
    return TeamPublic(
        id=team.id,
        org_id=team.org_id,
        name=team.name,
        member_ids=member_ids,
        created_at=team.created_at,
    )
