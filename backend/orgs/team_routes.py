"""Team endpoints: owners and managers of the team's organization."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from backend.accounts.deps import CurrentUser, SessionDep
from backend.db import ends_its_transaction
from backend.orgs import teams
from backend.orgs.deps import OrgManager, check_org_access
from backend.orgs.models import MANAGERS, Team
from backend.orgs.schemas import TeamCreate, TeamPublic, TeamUpdate
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["organizations"], route_class=TransactionEndingRoute)


@ends_its_transaction
def _managed_team(team_id: int, user: CurrentUser, session: SessionDep) -> Team:
    """The team, where the caller manages its organization; 404 (or 403) otherwise."""
    team = session.get(Team, team_id)
    check_org_access(
        session=session,
        org_id=team.org_id if team is not None else None,
        user_id=user.id,
        allowed=MANAGERS,
        what="team",
    )
    return team


ManagedTeam = Annotated[Team, Depends(_managed_team)]


@router.post("/orgs/{org_id}/teams", status_code=status.HTTP_201_CREATED, response_model=TeamPublic)
def create_team(
    org_id: int, body: TeamCreate, manager: OrgManager, session: SessionDep
) -> TeamPublic:
    """Owners and managers; every member id must be a member of the organization (else 404)."""
    return teams.create_team(
        session=session,
        org_id=org_id,
        name=body.name,
        member_ids=body.member_ids,
        actor_id=manager.user_id,
    )


@router.get("/orgs/{org_id}/teams", response_model=list[TeamPublic])
def list_teams(org_id: int, manager: OrgManager, session: SessionDep) -> list[TeamPublic]:
    """Owners and managers: every team of the organization, by name."""
    return teams.list_teams(session=session, org_id=org_id)


@router.patch("/teams/{team_id}", response_model=TeamPublic)
def update_team(
    body: TeamUpdate, team: ManagedTeam, user: CurrentUser, session: SessionDep
) -> TeamPublic:
    """Owners and managers of the team's organization; ``member_ids`` replaces the members."""
    return teams.update_team(
        session=session,
        team=team,
        name=body.name,
        member_ids=body.member_ids,
        actor_id=user.id,
    )


@router.delete("/teams/{team_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_team(team: ManagedTeam, user: CurrentUser, session: SessionDep) -> Response:
    """Owners and managers of the team's organization; the team leaves every access list."""
    teams.delete_team(session=session, team=team, actor_id=user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
