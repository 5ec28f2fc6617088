"""A project's model versions: asking for one, a worker claiming it, the current one.

Asking is idempotent while a version waits: a second ask (a double click, a burst of finished
items) answers the version already queued, so one training runs per burst. A worker claims a
version by moving it from ``queued`` to ``training`` in one conditional UPDATE; a version whose
worker died stays ``training`` and the sweep on beat sends it again after ``STALE_SECONDS``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, update
from sqlmodel import Session, select

from backend import clock
from backend.models.models import ModelVersion, VersionStatus
from backend.projects.models import Project
from backend.queue import enqueue_after_commit

TRAIN_JOB = "jinbiao.models.train"
STALE_SECONDS = 30 * 60
WAITING = (VersionStatus.queued, VersionStatus.training)


def waiting_version(*, session: Session, project_id: int) -> ModelVersion | None:
    """The version queued or being trained, if any."""
    return session.exec(
        select(ModelVersion)
        .where(ModelVersion.project_id == project_id, ModelVersion.status.in_(WAITING))
        .order_by(ModelVersion.version.desc())
        .limit(1)
    ).first()


def request_training(
    *, session: Session, project: Project, trigger: str, requested_by: int | None = None
) -> tuple[ModelVersion, bool]:
    """The waiting version, or a new queued one sent to the workers after the commit.

    Returns ``(version, created)``; the caller commits. Numbers are per project: the row lock
    on the project (PostgreSQL) serialises two concurrent asks; SQLite serialises writers.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(Project.id).where(Project.id == project.id).with_for_update())
    waiting = waiting_version(session=session, project_id=project.id)
    if waiting is not None:
        return waiting, False
    last = session.exec(
        select(func.max(ModelVersion.version)).where(ModelVersion.project_id == project.id)
    ).one()
    version = ModelVersion(
        project_id=project.id,
        org_id=project.org_id,
        version=(last or 0) + 1,
        kind=project.kind,
        trigger=trigger,
        requested_by=requested_by,
    )
    session.add(version)
    session.flush()
    enqueue_after_commit(session, TRAIN_JOB, version.id)
    return version, True


def claim(*, session: Session, version_id: int) -> ModelVersion | None:
    """Move the version to ``training`` (from queued, or from a training left stale); None when
    another worker has it or it is done (a job delivered twice then does nothing)."""
    stale = clock.now() - timedelta(seconds=STALE_SECONDS)
    claimed = session.execute(
        update(ModelVersion)
        .where(
            ModelVersion.id == version_id,
            (ModelVersion.status == VersionStatus.queued)
            | ((ModelVersion.status == VersionStatus.training) & (ModelVersion.started_at < stale)),
        )
        .values(status=VersionStatus.training, started_at=clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return session.get(ModelVersion, version_id) if claimed else None


def current_version(*, session: Session, project_id: int) -> ModelVersion | None:
    """The newest ready version: the one that pre-labels and ranks."""
    return session.exec(
        select(ModelVersion)
        .where(ModelVersion.project_id == project_id, ModelVersion.status == VersionStatus.ready)
        .order_by(ModelVersion.version.desc())
        .limit(1)
    ).first()


def list_versions(
    *, session: Session, project_id: int, offset: int = 0, limit: int = 50
) -> tuple[list[ModelVersion], int]:
    """Newest first, with the total for pagination."""
    where = ModelVersion.project_id == project_id
    total = session.exec(select(func.count()).select_from(ModelVersion).where(where)).one()
    rows = session.exec(
        select(ModelVersion)
        .where(where)
        .order_by(ModelVersion.version.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), total


def stale_versions(*, session: Session, older_than_seconds: float) -> list[int]:
    """Versions queued or training for longer than that: their job was lost with a worker."""
    before = clock.now() - timedelta(seconds=older_than_seconds)
    return list(
        session.exec(
            select(ModelVersion.id).where(
                ModelVersion.status.in_(WAITING),
                func.coalesce(ModelVersion.started_at, ModelVersion.created_at) < before,
            )
        ).all()
    )
