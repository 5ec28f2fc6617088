"""The payout report of an organization for a period, and marking a period paid.

The report is the ledger's sum per annotator over the period's days (payout entries aside),
read from the daily totals kept with the entries (``totals``): its total is the ledger's sum for
the period, to the 0.0001. Marking it paid writes, in one
transaction, the period (locked from then on: ``periods``) and one ``payout`` entry per
annotator and project with the amount paid. Payouts of one organization are serialised on its
row (``FOR UPDATE``; the ledger job holds ``FOR SHARE`` on it while it writes), so a period is
never paid twice and no entry slips into a period while it is being paid.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session

from backend import clock
from backend.accounts.models import User
from backend.audit.service import record
from backend.errors import conflict, invalid
from backend.orgs.models import Organization
from backend.pay.entries import Entry, write_entries
from backend.pay.models import PayDayTotal, PayPeriod, WorkDay
from backend.pay.money import money
from backend.pay.periods import paid_periods
from backend.projects.models import Project

MAX_DAYS = 366


@dataclass
class Row:
    annotator_id: int
    name: str
    items: int = 0
    accepted: int = 0
    rejected: int = 0
    seconds: int = 0
    amount: Decimal = Decimal("0.0000")

    @property
    def hourly(self) -> Decimal | None:
        if not self.seconds:
            return None
        return money(self.amount * 3600 / self.seconds)


@dataclass(frozen=True)
class Report:
    currency: str
    starts: date
    ends: date
    rows: list[Row]
    total: Decimal
    paid: bool


def check_period(starts: date, ends: date, *, where: str = "query") -> None:
    if ends < starts:
        raise invalid(("to",), "the period ends before it starts", where=where)
    if (ends - starts).days >= MAX_DAYS:
        raise invalid(("to",), f"a period is at most {MAX_DAYS} days", where=where)


def currency_of(*, session: Session, org_id: int) -> str:
    return session.execute(
        select(Organization.currency).where(Organization.id == org_id)
    ).scalar_one()


def list_periods(*, session: Session, org_id: int) -> list[PayPeriod]:
    return list(
        session.execute(
            select(PayPeriod).where(PayPeriod.org_id == org_id).order_by(PayPeriod.starts.desc())
        ).scalars()
    )


def payout_report(*, session: Session, org_id: int, starts: date, ends: date) -> Report:
    check_period(starts, ends)
    currency = currency_of(session=session, org_id=org_id)
    rows: dict[int, Row] = {}
    ledger = session.execute(
        select(
            PayDayTotal.annotator_id,
            func.sum(PayDayTotal.amount),
            func.sum(PayDayTotal.earns),
            func.sum(PayDayTotal.reverses),
        )
        .where(PayDayTotal.org_id == org_id, PayDayTotal.day >= starts, PayDayTotal.day <= ends)
        .group_by(PayDayTotal.annotator_id)
    )
    for annotator_id, amount, earned, reversed_ in ledger:
        row = rows.setdefault(annotator_id, Row(annotator_id, ""))
        row.amount, row.items, row.rejected = money(amount), int(earned), int(reversed_)
        row.accepted = row.items - row.rejected
    worked = session.execute(
        select(WorkDay.user_id, func.sum(WorkDay.seconds))
        .join(Project, Project.id == WorkDay.project_id)
        .where(Project.org_id == org_id, WorkDay.day >= starts, WorkDay.day <= ends)
        .group_by(WorkDay.user_id)
    )
    for user_id, seconds in worked:
        rows.setdefault(user_id, Row(user_id, "")).seconds = int(seconds)
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(list(rows)))).all())
    ordered = sorted(rows.values(), key=lambda r: r.annotator_id)
    for row in ordered:
        row.name = names.get(row.annotator_id, "")
    paid = paid_periods(session=session, org_id=org_id).overlaps(starts, ends)
    total = sum((row.amount for row in ordered), Decimal("0.0000"))
    return Report(currency, starts, ends, ordered, total, paid)


def mark_paid(
    *, session: Session, org_id: int, starts: date, ends: date, actor_id: int
) -> PayPeriod:
    """Lock the period and write its payout entries; 409 ``period_paid`` when it overlaps a
    paid one. Commits."""
    check_period(starts, ends, where="body")
    if ends > clock.now().date():
        raise invalid(("to",), "a period can be paid once it is over (today at the latest)")
    session.execute(
        select(Organization.id).where(Organization.id == org_id).with_for_update(key_share=True)
    ).scalar_one()
    if paid_periods(session=session, org_id=org_id).overlaps(starts, ends):
        raise conflict("this period overlaps a period already paid", code="period_paid")
    report = payout_report(session=session, org_id=org_id, starts=starts, ends=ends)
    period = PayPeriod(
        org_id=org_id, starts=starts, ends=ends, total=report.total, created_by=actor_id
    )
    session.add(period)
    session.flush()
    per_project: dict[tuple[int, int], Decimal] = defaultdict(lambda: Decimal("0.0000"))
    for annotator_id, project_id, amount in session.execute(
        select(PayDayTotal.annotator_id, PayDayTotal.project_id, func.sum(PayDayTotal.amount))
        .where(PayDayTotal.org_id == org_id, PayDayTotal.day >= starts, PayDayTotal.day <= ends)
        .group_by(PayDayTotal.annotator_id, PayDayTotal.project_id)
    ):
        per_project[(annotator_id, project_id)] += money(amount)
    entries = [
        Entry(org_id, project_id, annotator_id, None, "payout", period.id, -amount, ends, None)
        for (annotator_id, project_id), amount in sorted(per_project.items())
        if amount
    ]
    write_entries(session=session, entries=entries)
    record(
        session,
        org_id=org_id,
        actor_id=actor_id,
        action="pay.period_paid",
        target_type="pay_period",
        target_id=period.id,
        data={"from": starts.isoformat(), "to": ends.isoformat(), "total": str(report.total)},
    )
    session.commit()
    session.refresh(period)
    return period
