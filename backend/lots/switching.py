"""A project's switching state (normal / tightened / reduced), kept per project.

The rules are ``quality.acceptance.record_lot`` (ISO 2859-1:1999 clause 9): normal -> tightened
when 2 of 5 or fewer consecutive lots are not accepted on original inspection, tightened ->
normal after 5 consecutive accepted lots, discontinued after 5 lots not accepted on tightened
inspection. Reduced inspection is optional in the standard and not offered here
(``reduced_allowed`` stays False), so a project moves between normal and tightened only.

Only original inspections count (round 1 of a lot): a lot inspected again after rework is a
resubmitted lot, which the standard leaves out of switching. A lot whose plan was fixed on
another severity than the project's current one (two lots open while the first verdict switched
the project) is left out too: ``record_lot`` only takes a plan of the current severity.
"""

from __future__ import annotations

from sqlmodel import Session, select

from backend import clock
from backend.lots.models import AcceptanceSwitching
from quality.acceptance import SamplingPlan, SwitchingState, record_lot, resume


def locked_state(*, session: Session, project_id: int) -> AcceptanceSwitching:
    """The project's switching row, created on first use, locked until the transaction ends."""
    row = session.exec(
        select(AcceptanceSwitching)
        .where(AcceptanceSwitching.project_id == project_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        row = AcceptanceSwitching(project_id=project_id)
        session.add(row)
        session.flush()
    return row


def current(*, session: Session, project_id: int) -> SwitchingState:
    """The project's state without a lock (for answers)."""
    row = session.get(AcceptanceSwitching, project_id)
    if row is None:
        return SwitchingState()
    return SwitchingState(row.severity, tuple(row.history), row.switching_score)


def record_verdict(
    *, session: Session, project_id: int, plan: SamplingPlan, nonconforming: int
) -> bool:
    """Apply one lot judged on original inspection; False when the lot does not count (its plan
    is of another severity than the project's now)."""
    row = locked_state(session=session, project_id=project_id)
    if row.severity != plan.severity:
        return False
    before = SwitchingState(row.severity, tuple(row.history), row.switching_score)
    after = record_lot(before, plan=plan, nonconforming=nonconforming)
    _store(row, after)
    return True


def resume_inspection(*, session: Session, project_id: int) -> SwitchingState:
    """Clause 9.4: a discontinued project resumes on tightened inspection (``ValueError`` when
    it is not discontinued)."""
    row = locked_state(session=session, project_id=project_id)
    after = resume(SwitchingState(row.severity, tuple(row.history), row.switching_score))
    _store(row, after)
    return after


def _store(row: AcceptanceSwitching, state: SwitchingState) -> None:
    row.severity = state.severity
    row.history = list(state.history)
    row.switching_score = state.switching_score
    row.updated_at = clock.now()
