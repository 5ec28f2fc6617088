"""Rates in effect over time, and what one annotation earns at them.

Every create or settings change of a project (``ProjectSettingsChanged``) that touches pay
writes a ``pay_rates`` row effective from that moment. An annotation earns at the rates in
effect when it was submitted: raising the rate from 0.05 to 2.5 does not reprice yesterday's
work, lowering it does not take anything back. A project with no row yet (created before
revision 0016_pay wrote its first one) earns at its current setting.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from backend import clock, events
from backend.kinds import get_kind
from backend.pay.models import PayRate
from backend.projects.models import Project
from backend.projects.pay_settings import PaySettings, public_pay

PAY_FIELDS = frozenset({"pay", "reward_per_item"})


def mark_fields(kind: str) -> tuple[str, str] | None:
    """The result key holding a kind's marks and the rate paid for each, from the kind registry."""
    return get_kind(kind).paid_marks


def current_rates(project: Project) -> PaySettings:
    """The project's rates now, ``per_item`` included."""
    return PaySettings.model_validate(public_pay(project.pay, project.reward_per_item))


def record_change(event: events.ProjectSettingsChanged) -> None:
    """Listener: a new rate row when a create or an update wrote a pay field."""
    if not event.fields & PAY_FIELDS:
        return
    session = event.session
    project = session.get(Project, event.project_id)
    if project is None:
        return
    session.add(
        PayRate(
            project_id=project.id,
            effective_from=clock.now(),
            rates=current_rates(project).model_dump(mode="json"),
            created_by=event.actor_id,
        )
    )


@dataclass(frozen=True)
class RateBook:
    """A project's rate rows in time order, looked up by the moment of a submit."""

    starts: list[datetime]
    rates: list[PaySettings]
    now: PaySettings

    @property
    def changes(self) -> bool:
        """Whether more than one set of rates applies (the moment of a submit then matters)."""
        return len(self.rates) > 1

    def at(self, moment: datetime | None) -> PaySettings:
        """The rates in effect at ``moment`` (None: a book without changes, its only rates)."""
        if moment is None or not self.changes:
            return self.rates[-1] if self.rates else self.now
        index = bisect_right(self.starts, moment) - 1
        if index < 0:
            return self.rates[0] if self.rates else self.now
        return self.rates[index]


def rate_book(*, session: Session, project: Project) -> RateBook:
    rows = session.exec(
        select(PayRate.effective_from, PayRate.rates)
        .where(PayRate.project_id == project.id)
        .order_by(PayRate.effective_from, PayRate.id)
    ).all()
    return RateBook(
        starts=[start for start, _ in rows],
        rates=[PaySettings.model_validate(rates) for _, rates in rows],
        now=current_rates(project),
    )


def amount_for(*, rates: PaySettings, kind: str, result: dict[str, Any]) -> Decimal:
    """``per_item`` plus ``per_box`` / ``per_span`` per mark, capped at ``max_per_item``."""
    amount = rates.per_item or Decimal(0)
    marks = mark_fields(kind)
    if marks is not None:
        per_mark = getattr(rates, marks[1])
        if per_mark:
            amount += per_mark * len(result.get(marks[0]) or ())
    if rates.max_per_item is not None:
        amount = min(amount, rates.max_per_item)
    return amount
