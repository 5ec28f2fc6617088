"""``GET/PUT /projects/{project_id}/access``: who may work on a project."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from backend.accounts.deps import SessionDep
from backend.bounded_ids import DbId
from backend.projects import access
from backend.projects.deps import ProjectManager
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["projects"], route_class=TransactionEndingRoute)


class ProjectAccessBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["open", "listed"] = Field(
        description="open: every annotator of the organization; listed: only those named"
    )
    user_ids: list[DbId] = Field(default_factory=list, max_length=10_000)
    team_ids: list[DbId] = Field(default_factory=list, max_length=1_000)


class ProjectAccessPublic(BaseModel):
    mode: Literal["open", "listed"]
    user_ids: list[int]
    team_ids: list[int]


@router.get("/projects/{project_id}/access", response_model=ProjectAccessPublic)
def get_access(project: ProjectManager, session: SessionDep) -> ProjectAccessPublic:
    """Owners and managers of the project's organization."""
    mode, users, teams = access.get_access(session=session, project=project.project)
    return ProjectAccessPublic(mode=mode, user_ids=users, team_ids=teams)


@router.put("/projects/{project_id}/access", response_model=ProjectAccessPublic)
def put_access(
    body: ProjectAccessBody, project: ProjectManager, session: SessionDep
) -> ProjectAccessPublic:
    """Owners and managers. ``listed``: only the named people and teams' members (and the
    organization's owners and managers) get items from ``next``, and the project leaves other
    annotators' project lists. An id outside the organization: 404, nothing changed."""
    mode, users, teams = access.set_access(
        session=session,
        project=project.project,
        mode=body.mode,
        user_ids=body.user_ids,
        team_ids=body.team_ids,
        actor=project.membership,
    )
    return ProjectAccessPublic(mode=mode, user_ids=users, team_ids=teams)
