"""A project's switching state (normal / tightened / reduced), kept per project.

The rules are ``quality.acceptance.record_lot`` (ISO 2859-1:1999 clause 9): normal -> tightened
when 2 of 5 or fewer consecutive lots are not accepted on original inspection, tightened ->
normal after 5 consecutive accepted lots, discontinued after 5 lots not accepted on tightened
inspection. Reduced inspection is optional (9.3.3): normal -> reduced when the switching score
reaches 30, production is at a steady rate (project setting ``production_steady``) and the
responsible authority allows it (project setting ``reduced_inspection``, off by default);
reduced -> normal when a lot is not accepted (9.3.4 a; in the 1999 tables Re = Ac + 1, so there
is no "accepted with defects between Ac and Re" case as in MIL-STD-105E / ANSI Z1.4), or as soon
as either setting is switched off (9.3.4 b, c: applied when the next lot is made, since a plan
is fixed then, ``severity_for_new_lot``).

Only original inspections count (round 1 of a lot): a lot inspected again after rework is a
resubmitted lot, which the standard leaves out of switching. A lot whose plan was fixed on
another severity than the project's current one (two lots open while the first verdict switched
the project) is left out too: ``record_lot`` only takes a plan of the current severity.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from backend import clock, events
from backend.lots.models import AcceptanceSwitching
from backend.projects.models import Project
from quality.acceptance import SamplingPlan, SwitchingState, between_lots, record_lot, resume


def locked_state(*, session: Session, project_id: int) -> AcceptanceSwitching:
    """The project's switching row, created on first use, locked until the transaction ends.

    Created by ``INSERT … ON CONFLICT DO NOTHING`` before the locking read: a ``SELECT … FOR
    UPDATE`` of a missing row locks nothing, so the first lots of a project made at the same time
    all inserted it and all but one failed on the key (500s, found under concurrent load)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(AcceptanceSwitching)
        .values(project_id=project_id, severity="normal", history=[], switching_score=0,
                updated_at=clock.now())
        .on_conflict_do_nothing()
    )  # fmt: skip
    return session.exec(
        select(AcceptanceSwitching)
        .where(AcceptanceSwitching.project_id == project_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def current(*, session: Session, project_id: int) -> SwitchingState:
    """The project's state without a lock (for answers)."""
    row = session.get(AcceptanceSwitching, project_id)
    if row is None:
        return SwitchingState()
    return SwitchingState(row.severity, tuple(row.history), row.switching_score)


def severity_for_new_lot(*, session: Session, project: Project) -> str:
    """The severity of a lot made now (the row stays locked until the transaction ends):
    reduced inspection ends first if the project no longer allows it (9.3.4 b, c)."""
    row = locked_state(session=session, project_id=project.id)
    before = _state_of(row)
    after = between_lots(before, **_conditions(project))
    if after != before:
        _store(row, after)
    return after.severity


SWITCHING_SETTINGS = frozenset({"reduced_inspection", "production_steady"})


def on_settings_changed(event: events.ProjectSettingsChanged) -> None:
    """A manager switched reduced inspection off or said production is irregular: a project on
    reduced inspection returns to normal at once (9.3.4 b, c), in the change's transaction."""
    if not event.fields & SWITCHING_SETTINGS:
        return
    if current(session=event.session, project_id=event.project_id).severity != "reduced":
        return
    project = event.session.get(Project, event.project_id)
    if project is not None:
        severity_for_new_lot(session=event.session, project=project)


def record_verdict(
    *, session: Session, project_id: int, plan: SamplingPlan, nonconforming: int
) -> bool:
    """Apply one lot judged on original inspection; False when the lot does not count (its plan
    is of another severity than the project's now)."""
    row = locked_state(session=session, project_id=project_id)
    if row.severity != plan.severity:
        return False
    project = session.get(Project, project_id)
    after = record_lot(
        _state_of(row), plan=plan, nonconforming=nonconforming, **_conditions(project)
    )
    _store(row, after)
    return True


def _conditions(project: Project | None) -> dict[str, bool]:
    """Clause 9.3.3 b) and c) as the project's settings say them."""
    return {
        "reduced_allowed": bool(getattr(project, "reduced_inspection", False)),
        "production_steady": bool(getattr(project, "production_steady", True)),
    }


def _state_of(row: AcceptanceSwitching) -> SwitchingState:
    return SwitchingState(row.severity, tuple(row.history), row.switching_score)


def resume_inspection(*, session: Session, project_id: int) -> SwitchingState:
    """Clause 9.4: a discontinued project resumes on tightened inspection (``ValueError`` when
    it is not discontinued)."""
    row = locked_state(session=session, project_id=project_id)
    after = resume(_state_of(row))
    _store(row, after)
    return after


def _store(row: AcceptanceSwitching, state: SwitchingState) -> None:
    row.severity = state.severity
    row.history = list(state.history)
    row.switching_score = state.switching_score
    row.updated_at = clock.now()
