"""What the ledger should say about each annotation, compared with what it says: the entries to add.

An annotation is *payable* when it counts (not rejected, its annotator not paused) and, at the
rates in effect when it was submitted,

* a gold answer: the project pays gold (``pay_gold``);
* otherwise by ``payable_when``: ``finished`` — its item is finished (the annotations it wants
  and a consensus); ``agrees`` — finished and the answer matches the consensus (the kind's
  ``match`` ≥ 0.5: the label for classification, F1 of boxes or spans); ``final`` — its item is
  final (accepted in review or in an accepted lot: ``ItemsFinal``).

Each annotation's ledger is a sequence of cycles: ``earn`` revision n, then maybe ``reverse``
revision n (the same amount, negative), then ``earn`` n + 1 if it counts again (a resumed
annotator), … So the decision is one comparison: payable with no open earn → earn the next
revision; not payable with an open earn → reverse it. A rejection also deducts the project's
``reject_deduction`` once (``deduct`` revision 0). A paused annotator's earns already inside a
paid period stay paid (the pause reverses their *unpaid* work); a rejection reverses whatever
was earned, paid or not (the reversal then counts in the next open period).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from backend.pay.entries import Entry
from backend.pay.periods import Paid
from backend.pay.rates import RateBook, amount_for
from backend.projects.pay_settings import PaySettings

AGREES_AT = 0.5


@dataclass(frozen=True)
class Work:
    """One annotation as the ledger sees it."""

    id: int
    item_id: int
    annotator_id: int
    is_gold: bool
    created_at: datetime | None  # None: the project's rates never changed
    result: dict[str, Any] | None


@dataclass
class Booked:
    """An annotation's entries so far: earn amounts and days by revision, reversed revisions."""

    earns: dict[int, tuple[Decimal, date]] = field(default_factory=dict)
    reversed: set[int] = field(default_factory=set)
    deducted: bool = False

    def open_earn(self) -> int | None:
        open_revisions = [r for r in self.earns if r not in self.reversed]
        return max(open_revisions) if open_revisions else None

    def next_revision(self) -> int:
        return max(self.earns, default=-1) + 1


@dataclass(frozen=True)
class Facts:
    """What decides payability, gathered by ``build`` for the annotations at hand."""

    kind: str
    match: Any  # the kind's consensus ``match(result, reference) -> float``
    finished: frozenset[int]
    final: frozenset[int]
    consensus: Mapping[int, dict[str, Any]]
    stopped: Mapping[int, str]  # annotation id -> reason (rejections: for good)
    paused: frozenset[int]  # annotators paused in the project now
    paid: Paid


def is_payable(work: Work, rates: PaySettings, facts: Facts) -> bool:
    if work.id in facts.stopped or work.annotator_id in facts.paused:
        return False
    if work.is_gold:
        return rates.pay_gold
    if rates.payable_when == "final":
        return work.item_id in facts.final
    if work.item_id not in facts.finished:
        return False
    if rates.payable_when == "finished":
        return True
    reference = facts.consensus.get(work.item_id)
    if reference is None or work.result is None:
        return False
    return float(facts.match(work.result, reference)) >= AGREES_AT


def decide(
    *,
    org_id: int,
    project_id: int,
    works: Iterable[Work],
    booked: Mapping[int, Booked],
    book: RateBook,
    facts: Facts,
    day: date,
) -> list[Entry]:
    """The entries that bring the ledger in line with the facts (none when it already is)."""
    out: list[Entry] = []

    def entry(work: Work, kind: str, revision: int, amount: Decimal, reason: str | None) -> None:
        out.append(
            Entry(
                org_id, project_id, work.annotator_id, work.id, kind, revision, amount, day, reason
            )
        )

    empty = Booked()
    for work in works:
        rates = book.at(work.created_at)
        state = booked.get(work.id, empty)
        opened = state.open_earn()
        if is_payable(work, rates, facts):
            if opened is None:
                amount = amount_for(rates=rates, kind=facts.kind, result=work.result or {})
                if amount > 0:
                    entry(work, "earn", state.next_revision(), amount, None)
        elif opened is not None:
            amount, earned_on = state.earns[opened]
            rejected = facts.stopped.get(work.id)
            if rejected is not None or not facts.paid.covers(earned_on):
                entry(work, "reverse", opened, -amount, rejected or _why_not(work, facts))
        rejected = facts.stopped.get(work.id)
        if rejected is not None and not state.deducted and rates.reject_deduction > 0:
            entry(work, "deduct", 0, -rates.reject_deduction, rejected)
    return out


def _why_not(work: Work, facts: Facts) -> str:
    if work.annotator_id in facts.paused:
        return "annotator_paused"
    return "no_longer_payable"
