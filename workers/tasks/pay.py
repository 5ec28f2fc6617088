"""Pay jobs: thin wrappers around ``backend.pay.build``.

Idempotent by construction (the ledger's unique keys), acknowledged late and retried on database
errors. ``build`` takes a project's waiting work and its new annotations; ``sweep`` (beat) sends
``build`` again for work whose message was lost and, once a night, a full pass per project.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from backend.db import get_engine
from backend.pay.build import build_project, pending_projects, projects_with_rates
from backend.pay.listeners import BUILD_JOB
from workers.celery_app import app

RELIABLE: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DBAPIError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 6,
}


@app.task(name=BUILD_JOB, **RELIABLE)
def build(project_id: int, full: bool = False) -> dict[str, Any]:
    with Session(get_engine(), expire_on_commit=False) as session:
        done = build_project(session=session, project_id=project_id, full=full)
    if done.get("more"):
        build.delay(project_id)
    return done


@app.task(name="jinbiao.pay.sweep", **RELIABLE)
def sweep(full: bool = False) -> dict[str, Any]:
    """Send ``build`` for every project with waiting work (``full``: every paying project)."""
    with Session(get_engine()) as session:
        projects = sorted(
            set(pending_projects(session=session))
            | (set(projects_with_rates(session=session)) if full else set())
        )
    for project_id in projects:
        build.delay(project_id, full)
    return {"sent": projects, "full": full}
