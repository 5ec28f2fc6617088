"""Project endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response, status

from backend.accounts.deps import SessionDep
from backend.errors import not_found
from backend.orgs.deps import OrgManager, OrgMember
from backend.orgs.models import Role
from backend.pagination import Page, page_headers
from backend.projects import service
from backend.projects.access import may_work_on
from backend.projects.deps import ProjectManager, ProjectMember
from backend.projects.schemas import (
    LabelInUse,
    ProjectCreate,
    ProjectPublic,
    ProjectUpdate,
    for_role,
)
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["projects"], route_class=TransactionEndingRoute)


@router.post(
    "/orgs/{org_id}/projects", status_code=status.HTTP_201_CREATED, response_model=ProjectPublic
)
def create_project(
    org_id: int, body: ProjectCreate, manager: OrgManager, session: SessionDep
) -> ProjectPublic:
    """Owners and managers of the organization."""
    project = service.create_project(session=session, org_id=org_id, body=body, actor=manager)
    return ProjectPublic.model_validate(project)


@router.get("/orgs/{org_id}/projects", response_model=list[ProjectPublic])
def list_projects(
    org_id: int, member: OrgMember, session: SessionDep, response: Response, page: Page = Query()
) -> list[ProjectPublic]:
    """Any member of the organization; newest first, paginated. An annotator sees only the
    projects they may work on (``backend/projects/access.py``)."""
    rows, total = service.list_projects(
        session=session,
        org_id=org_id,
        offset=page.offset,
        limit=page.limit,
        only_for=member.user_id if member.role == Role.annotator else None,
    )
    response.headers.update(page_headers(total))
    return [for_role(p, member.role) for p in rows]


@router.get("/projects/{project_id}", response_model=ProjectPublic)
def get_project(access: ProjectMember, session: SessionDep) -> ProjectPublic:
    """Any member of the project's organization (the client without pay settings), except an
    annotator whom a listed project does not name: 404, as their project list omits it."""
    if access.membership.role == Role.annotator and not may_work_on(
        session=session, project_id=access.project.id, user_id=access.membership.user_id
    ):
        raise not_found("project")
    return for_role(access.project, access.membership.role)


@router.patch(
    "/projects/{project_id}",
    response_model=ProjectPublic,
    responses={409: {"model": LabelInUse, "description": "a removed label is in use"}},
)
def update_project(
    body: ProjectUpdate, access: ProjectManager, session: SessionDep
) -> ProjectPublic:
    """Owners and managers of the project's organization.

    ``labels`` replaces the label set. Adding labels, colours, hotkeys and order never touch
    stored results. A label left out is removed: while annotations, gold answers or prelabels
    use it, the change is refused (409 ``label_in_use`` with ``count``) unless ``label_map``
    says where they go; renaming one label is ``POST /projects/{id}/labels/rename``.
    """
    project = service.update_project(
        session=session, project=access.project, body=body, actor=access.membership
    )
    return ProjectPublic.model_validate(project)
