"""Coalesced recomputes: at most one quality job per project per window, however many submits.

The database, not the broker, remembers that a project needs a recompute (``requested_at``), so
nothing is lost when a broker drops a message (the filesystem transport has no redelivery) or a
worker dies mid-run: the sweep on beat sends again whatever was requested, or started and never
finished, too long ago.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from backend import clock, events
from backend.assignments.answers_query import count_annotations
from backend.consensus.models import ProjectQuality
from backend.queue import enqueue, enqueue_after_commit
from backend.settings import get_settings

RECOMPUTE_JOB = "jinbiao.quality.recompute_project"
log = logging.getLogger(__name__)


_QUALITY = ProjectQuality.__table__


def mark_requested(*, session: Session, project_id: int) -> bool:
    """Flag the project for a recompute in the caller's transaction; True if this call set it.

    Every submit calls this, so the common case is one primary-key read on the submit's own
    connection (Core, no ORM bookkeeping): the flag is already set and nothing is written. Only
    the first submit of a window writes, and ``requested_at IS NULL`` in the UPDATE makes two
    first submits agree on which one sends the job. A submit that commits just after a worker
    claimed the flag is caught by the recompute itself (see ``needs_another_run``).
    """
    connection = session.connection()
    current = connection.execute(
        select(_QUALITY.c.requested_at).where(_QUALITY.c.project_id == project_id)
    ).first()
    if current is not None and current.requested_at is not None:
        return False
    now = clock.now()
    if current is not None:
        return bool(
            connection.execute(
                _QUALITY.update()
                .where(_QUALITY.c.project_id == project_id, _QUALITY.c.requested_at.is_(None))
                .values(requested_at=now)
            ).rowcount
        )
    dialect_insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    created = connection.execute(
        dialect_insert(_QUALITY)
        .values(project_id=project_id, requested_at=now, figures={}, n_annotations=0, duration_ms=0)
        .on_conflict_do_nothing(index_elements=["project_id"])
        .returning(_QUALITY.c.project_id)  # rowcount is not reliable with RETURNING
    ).first()
    return created is not None


def needs_another_run(*, session: Session, project_id: int, counted: int) -> bool:
    """Whether annotations arrived that the run just finished did not see.

    A submit that found the flag set, then committed after the worker claimed it, would
    otherwise wait for the next submit or the periodic full recompute.
    """
    return count_annotations(session=session, project_id=project_id) != counted


def request_recompute(*, session: Session, project_id: int) -> bool:
    """Ask for a recompute from outside a submit (the manager's button); True if sent.

    Uses the caller's session: on SQLite a second connection would wait for the lock that the
    request's own transaction holds.
    """
    marked = mark_requested(session=session, project_id=project_id)
    session.commit()
    if marked:
        send_requested(session=session, project_id=project_id)
    return marked


def send_requested(*, session: Session, project_id: int) -> bool:
    """Send the job for a request already stored and committed, after what is left of the
    window; False if the broker refused (the sweep on beat sends it: ``quality_stale``)."""
    wait = countdown(session=session, project_id=project_id)
    try:
        enqueue(RECOMPUTE_JOB, project_id, countdown=wait)
    except Exception:
        log.exception("could not send the recompute of project %s; the sweep will", project_id)
        return False
    return True


def claim_recompute(*, session: Session, project_id: int, force: bool) -> bool:
    """Take the request for this run; False when there is nothing to do (a duplicate delivery).

    A run that started and never finished (its worker was killed) counts as still requested,
    so a redelivered job does the work again.
    """
    now = clock.now()
    pending = or_(
        ProjectQuality.requested_at.is_not(None),
        ProjectQuality.computed_at.is_(None),
        ProjectQuality.started_at > ProjectQuality.computed_at,
    )
    query = update(ProjectQuality).where(ProjectQuality.project_id == project_id)
    if not force:
        query = query.where(pending)
    claimed = session.execute(query.values(requested_at=None, started_at=now)).rowcount
    if not claimed and force:
        session.add(ProjectQuality(project_id=project_id, started_at=now))
        claimed = 1
    session.commit()
    return bool(claimed)


def stale_projects(*, session: Session, older_than_seconds: float) -> list[int]:
    """Projects whose requested or started recompute has waited longer than the threshold."""
    cutoff = clock.now() - timedelta(seconds=older_than_seconds)
    rows = session.execute(
        select(ProjectQuality.project_id).where(
            or_(
                ProjectQuality.requested_at <= cutoff,
                (ProjectQuality.started_at <= cutoff)
                & (
                    ProjectQuality.computed_at.is_(None)
                    | (ProjectQuality.started_at > ProjectQuality.computed_at)
                ),
            )
        )
    ).all()
    return [row[0] for row in rows]


def countdown(*, session: Session, project_id: int) -> float | None:
    """Seconds the job waits: what is left of the window since the last recompute started.

    At most one recompute per project starts per ``quality_coalesce_seconds`` window, and the
    first submit to an idle project does not wait for a window to pass: its consensus arrives
    after one recompute, not after the window plus one recompute. Submits that arrive while a
    window is open share the next job. None means send now.
    """
    started = session.execute(
        select(ProjectQuality.started_at).where(ProjectQuality.project_id == project_id)
    ).scalar_one_or_none()
    return window_left(started)


def window_left(started: datetime | None) -> float | None:
    """What is left of the coalescing window opened at ``started`` (see ``countdown``)."""
    window = get_settings().quality_coalesce_seconds
    if started is None or window <= 0:
        return None
    left = (started - clock.now()).total_seconds() + window
    return round(left, 3) if left > 0.01 else None


def _on_submit(event: events.AnnotationSubmitted) -> None:
    """Flag in the submit's transaction, send the job once it committed."""
    session, project_id = event.session, event.project_id
    if mark_requested(session=session, project_id=project_id):
        wait = countdown(session=session, project_id=project_id)
        enqueue_after_commit(session, RECOMPUTE_JOB, project_id, countdown=wait)


def _on_results_changed(event: events.LabelsChanged | events.AnnotationCorrected) -> None:
    """A rename or a correction changed stored results: consensus, agreement and the annotators'
    figures are recomputed from them, as after a submit."""
    if mark_requested(session=event.session, project_id=event.project_id):
        wait = countdown(session=event.session, project_id=event.project_id)
        enqueue_after_commit(event.session, RECOMPUTE_JOB, event.project_id, countdown=wait)


def _on_items_deleted(event: events.ItemsDeleted) -> None:
    """Deleted items took annotations with them: the figures need a run without them."""
    session, project_id = event.session, event.project_id
    if event.annotations and mark_requested(session=session, project_id=project_id):
        wait = countdown(session=session, project_id=project_id)
        enqueue_after_commit(session, RECOMPUTE_JOB, project_id, countdown=wait)


def _on_flagged(event: events.RecomputeFlagged) -> None:
    """PostgreSQL's one-statement submit set the flag and committed: send the job."""
    try:
        enqueue(RECOMPUTE_JOB, event.project_id, countdown=window_left(event.started_at))
    except Exception:  # as enqueue_after_commit: the sweep on beat sends it again
        log.exception(
            "could not send %s(%r) after commit; the sweep will catch up",
            RECOMPUTE_JOB,
            event.project_id,
        )


def subscribe_listeners() -> None:
    """Every submit, label change and correction asks for a recompute (called by
    ``backend.wiring.wire``)."""
    events.subscribe(events.AnnotationSubmitted, _on_submit)
    events.subscribe(events.RecomputeFlagged, _on_flagged)
    events.subscribe(events.LabelsChanged, _on_results_changed)
    events.subscribe(events.AnnotationCorrected, _on_results_changed)
    events.subscribe(events.ItemsDeleted, _on_items_deleted)
