"""An annotator's own earnings over a period, read from the ledger (and their pending work).

* ``payable``: the net of their entries (earn, bonus, reverse, deduct) on days not yet paid;
* ``paid``: the same on days inside a paid period of their organization;
* ``reversed``: what reversals and deductions took back (a positive figure);
* ``pending``: what their submitted work will earn once it is payable, at the rates in effect
  when they submitted it — an estimate until then; rejected work and a paused annotator's
  work are not pending.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session

from backend.assignments.annotator_states import paused_annotators
from backend.assignments.models import Annotation
from backend.orgs.models import Membership, Organization
from backend.pay.models import PayEntry, PayStopped, WorkDay
from backend.pay.money import money
from backend.pay.periods import paid_periods
from backend.pay.rates import amount_for, rate_book
from backend.projects.models import Project

ZERO = Decimal("0.0000")


@dataclass
class Sums:
    earned: Decimal = ZERO
    reversed: Decimal = ZERO
    paid: Decimal = ZERO
    payable: Decimal = ZERO
    pending: Decimal = ZERO
    seconds: int = 0
    items: int = 0

    def add(self, kind: str, amount: Decimal, count: int, paid: bool) -> None:
        if kind == "payout":
            return
        if kind in ("earn", "bonus"):
            self.earned += amount
        else:
            self.reversed -= amount
        if kind == "earn":
            self.items += count
        if paid:
            self.paid += amount
        else:
            self.payable += amount


@dataclass
class Earnings:
    currency: str
    total: Sums = field(default_factory=Sums)
    by_day: dict[date, Sums] = field(default_factory=lambda: defaultdict(Sums))
    by_project: dict[int, Sums] = field(default_factory=lambda: defaultdict(Sums))
    names: dict[int, str] = field(default_factory=dict)


def my_earnings(*, session: Session, user_id: int, starts: date, ends: date) -> Earnings:
    orgs = session.execute(
        select(Organization.id, Organization.currency)
        .join(Membership, Membership.org_id == Organization.id)
        .where(Membership.user_id == user_id)
        .order_by(Organization.id)
    ).all()
    out = Earnings(currency=orgs[0][1] if orgs else "CNY")
    projects = {
        p.id: p
        for p in session.execute(
            select(Project).where(Project.org_id.in_([org_id for org_id, _ in orgs]))
        ).scalars()
    }
    out.names = {pid: p.name for pid, p in projects.items()}
    paid = {org_id: paid_periods(session=session, org_id=org_id) for org_id, _ in orgs}
    rows = session.execute(
        select(
            PayEntry.org_id,
            PayEntry.project_id,
            PayEntry.day,
            PayEntry.kind,
            func.sum(PayEntry.amount),
            func.count(),
        )
        .where(PayEntry.annotator_id == user_id, PayEntry.day >= starts, PayEntry.day <= ends)
        .group_by(PayEntry.org_id, PayEntry.project_id, PayEntry.day, PayEntry.kind)
    ).all()
    for org_id, project_id, day, kind, amount, count in rows:
        if org_id not in paid:  # left the organization: its ledger is no longer theirs to read
            continue
        is_paid = paid[org_id].covers(day)
        for sums in (out.total, out.by_day[day], out.by_project[project_id]):
            sums.add(kind, money(amount), count, is_paid)
    for project_id, day, seconds in session.execute(
        select(WorkDay.project_id, WorkDay.day, func.sum(WorkDay.seconds))
        .where(WorkDay.user_id == user_id, WorkDay.day >= starts, WorkDay.day <= ends)
        .group_by(WorkDay.project_id, WorkDay.day)
    ):
        if project_id in projects:
            out.total.seconds += int(seconds)
            out.by_day[day].seconds += int(seconds)
            out.by_project[project_id].seconds += int(seconds)
    for project in projects.values():
        _pending(session, out, project, user_id, starts, ends)
    return out


def _pending(
    session: Session,
    out: Earnings,
    project: Project,
    user_id: int,
    starts: date,
    ends: date,
) -> None:
    """Add the value of the user's submitted, not yet earned, still counting work."""
    if user_id in paused_annotators(session=session, project_id=project.id):
        return
    since = datetime.combine(starts, time(), tzinfo=UTC)
    until = datetime.combine(ends + timedelta(days=1), time(), tzinfo=UTC)
    rows = session.execute(
        select(
            Annotation.id,
            Annotation.item_id,
            Annotation.is_gold,
            Annotation.created_at,
            Annotation.result,
        ).where(
            Annotation.project_id == project.id,
            Annotation.annotator_id == user_id,
            Annotation.created_at >= since,
            Annotation.created_at < until,
        )
    ).all()
    if not rows:
        return
    ids = [row[0] for row in rows]
    earned = set()
    stopped = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        earned.update(
            session.execute(
                select(PayEntry.annotation_id).where(
                    PayEntry.annotation_id.in_(chunk), PayEntry.kind == "earn"
                )
            ).scalars()
        )
        stopped.update(
            session.execute(
                select(PayStopped.annotation_id).where(PayStopped.annotation_id.in_(chunk))
            ).scalars()
        )
    book = rate_book(session=session, project=project)
    for annotation_id, _item_id, is_gold, created_at, result in rows:
        if annotation_id in earned or annotation_id in stopped:
            continue
        rates = book.at(created_at)
        if is_gold and not rates.pay_gold:
            continue
        amount = amount_for(rates=rates, kind=project.kind, result=result or {})
        day = created_at.date()
        for sums in (out.total, out.by_day[day], out.by_project[project.id]):
            sums.pending += amount
