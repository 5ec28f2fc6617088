"""Projects as plain functions: create, list, read, update."""

from __future__ import annotations

from typing import Any

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
    fields = _with_pay(body.model_dump(exclude={"labels", "pay", "model_endpoint"}), body.pay)
    project = Project(
        org_id=org_id,
        created_by=actor.user_id,
        **fields,
        labels=[label.model_dump() for label in body.labels],
        model_endpoint=body.model_endpoint.stored() if body.model_endpoint else None,
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


_NULL_LEAVES_AS_IS = ("final_when", "reduced_inspection", "production_steady")


def update_project(
    *, session: Session, project: Project, body: ProjectUpdate, actor: Membership
) -> Project:
    changes = body.model_dump(
        exclude_unset=True, exclude={"labels", "label_map", "pay", "model_endpoint"}
    )
    if body.pay is not None:
        per_item = body.pay.per_item
        if per_item is not None and changes.get("reward_per_item", float(per_item)) != float(
            per_item
        ):
            raise invalid(("pay", "per_item"), "differs from reward_per_item (the same value)")
        changes = _with_pay(changes, body.pay)
    null_leaves = ("ordering", "prelabels", "train_every", *_NULL_LEAVES_AS_IS)
    for field in null_leaves:  # null: leave as it is
        if changes.get(field, 0) is None:
            del changes[field]
    if "model_endpoint" in body.model_fields_set:
        endpoint = body.model_endpoint
        changes["model_endpoint"] = endpoint.stored() if endpoint is not None else None
    if body.labels is not None:
        # Locked: a rename and a submit must not interleave (see backend/labels/service.py).
        session.refresh(project, with_for_update=True)
        changes["labels"] = [label.model_dump() for label in body.labels]
        _change_label_names(
            session=session, project=project, new=changes["labels"], body=body, actor=actor
        )
    elif body.label_map:
        raise invalid(("label_map",), "label_map goes with the new labels")
    overlap = changes.get("overlap", project.overlap)
    max_overlap = changes.get("max_overlap", project.max_overlap)
    if "overlap" in changes and "max_overlap" not in changes and max_overlap < overlap:
        max_overlap = changes["max_overlap"] = overlap
    if max_overlap < overlap:
        raise invalid(
            ("max_overlap",),
            f"max_overlap must be at least overlap ({overlap})",
            error_type="max_overlap_below_overlap",
            ctx={"overlap": overlap},
        )
    before = {field: getattr(project, field) for field in changes}
    for field, value in changes.items():
        setattr(project, field, value)
    project.updated_at = clock.now()
    session.add(project)
    _settings_changed(session, project, set(changes), actor.user_id, before=before)
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


def _change_label_names(
    *,
    session: Session,
    project: Project,
    new: list[dict[str, Any]],
    body: ProjectUpdate,
    actor: Membership,
) -> None:
    """When the set of names changes: the revision goes up and ``LabelsChanged`` asks the labels
    domain to refuse (a removed label in use without a mapping) or rewrite stored results.
    Colours, hotkeys and order change nothing stored."""
    old_names, new_names = label_names(project), [label["name"] for label in new]
    label_map = body.label_map or {}
    check_label_map(old=old_names, new=new_names, label_map=label_map)
    if set(old_names) == set(new_names):
        return
    project.labels_revision += 1
    dropped = [name for name in old_names if name not in new_names]
    events.emit(
        events.LabelsChanged(
            session=session,
            project_id=project.id,
            org_id=project.org_id,
            actor_id=actor.user_id,
            kind=project.kind,
            mapping={name: label_map[name] for name in dropped if name in label_map},
            unmapped=[name for name in dropped if name not in label_map],
            labels_revision=project.labels_revision,
        )
    )


def check_label_map(*, old: list[str], new: list[str], label_map: dict[str, str | None]) -> None:
    """422 naming the entry: a key must be a label this change removes, a value one of the new
    labels (or null)."""
    for name, target in label_map.items():
        if name not in old or name in new:
            raise invalid(("label_map", name), f"{name!r} is not a label this change removes")
        if target is not None and target not in new:
            raise invalid(
                ("label_map", name), f"{name!r} maps to {target!r}, which is not among the labels"
            )


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


def _settings_changed(
    session: Session,
    project: Project,
    fields: set[str],
    actor_id: int,
    *,
    before: dict[str, Any] | None = None,
) -> None:
    """Tell the domains above (pay records rate changes, items follow the overlap) inside this
    transaction."""
    events.emit(
        events.ProjectSettingsChanged(
            session=session,
            project_id=project.id,
            org_id=project.org_id,
            fields=frozenset(fields),
            actor_id=actor_id,
            before=before or {},
        )
    )
