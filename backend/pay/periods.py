"""Paid periods: which days are locked, and the day a new ledger entry counts in.

A period, once paid, never changes: an entry written on a day inside a paid period (a reject
that arrives while the period is being paid, or the period ended in the future) counts on the
first day after it instead, so the sum paid for the period stays the ledger's sum for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from backend.pay.models import PayPeriod


@dataclass(frozen=True)
class Paid:
    """An organization's paid periods, as (starts, ends) inclusive, sorted."""

    spans: list[tuple[date, date]]

    def covers(self, day: date) -> bool:
        return any(starts <= day <= ends for starts, ends in self.spans)

    def overlaps(self, starts: date, ends: date) -> bool:
        return any(s <= ends and starts <= e for s, e in self.spans)

    def open_day(self, day: date) -> date:
        """``day``, or the first day after the paid periods that cover it."""
        moved = True
        while moved:
            moved = False
            for starts, ends in self.spans:
                if starts <= day <= ends:
                    day, moved = ends + timedelta(days=1), True
        return day


def paid_periods(*, session: Session, org_id: int) -> Paid:
    rows = session.exec(
        select(PayPeriod.starts, PayPeriod.ends)
        .where(PayPeriod.org_id == org_id)
        .order_by(PayPeriod.starts)
    ).all()
    return Paid(spans=[(starts, ends) for starts, ends in rows])
