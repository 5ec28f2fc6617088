"""Who may act on an assignment: only the annotator it was leased to.

Anyone else — another annotator of the same project, or anyone of another organization — gets
404, so an assignment id reveals nothing. The annotator must still belong to the project's
organization with a labelling role (403 if their role no longer allows it).
"""

from __future__ import annotations

from fastapi import HTTPException, status
from sqlmodel import Session

from backend.assignments.models import Assignment
from backend.errors import not_found
from backend.orgs.models import MANAGERS, Role
from backend.projects.deps import load_project_access
from backend.projects.models import Project

LABELLERS = frozenset({Role.annotator, *MANAGERS})


def own_assignment(
    *, session: Session, assignment_id: int, user_id: int
) -> tuple[Assignment, Project]:
    """The caller's assignment and its project, or 404."""
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or assignment.annotator_id != user_id:
        raise not_found("assignment")
    try:
        access = load_project_access(
            session=session, project_id=assignment.project_id, user_id=user_id, allowed=LABELLERS
        )
    except HTTPException as exc:
        if exc.status_code == status.HTTP_404_NOT_FOUND:
            raise not_found("assignment") from None
        raise
    return assignment, access.project
