"""Items enter review when they are finished: the listener of ``ItemsFinished``.

Runs inside the quality recompute's transaction, after it stored the consensus and the
annotators' figures, so the confidences and accuracies it reads are that run's. Idempotent, as
the event asks: an item already in review stays as it is, a reviewed one is settled, and an item
sent back for rework whose new answers are finished enters review again (a reworked item is
always reviewed again: its last answers were rejected). New finished items enter as
``selection`` decides; those it does not choose skip review and become final at once unless the
project waits for lot acceptance (``finality``). An item already final never enters review (a
later recompute that changes its consensus finishes it again).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, select

from backend import clock, events
from backend.assignments.reviewed_answers import counted_answers
from backend.consensus.final_answers import consensus_rows, estimated_accuracy
from backend.items.finals import final_ids
from backend.items.states import ItemState, check_move
from backend.projects.models import Project
from backend.review.finality import settle_if_due
from backend.review.models import ReviewItem
from backend.review.selection import ReviewRules, Rule, chosen_for_review

_CHUNK = 500


def on_items_finished(event: events.ItemsFinished) -> None:
    enter_review(session=event.session, project_id=event.project_id, item_ids=event.item_ids)


def enter_review(*, session: Session, project_id: int, item_ids: Sequence[int]) -> list[int]:
    """Put the finished ``item_ids`` that review wants into the reviewers' queue; returns them."""
    project = session.get(Project, project_id)
    if project is None or not item_ids:
        return []
    now = clock.now()
    known = _known(session, item_ids)
    entering = []
    for row in known.values():
        if row.state == ItemState.rework:  # reworked and finished: done, then in review again
            row.state = check_move(check_move(row.state, ItemState.done), ItemState.in_review)
            row.entered_at = row.updated_at = now
            session.add(row)
            entering.append(row.item_id)
    rules = ReviewRules.of(project)
    fresh = [item_id for item_id in item_ids if item_id not in known]
    if fresh:
        settled = final_ids(session=session, item_ids=fresh)
        fresh = [item_id for item_id in fresh if item_id not in settled]
    picked: dict[int, Rule] = {}
    if fresh and not rules.selects_nothing:
        picked = _select(session, project_id, rules, fresh)
        for item_id, rule in picked.items():
            check_move(ItemState.done, ItemState.in_review)
            session.add(
                ReviewItem(
                    item_id=item_id,
                    project_id=project_id,
                    state=ItemState.in_review,
                    entered_by=rule,
                    entered_at=now,
                    updated_at=now,
                )
            )
        entering += list(picked)
    session.flush()
    skipped = [item_id for item_id in fresh if item_id not in picked]
    settle_if_due(session=session, project=project, item_ids=skipped)
    return entering


def _known(session: Session, item_ids: Sequence[int]) -> dict[int, ReviewItem]:
    ids = list(item_ids)
    found: dict[int, ReviewItem] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.exec(
            select(ReviewItem).where(ReviewItem.item_id.in_(ids[start : start + _CHUNK]))
        ).all()
        found.update({row.item_id: row for row in rows})
    return found


def _select(
    session: Session, project_id: int, rules: ReviewRules, item_ids: list[int]
) -> dict[int, Rule]:
    confidence: dict[int, float] = {}
    if rules.mode == "low_confidence":
        rows = consensus_rows(session=session, item_ids=item_ids)
        confidence = {item_id: row.confidence for item_id, row in rows.items()}
    authors: dict[int, list[int]] = {}
    accuracy: dict[int, float] = {}
    if rules.annotators_below is not None:
        accuracy = estimated_accuracy(session=session, project_id=project_id)
        for answer in counted_answers(session=session, item_ids=item_ids):
            authors.setdefault(answer.item_id, []).append(answer.annotator_id)
    return chosen_for_review(
        rules=rules,
        project_id=project_id,
        item_ids=item_ids,
        confidence=confidence,
        authors=authors,
        accuracy=accuracy,
    )
