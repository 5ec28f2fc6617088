"""Quality jobs: thin wrappers that open a session and call ``backend.consensus``.

Reliability (Celery "Tasks" guide): late acks and requeue on worker loss, retries with backoff on
database errors. The state that matters lives in the database (``project_quality``), so a job
that runs twice does the same work twice and stores the same figures.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from backend.consensus.models import ProjectQuality
from backend.consensus.recompute import recompute_project as recompute
from backend.consensus.scheduling import (
    RECOMPUTE_JOB,
    claim_recompute,
    needs_another_run,
    request_recompute,
    send_requested,
    stale_projects,
)
from backend.db import get_engine
from backend.queue import enqueue
from backend.settings import get_settings
from workers.celery_app import app

RELIABLE: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DBAPIError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 6,
}


@app.task(name=RECOMPUTE_JOB, **RELIABLE)
def recompute_project(project_id: int, force: bool = False) -> dict[str, Any]:
    """Recompute one project's consensus, agreement, annotator figures, pauses and overlap."""
    with Session(get_engine(), expire_on_commit=False) as session:
        if not claim_recompute(session=session, project_id=project_id, force=force):
            return {"project_id": project_id, "skipped": "nothing requested"}
        delay = get_settings().quality_fault_delay_seconds
        if delay:
            time.sleep(delay)
        summary = recompute(session=session, project_id=project_id)
        counted = summary.get("annotations")
        if summary.get("requested_again"):  # flagged in the run's own commit
            summary["sent_again"] = send_requested(session=session, project_id=project_id)
        elif counted is not None and needs_another_run(
            session=session, project_id=project_id, counted=counted
        ):  # committed after the run's last look
            summary["sent_again"] = request_recompute(session=session, project_id=project_id)
        return summary


@app.task(name="jinbiao.quality.sweep", **RELIABLE)
def sweep(older_than_seconds: float | None = None) -> list[int]:
    """Send again the recomputes that were requested or started long ago and never finished."""
    threshold = (
        get_settings().quality_stale_seconds if older_than_seconds is None else older_than_seconds
    )
    with Session(get_engine()) as session:
        projects = stale_projects(session=session, older_than_seconds=threshold)
    for project_id in projects:
        enqueue(RECOMPUTE_JOB, project_id)
    return projects


@app.task(name="jinbiao.quality.recompute_all", **RELIABLE)
def recompute_all() -> int:
    """The periodic full recompute: every project that has quality state."""
    with Session(get_engine()) as session:
        projects = session.exec(select(ProjectQuality.project_id)).all()
    for project_id in projects:
        enqueue(RECOMPUTE_JOB, project_id, True)
    return len(projects)
