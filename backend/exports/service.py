"""Dataset versions as plain functions: create (and enqueue the build), list, locate, diff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import and_, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend.assignments.models import Annotation
from backend.audit.service import record
from backend.errors import conflict, invalid
from backend.exports import checks
from backend.exports.config import export_settings
from backend.exports.formats import FORMATS, formats_for
from backend.exports.index import read_index
from backend.exports.jobs import BUILD_JOB
from backend.exports.models import DatasetVersion
from backend.exports.schemas import ChangedItem, DiffPart, VersionCreate, VersionDiff
from backend.items.models import Item
from backend.kinds import get_kind
from backend.orgs.models import Membership
from backend.orgs.pseudonyms import shows_people
from backend.projects.models import Project
from backend.queue import enqueue_after_commit
from backend.settings import get_settings

_NUMBER_RETRIES = 5


def check_request(*, project: Project, body: VersionCreate) -> None:
    """422 naming the field when the format cannot hold this project or these settings."""
    writer = FORMATS.get(body.format)
    if writer is None or body.format not in formats_for(project.kind):
        raise invalid(
            ("format",),
            f"a {project.kind} project exports as one of: {', '.join(formats_for(project.kind))}",
        )
    if body.source == "raw" and not writer.supports_raw:
        raise invalid(("source",), f"{body.format} holds one answer per item; use source=consensus")
    if writer.needs_media and body.media != "include":
        raise invalid(("media",), f"{body.format} needs the images: use media=include")


def version_params(
    *, session: Session, project: Project, body: VersionCreate, media_base_url: str
) -> dict[str, Any]:
    """The inputs of a build, frozen now: the request, and the highest item and annotation ids
    of the project, so rows added later never change what this version holds."""
    check_request(project=project, body=body)
    params: dict[str, Any] = body.model_dump(mode="json")
    if params.get("min_answers") is None:
        params["min_answers"] = project.overlap
    if get_kind(project.kind).media != "image":
        params["media"] = "none"
    params["media_base_url"] = media_base_url.rstrip("/")
    params["zip_level"] = export_settings().zip_level  # part of the bytes: frozen with the rest
    # The label set the version was asked for (backend/labels): its manifest says which.
    params["labels_revision"] = project.labels_revision
    params.update(checks.frozen_checks(session=session, project_id=project.id, body=body))
    params["watermark"] = {
        "item_id": session.exec(
            select(func.coalesce(func.max(Item.id), 0)).where(Item.project_id == project.id)
        ).one(),
        "annotation_id": session.exec(
            select(func.coalesce(func.max(Annotation.id), 0)).where(
                Annotation.project_id == project.id
            )
        ).one(),
    }
    return params


def create_version(
    *,
    session: Session,
    project: Project,
    body: VersionCreate,
    actor: Membership,
    media_base_url: str,
) -> DatasetVersion:
    """Record the version with its inputs frozen (watermarks) and send the build after commit."""
    params = version_params(
        session=session, project=project, body=body, media_base_url=media_base_url
    )
    # A client's version names annotators by pseudonym only (backend/orgs/pseudonyms.py).
    params["pseudonymous"] = not shows_people(actor.role)
    for _ in range(_NUMBER_RETRIES):
        number = session.exec(
            select(func.coalesce(func.max(DatasetVersion.number), 0)).where(
                DatasetVersion.project_id == project.id
            )
        ).one()
        version = DatasetVersion(
            project_id=project.id,
            org_id=project.org_id,
            number=number + 1,
            format=body.format,
            params=params,
            created_by=actor.user_id,
        )
        session.add(version)
        try:
            session.flush()
        except IntegrityError:  # two versions of one project created at once; take the next
            session.rollback()
            continue
        record(
            session,
            org_id=project.org_id,
            actor_id=actor.user_id,
            action="version.create",
            target_type="dataset_version",
            target_id=version.id,
            data={"format": body.format, "number": version.number},
        )
        enqueue_after_commit(session, BUILD_JOB, version.id)
        session.commit()
        session.refresh(version)
        return version
    raise conflict("another version of this project is being created; try again")


def list_versions(
    *, session: Session, project_id: int, offset: int, limit: int, pseudonymous_only: bool = False
) -> tuple[list[DatasetVersion], int]:
    where = DatasetVersion.project_id == project_id
    if pseudonymous_only:  # the client's: versions that name annotators by pseudonym
        where = and_(where, DatasetVersion.params["pseudonymous"].as_boolean().is_(True))
    total = session.exec(select(func.count()).select_from(DatasetVersion).where(where)).one()
    rows = session.exec(
        select(DatasetVersion)
        .where(where)
        .order_by(DatasetVersion.number.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), total


def ready_file(version: DatasetVersion) -> Path:
    """The zip of a ready version; 409 while it is being built (or failed)."""
    if version.status != "ready" or not version.file_key:
        raise conflict(f"version {version.number} is {version.status}, not ready")
    return get_settings().data_dir / version.file_key


def diff_versions(*, old: DatasetVersion, new: DatasetVersion, limit: int) -> VersionDiff:
    """Items added, removed and changed from ``old`` to ``new``: a merge of the two index
    files, both sorted by item id, so memory stays flat whatever the size."""
    before, after = read_index(ready_file(old)), read_index(ready_file(new))
    added: list[int] = []
    removed: list[int] = []
    changed: list[ChangedItem] = []
    n_added = n_removed = n_changed = n_same = 0
    a, b = next(before, None), next(after, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a["item_id"] < b["item_id"]):
            n_removed += 1
            if len(removed) < limit:
                removed.append(a["item_id"])
            a = next(before, None)
        elif a is None or b["item_id"] < a["item_id"]:
            n_added += 1
            if len(added) < limit:
                added.append(b["item_id"])
            b = next(after, None)
        else:
            if a["result_sha256"] != b["result_sha256"]:
                n_changed += 1
                if len(changed) < limit:
                    changed.append(
                        ChangedItem(
                            item_id=a["item_id"],
                            labels_before=a["labels"],
                            labels_after=b["labels"],
                        )
                    )
            else:
                n_same += 1
            a, b = next(before, None), next(after, None)
    return VersionDiff(
        version_id=old.id,
        other_id=new.id,
        added=DiffPart(count=n_added, item_ids=added),
        removed=DiffPart(count=n_removed, item_ids=removed),
        changed_count=n_changed,
        changed=changed,
        unchanged_count=n_same,
    )
