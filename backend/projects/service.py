"""Projects as plain functions: create, list, read, update."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from backend import clock, events
from backend.audit.service import record
from backend.errors import invalid
from backend.orgs.models import Membership
from backend.projects.access import listed_for
from backend.projects.models import Project
from backend.projects.pay_settings import PaySettings, stored_pay
from backend.projects.schemas import ProjectCreate, ProjectUpdate


def create_project(
    *, session: Session, org_id: int, body: ProjectCreate, actor: Membership
) -> Project:
    fields = _with_pay(body.model_dump(exclude={"labels", "pay"}), body.pay)
    project = Project(
        org_id=org_id,
        created_by=actor.user_id,
        **fields,
        labels=[label.model_dump() for label in body.labels],
    )
    session.add(project)
    session.flush()
    _settings_changed(session, project, set(fields), actor.user_id)
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
    changes = body.model_dump(exclude_unset=True, exclude={"labels", "pay"})
    if body.pay is not None:
        per_item = body.pay.per_item
        if per_item is not None and changes.get("reward_per_item", float(per_item)) != float(
            per_item
        ):
            raise invalid(("pay", "per_item"), "differs from reward_per_item (the same value)")
        changes = _with_pay(changes, body.pay)
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
    _settings_changed(session, project, set(changes), actor.user_id)
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


def _with_pay(fields: dict, pay: PaySettings | None) -> dict:
    """``pay`` split into its column and ``reward_per_item`` (its ``per_item``)."""
    if pay is None:
        return fields
    fields = {**fields, "pay": stored_pay(pay)}
    if pay.per_item is not None:
        fields["reward_per_item"] = float(pay.per_item)
    return fields


def _settings_changed(session: Session, project: Project, fields: set[str], actor_id: int) -> None:
    """Tell the domains above (pay records rate changes) inside this transaction."""
    events.emit(
        events.ProjectSettingsChanged(
            session=session,
            project_id=project.id,
            org_id=project.org_id,
            fields=frozenset(fields),
            actor_id=actor_id,
        )
    )
