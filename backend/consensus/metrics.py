"""Recompute lag per project, read when ``/metrics`` is scraped (``jinbiao_recompute_lag_seconds``).

The lag of a project is how long its oldest unserved recompute request has waited: the time
since ``project_quality.requested_at`` while it is set (0 for projects with nothing pending are
not listed, so the series stay few). Alert on it: a growing lag means the workers fall behind.
A request stamped later than this host's clock (clocks of several API hosts a little apart) is
a lag of 0, never a negative one.
"""

from __future__ import annotations

from sqlmodel import Session, select

from backend import clock
from backend.consensus.models import ProjectQuality
from backend.db import get_engine


def recompute_lags() -> list[tuple[tuple[str], float]]:
    now = clock.now()
    with Session(get_engine()) as session:
        rows = session.exec(
            select(ProjectQuality.project_id, ProjectQuality.requested_at).where(
                ProjectQuality.requested_at.is_not(None)  # type: ignore[union-attr]
            )
        ).all()
    return [
        ((str(project_id),), max(0.0, (now - requested).total_seconds()))
        for project_id, requested in rows
    ]
