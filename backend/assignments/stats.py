"""Counts for the progress bar and the annotator's own panel, polled by the browser UI.

Progress reads indexes, not the item rows: per gold/normal totals and annotation sums come from
``ix_item_queue`` (it holds ``annotation_count``), open items from the partial ``ix_item_open``
(small once a project is under way) and live leases from ``ix_assignment_project_lease``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlmodel import Session

from backend import clock
from backend.assignments.models import AnnotatorState
from backend.db import UTCDateTime
from backend.projects.models import Project
from quality import gold

_TOTALS = """
SELECT is_gold, count(*), coalesce(sum(annotation_count), 0)
FROM items WHERE project_id = :project_id GROUP BY is_gold
"""
_OPEN = """
SELECT count(*) FROM items
WHERE project_id = :project_id AND NOT is_gold AND annotation_count < wanted
"""
_LIVE = """
SELECT count(*) FROM assignments
WHERE project_id = :project_id AND status = 'leased' AND expires_at > :now
"""
_MINE = """
SELECT count(*), coalesce(sum(CASE WHEN created_at >= :today THEN 1 ELSE 0 END), 0)
FROM annotations WHERE project_id = :project_id AND annotator_id = :annotator_id
"""


@dataclass(frozen=True)
class Progress:
    items: int
    gold_items: int
    done: int
    in_progress: int
    annotations: int
    gold_answered: int


@dataclass(frozen=True)
class MyStats:
    done_today: int
    annotations: int
    gold_answered: int
    gold_correct: float
    gold_accuracy: float | None
    earnings: float
    status: str
    paused_reason: str | None
    gold_accuracy_estimated: float | None = None


def project_progress(*, session: Session, project_id: int) -> Progress:
    """Normal items, how many are done, live leases, annotations, gold answers."""
    now = clock.now()
    totals = {
        bool(is_gold): (count, total)
        for is_gold, count, total in session.execute(text(_TOTALS), {"project_id": project_id})
    }
    items, annotations = totals.get(False, (0, 0))
    gold_items, gold_answered = totals.get(True, (0, 0))
    still_open = session.execute(text(_OPEN), {"project_id": project_id}).scalar_one()
    live = session.execute(
        text(_LIVE).bindparams(bindparam("now", type_=UTCDateTime())),
        {"project_id": project_id, "now": now},
    ).scalar_one()
    session.commit()
    return Progress(
        items=items,
        gold_items=gold_items,
        done=items - still_open,
        in_progress=live,
        annotations=int(annotations),
        gold_answered=int(gold_answered),
    )


def _start_of_day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def my_stats(*, session: Session, project: Project, annotator_id: int) -> MyStats:
    """The caller's own figures in one project; earnings pay every annotation, gold included."""
    today = _start_of_day(clock.now())
    annotations, done_today = session.execute(
        text(_MINE).bindparams(bindparam("today", type_=UTCDateTime())),
        {"project_id": project.id, "annotator_id": annotator_id, "today": today},
    ).one()
    state = session.get(AnnotatorState, (project.id, annotator_id))
    session.commit()
    gold_answered = state.gold_answered if state else 0
    gold_correct = state.gold_correct if state else 0.0
    return MyStats(
        done_today=int(done_today),
        annotations=int(annotations),
        gold_answered=gold_answered,
        gold_correct=gold_correct,
        gold_accuracy=gold_correct / gold_answered if gold_answered else None,
        gold_accuracy_estimated=(
            gold.smoothed_accuracy(min(gold_correct, gold_answered), gold_answered)
            if gold_answered
            else None
        ),
        earnings=round(annotations * float(project.reward_per_item), 4),
        status=state.status if state else "active",
        paused_reason=state.paused_reason if state else None,
    )
