"""Asking for a training or a pre-label refresh: what the routes call."""

from __future__ import annotations

from sqlmodel import Session

from backend.audit.service import record
from backend.errors import conflict
from backend.models.models import ModelVersion
from backend.models.training import has_builtin_model
from backend.models.versions import request_training
from backend.orgs.models import Membership
from backend.projects.models import Project
from backend.queue import enqueue_after_commit

REFRESH_JOB = "jinbiao.models.refresh"


def ask_training(
    *, session: Session, project: Project, actor: Membership
) -> tuple[ModelVersion, bool]:
    """Queue a training of the built-in model (or answer the one waiting); commits.

    409 ``no_builtin_model`` for a kind without one (an outside endpoint may still serve it).
    """
    if not has_builtin_model(project.kind):
        raise conflict(
            f"there is no built-in model for {project.kind!r} items; name an outside model "
            "endpoint in the project's settings instead",
            code="no_builtin_model",
        )
    version, created = request_training(
        session=session, project=project, trigger="manual", requested_by=actor.user_id
    )
    if created:
        record(
            session,
            org_id=project.org_id,
            actor_id=actor.user_id,
            action="model.train",
            target_type="project",
            target_id=project.id,
            data={"version": version.version},
        )
    session.commit()
    session.refresh(version)
    return version, created


def ask_refresh(*, session: Session, project: Project) -> None:
    """Pre-label and rank again with the current model and the outside endpoint (a job)."""
    enqueue_after_commit(session, REFRESH_JOB, project.id)
    session.commit()
