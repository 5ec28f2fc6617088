"""The monthly accuracy bonus: once a calendar month (UTC) is over, each annotator whose gold
answers of that month in the project scored at least ``bonus.min_accuracy`` on average earns
``bonus.amount`` once — the ``bonus`` entry keyed (annotator, project, "bonus", yyyymm), so
every later full pass finds it written and writes nothing.

The rates are those in effect at the month's end; a paused annotator earns no bonus; an
annotator with no gold answer that month is not judged.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlmodel import Session

from backend.assignments.models import Annotation
from backend.pay.entries import Entry
from backend.pay.rates import RateBook


def last_month(today: date) -> tuple[datetime, datetime, int]:
    """The month before ``today``'s: its start, its end (exclusive) and its key yyyymm."""
    end = datetime(today.year, today.month, 1, tzinfo=UTC)
    start = datetime(
        end.year - (end.month == 1), 12 if end.month == 1 else end.month - 1, 1, tzinfo=UTC
    )
    return start, end, start.year * 100 + start.month


def month_bonuses(
    *,
    session: Session,
    org_id: int,
    project_id: int,
    book: RateBook,
    paused: frozenset[int],
    today: date,
    day: date,
) -> list[Entry]:
    start, end, key = last_month(today)
    rates = book.at(end)
    if rates.bonus is None or rates.bonus.amount <= 0:
        return []
    rows = session.execute(
        select(Annotation.annotator_id, func.avg(Annotation.gold_score))
        .where(
            Annotation.project_id == project_id,
            Annotation.is_gold.is_(True),
            Annotation.gold_score.is_not(None),
            Annotation.created_at >= start,
            Annotation.created_at < end,
        )
        .group_by(Annotation.annotator_id)
    ).all()
    return [
        Entry(org_id, project_id, annotator, None, "bonus", key, rates.bonus.amount, day, None)
        for annotator, accuracy in rows
        if annotator not in paused and float(accuracy) >= rates.bonus.min_accuracy
    ]
