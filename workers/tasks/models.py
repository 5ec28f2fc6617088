"""Model jobs: thin wrappers that open a session and call ``backend.models``.

Idempotent: a training job claims its version (``queued`` → ``training``) in one conditional
UPDATE, so a job delivered twice trains once; a refresh writes the same pre-labels again; the
pre-label-use catch-up moves a watermark. Reliability as the quality jobs (late acks, requeue on
worker loss, retries with backoff on database errors); the sweep on beat sends again what a
killed worker left.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from backend.db import get_engine
from backend.models import prelabel_use
from backend.models.endpoint_run import run_endpoint
from backend.models.listeners import RECORD_USE_JOB
from backend.models.models import ProjectModelState
from backend.models.prelabels import refresh_from_model
from backend.models.service import REFRESH_JOB
from backend.models.training import load_current, train_version
from backend.models.versions import TRAIN_JOB, stale_versions
from backend.projects.models import Project
from backend.queue import enqueue
from workers.celery_app import app
from workers.tasks.quality import RELIABLE

STALE_SECONDS = 15 * 60


@app.task(name=TRAIN_JOB, **RELIABLE)
def train(version_id: int) -> dict[str, Any]:
    """Train one queued model version, then pre-label and rank the project's open items."""
    with Session(get_engine(), expire_on_commit=False) as session:
        return train_version(session=session, version_id=version_id)


@app.task(name=REFRESH_JOB, **RELIABLE)
def refresh(project_id: int) -> dict[str, Any]:
    """Pre-label and rank the open items with the current model (an unloadable model is
    retrained instead), then ask the outside model, if the project names one."""
    with Session(get_engine(), expire_on_commit=False) as session:
        project = session.get(Project, project_id)
        if project is None:
            return {"project_id": project_id, "skipped": "project deleted"}
        loaded = load_current(session=session, project=project)
        written = 0
        if loaded is not None:
            model, version = loaded
            written = refresh_from_model(
                session=session, project=project, model=model, version=version
            )
        outside = run_endpoint(session=session, project=project)
        return {
            "project_id": project_id,
            "model": loaded is not None,
            "written": written,
            "outside": outside,
        }


@app.task(name="jinbiao.models.outside_sweep", **RELIABLE)
def outside_sweep() -> int:
    """Ask the outside models of projects with pre-labels on for their new open items."""
    with Session(get_engine()) as session:
        rows = session.exec(
            select(Project.id, Project.model_endpoint).where(Project.prelabels.is_(True))
        ).all()
    projects = [project_id for project_id, endpoint in rows if endpoint]  # JSON null too
    for project_id in projects:
        enqueue(REFRESH_JOB, project_id)
    return len(projects)


@app.task(name=RECORD_USE_JOB, **RELIABLE)
def record_prelabel_use(project_id: int) -> int:
    """Record pre-label use of the annotations past the project's watermark."""
    with Session(get_engine(), expire_on_commit=False) as session:
        return prelabel_use.record_missing(session=session, project_id=project_id)


@app.task(name="jinbiao.models.sweep", **RELIABLE)
def sweep(older_than_seconds: float = STALE_SECONDS) -> dict[str, int]:
    """Send again the trainings a lost job left waiting; catch up pre-label use."""
    with Session(get_engine()) as session:
        versions = stale_versions(session=session, older_than_seconds=older_than_seconds)
        projects = session.exec(select(ProjectModelState.project_id)).all()
    for version_id in versions:
        enqueue(TRAIN_JOB, version_id)
    for project_id in projects:
        enqueue(RECORD_USE_JOB, project_id)
    return {"trainings": len(versions), "projects": len(projects)}
