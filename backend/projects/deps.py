"""Access to one project: the caller must belong to its organization (else 404) and hold an
allowed role (else 403). Every domain under a project reuses this."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from backend.accounts.deps import CurrentUser, SessionDep
from backend.db import ends_its_transaction
from backend.orgs.deps import check_org_access
from backend.orgs.models import EVERYONE, MANAGERS, STAFF, Membership, Role
from backend.projects.models import Project


@dataclass(frozen=True)
class ProjectAccess:
    project: Project
    membership: Membership

    @property
    def user_id(self) -> int:
        return self.membership.user_id


def load_project_access(
    *, session: SessionDep, project_id: int, user_id: int, allowed: frozenset[Role]
) -> ProjectAccess:
    project = session.get(Project, project_id)
    membership = check_org_access(
        session=session,
        org_id=project.org_id if project is not None else None,
        user_id=user_id,
        allowed=allowed,
        what="project",
    )
    return ProjectAccess(project=project, membership=membership)


def project_role(allowed: Iterable[Role]) -> Callable[..., ProjectAccess]:
    allowed_set = frozenset(allowed)

    @ends_its_transaction
    def dependency(project_id: int, user: CurrentUser, session: SessionDep) -> ProjectAccess:
        return load_project_access(
            session=session, project_id=project_id, user_id=user.id, allowed=allowed_set
        )

    return dependency


ProjectMember = Annotated[ProjectAccess, Depends(project_role(EVERYONE))]
ProjectStaff = Annotated[ProjectAccess, Depends(project_role(STAFF))]
ProjectManager = Annotated[ProjectAccess, Depends(project_role(MANAGERS))]
ProjectAnnotator = Annotated[ProjectAccess, Depends(project_role({Role.annotator, *MANAGERS}))]
