"""Projects as plain functions: create, list, read, update."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from backend import clock
from backend.audit.service import record
from backend.errors import invalid
from backend.orgs.models import Membership
from backend.projects.access import listed_for
from backend.projects.models import Project
from backend.projects.schemas import ProjectCreate, ProjectUpdate


def create_project(
    *, session: Session, org_id: int, body: ProjectCreate, actor: Membership
) -> Project:
    project = Project(
        org_id=org_id,
        created_by=actor.user_id,
        **body.model_dump(exclude={"labels", "model_endpoint"}),
        labels=[label.model_dump() for label in body.labels],
        model_endpoint=body.model_endpoint.stored() if body.model_endpoint else None,
    )
    session.add(project)
    session.flush()
    record(
        session,
        org_id=org_id,
        actor_id=actor.user_id,
        action="project.create",
        target_type="project",
        target_id=project.id,
        data={"kind": project.kind},
    )
    session.commit()
    session.refresh(project)
    return project


def list_projects(
    *, session: Session, org_id: int, offset: int, limit: int, only_for: int | None = None
) -> tuple[list[Project], int]:
    """The organization's projects, newest first; ``only_for``: those its access lists let that
    user work on."""
    where = [Project.org_id == org_id]
    if only_for is not None:
        where.append(listed_for(only_for))
    total = session.exec(select(func.count()).select_from(Project).where(*where)).one()
    rows = session.exec(
        select(Project).where(*where).order_by(Project.id.desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), total


def update_project(
    *, session: Session, project: Project, body: ProjectUpdate, actor: Membership
) -> Project:
    changes = body.model_dump(exclude_unset=True, exclude={"labels", "model_endpoint"})
    for field in ("ordering", "prelabels", "train_every"):  # null: leave as it is
        if changes.get(field, 0) is None:
            del changes[field]
    if "model_endpoint" in body.model_fields_set:
        endpoint = body.model_endpoint
        changes["model_endpoint"] = endpoint.stored() if endpoint is not None else None
    if body.labels is not None:
        changes["labels"] = [label.model_dump() for label in body.labels]
    overlap = changes.get("overlap", project.overlap)
    max_overlap = changes.get("max_overlap", project.max_overlap)
    if "overlap" in changes and "max_overlap" not in changes and max_overlap < overlap:
        max_overlap = changes["max_overlap"] = overlap
    if max_overlap < overlap:
        raise invalid(("max_overlap",), "max_overlap must be at least overlap")
    for field, value in changes.items():
        setattr(project, field, value)
    project.updated_at = clock.now()
    session.add(project)
    record(
        session,
        org_id=project.org_id,
        actor_id=actor.user_id,
        action="project.update",
        target_type="project",
        target_id=project.id,
        data={"fields": sorted(changes)},
    )
    session.commit()
    session.refresh(project)
    return project


def label_names(project: Project) -> list[str]:
    return [label["name"] for label in project.labels]
