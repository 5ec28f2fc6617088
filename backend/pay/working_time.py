"""Working time measured by the server from heartbeats, for every kind of lease.

The browser sends ``POST /assignments/{id}/heartbeat`` while its page is visible and the person
acts (throttled), and once more just before it submits (``final``). The server never takes a
duration from the client: each counted beat adds the time since the lease's previous counted
beat (the first one: since the lease started), and

* a gap longer than the project's ``idle_seconds`` is idle and adds nothing — the rule of
  activity trackers such as WakaTime's "keystroke timeout" (wakatime.com/faq: time between
  heartbeats is counted only when they are closer than the timeout);
* a lease's total never exceeds the project's lease length;
* beats closer than ``BEAT_SECONDS`` to the previous counted one are coalesced: answered, not
  written (their time is counted by the next beat), so a script that beats in a loop writes
  nothing and gains nothing — time is wall-clock time between beats whatever their number.
  A ``final`` beat is coalesced only below ``FINAL_BEAT_SECONDS``, so the last seconds before a
  submit count — also when it arrives just after that submit (``_final_after_its_submit``).

Seconds are added per person, project, day (UTC) and stage (``work_days``): a review or an
acceptance lease is an assignment with its own stage and is measured the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from backend import clock
from backend.assignments.models import Assignment
from backend.errors import conflict, forbidden, not_found
from backend.orgs.service import get_membership
from backend.pay.models import WorkDay, WorkSession
from backend.pay.rates import current_rates
from backend.projects.models import Project

BEAT_SECONDS = 10
FINAL_BEAT_SECONDS = 1
FINAL_GRACE_SECONDS = 10


@dataclass(frozen=True)
class Beat:
    assignment_id: int
    counted_seconds: int
    total_seconds: int
    coalesced: bool


def heartbeat(*, session: Session, assignment_id: int, user_id: int, final: bool) -> Beat:
    """Count a beat of the lease's holder; commits. 404 outside the caller's organizations,
    403 for someone else's lease (nothing counted), 409 once the lease has ended."""
    assignment = session.get(Assignment, assignment_id)
    project = session.get(Project, assignment.project_id) if assignment is not None else None
    if (
        project is None
        or get_membership(session=session, org_id=project.org_id, user_id=user_id) is None
    ):
        raise not_found("assignment")
    if assignment.annotator_id != user_id:
        raise forbidden("only the holder of a lease sends its heartbeats", code="not_lease_holder")
    now = clock.now()
    if assignment.status != "leased" or assignment.expires_at <= now:
        if not _final_after_its_submit(assignment, final=final, now=now):
            raise conflict("this lease has ended", code="lease_ended")
        now = assignment.finished_at  # counted up to the submit, not to its late arrival
    state = _lock_session(session, assignment, project)
    gap = (now - state.last_beat_at).total_seconds()
    if gap < (FINAL_BEAT_SECONDS if final else BEAT_SECONDS):
        session.commit()
        return Beat(assignment_id, 0, state.seconds, coalesced=True)
    idle = current_rates(project).idle_seconds
    add = int(gap) if gap <= idle else 0
    before = state.seconds
    add = max(0, min(add, state.cap_seconds - before))
    session.execute(
        update(WorkSession)
        .where(WorkSession.assignment_id == assignment_id)
        .values(seconds=WorkSession.seconds + add, last_beat_at=now)
    )
    if add:
        _add_day(
            session, user_id=user_id, project_id=project.id, stage=state.stage, at=now, add=add
        )
    session.commit()
    return Beat(assignment_id, add, before + add, coalesced=False)


def _final_after_its_submit(assignment: Assignment, *, final: bool, now: datetime) -> bool:
    """A final beat that reached the server just after the submit it comes before: the page
    sends the two at once (it does not hold the submit back for a round trip), so the submit
    often wins — 7 of 12 final beats were refused in a tester's run, and the seconds before each
    submit were lost. Counted up to the submit when it is at most ``FINAL_GRACE_SECONDS`` late."""
    return (
        final
        and assignment.status == "submitted"
        and assignment.finished_at is not None
        and 0 <= (now - assignment.finished_at).total_seconds() <= FINAL_GRACE_SECONDS
    )


def _lock_session(session: Session, assignment: Assignment, project: Project) -> WorkSession:
    """The lease's row, created at its first beat, locked until the commit (two tabs' beats
    are counted one after the other)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(WorkSession)
        .values(
            assignment_id=assignment.id,
            user_id=assignment.annotator_id,
            project_id=assignment.project_id,
            stage=assignment.stage,
            last_beat_at=assignment.created_at,
            seconds=0,
            cap_seconds=project.lease_seconds,
        )
        .on_conflict_do_nothing()
    )
    query = (
        select(WorkSession)
        .where(WorkSession.assignment_id == assignment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(query).scalar_one()


def _add_day(
    session: Session, *, user_id: int, project_id: int, stage: str, at: datetime, add: int
) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(WorkDay).values(
        user_id=user_id, project_id=project_id, day=at.date(), stage=stage, seconds=add
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "project_id", "day", "stage"],
            set_={"seconds": WorkDay.seconds + statement.excluded.seconds},
        )
    )
