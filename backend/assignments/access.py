"""Who may act on an assignment: only the person it was leased to, for its stage.

Anyone else — another annotator of the same project, or anyone of another organization — gets
404, so an assignment id reveals nothing; so does a lease of another stage. The holder must still
belong to the project's organization with a role of the stage (403 if their role no longer allows
it).
"""

from __future__ import annotations

from fastapi import HTTPException, status
from sqlmodel import Session, select

from backend.assignments.models import Assignment
from backend.assignments.stages import StageRules
from backend.errors import not_found
from backend.projects.deps import load_project_access
from backend.projects.models import Project


def own_assignment(
    *, session: Session, rules: StageRules, assignment_id: int, user_id: int
) -> tuple[Assignment, Project]:
    """The caller's assignment, locked until the transaction ends, and its project; or 404.

    The row lock makes a retried submit (or a skip racing a submit) wait for the first one and
    then see what it did.
    """
    assignment = session.exec(
        select(Assignment)
        .where(
            Assignment.id == assignment_id,
            Assignment.annotator_id == user_id,
            Assignment.stage == rules.stage.value,
        )
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).first()
    if assignment is None:
        raise not_found("assignment")
    try:
        access = load_project_access(
            session=session, project_id=assignment.project_id, user_id=user_id, allowed=rules.roles
        )
    except HTTPException as exc:
        session.rollback()
        if exc.status_code == status.HTTP_404_NOT_FOUND:
            raise not_found("assignment") from None
        raise
    return assignment, access.project
