"""``submit``: store an annotation exactly once, with gold feedback where the item is gold.

Idempotency: an assignment has at most one annotation (unique ``assignment_id``). The first submit
stores it and answers 201; any later submit of the same assignment answers 200 with the stored
annotation unchanged (the first result wins), so a client may retry a submit whose answer it lost.

Late submits (rule 3): after the lease expired, the annotation is still taken while the item wants
more annotations than it has plus its live leases; otherwise 409 says why. Gold items are not
limited by overlap, so a late gold answer is always taken. Nothing is dropped without an answer.

Locks, in the same order as ``next``: the annotator's state, the assignment, the item. Two
concurrent submits of one assignment therefore run one after the other and the second sees the
first's annotation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, select

from backend import clock
from backend.assignments import hooks
from backend.assignments.access import own_assignment
from backend.assignments.gold_scoring import gold_score, is_correct
from backend.assignments.models import Annotation, AnnotatorState, Assignment
from backend.assignments.states import lock_state
from backend.errors import conflict, invalid
from backend.items.models import GoldAnswer, Item
from backend.kinds import ItemShape, ResultInvalid, get_kind
from backend.projects.models import Project


@dataclass(frozen=True)
class GoldFeedback:
    correct: bool
    score: float
    expected: dict[str, Any]


@dataclass(frozen=True)
class Submitted:
    annotation: Annotation
    created: bool
    gold_feedback: GoldFeedback | None


def validate_result(*, project: Project, item: Item, result: Any) -> dict[str, Any]:
    """The normalised result, or 422 naming the field inside ``result``."""
    try:
        return get_kind(project.kind).validate(
            result,
            labels=[label["name"] for label in project.labels],
            item=ItemShape(width=item.width, height=item.height, text=item.text),
        )
    except ResultInvalid as exc:
        raise invalid(("result", *exc.loc), exc.msg) from None


def _locked(session: Session, model: type[Any], key_column: Any, key: int) -> Any:
    return session.exec(
        select(model)
        .where(key_column == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _other_live_leases(*, session: Session, item_id: int, assignment_id: int, now: datetime) -> int:
    return session.exec(
        select(func.count())
        .select_from(Assignment)
        .where(
            Assignment.item_id == item_id,
            Assignment.status == "leased",
            Assignment.expires_at > now,
            Assignment.id != assignment_id,
        )
    ).one()


def feedback_for(
    *, session: Session, project: Project, item_id: int, result: dict[str, Any]
) -> GoldFeedback | None:
    """Gold feedback for a result on an item, or None when the item has no gold answer."""
    gold = session.get(GoldAnswer, item_id)
    if gold is None:
        return None
    score = gold_score(project.kind, result, gold.answer)
    return GoldFeedback(correct=is_correct(score), score=score, expected=gold.answer)


def _record_gold(state: AnnotatorState, feedback: GoldFeedback, now: datetime) -> None:
    state.gold_answered += 1
    state.gold_correct += feedback.score
    state.updated_at = now


def submit_annotation(
    *, session: Session, assignment_id: int, user_id: int, result: Any, duration_ms: int
) -> Submitted:
    """Store the caller's answer to their assignment (see the module docstring for the rules)."""
    now = clock.now()
    assignment, project = own_assignment(
        session=session, assignment_id=assignment_id, user_id=user_id
    )
    item = session.get(Item, assignment.item_id)
    normalised = validate_result(project=project, item=item, result=result)

    state = lock_state(session=session, project_id=project.id, user_id=user_id)
    assignment = _locked(session, Assignment, Assignment.id, assignment_id)
    stored = session.exec(
        select(Annotation).where(Annotation.assignment_id == assignment_id)
    ).first()
    if stored is not None:
        session.commit()
        feedback = (
            feedback_for(session=session, project=project, item_id=item.id, result=stored.result)
            if stored.is_gold
            else None
        )
        return Submitted(stored, created=False, gold_feedback=feedback)
    if assignment.status == "skipped":
        session.rollback()
        raise conflict("this assignment was skipped; ask for the next item")

    item = _locked(session, Item, Item.id, assignment.item_id)
    live = assignment.status == "leased" and assignment.expires_at > now
    if not live and not item.is_gold:
        others = _other_live_leases(
            session=session, item_id=item.id, assignment_id=assignment_id, now=now
        )
        if item.annotation_count + others >= item.wanted:
            session.rollback()
            raise conflict(
                f"the lease expired at {assignment.expires_at.isoformat()} and the item already "
                f"has the {item.wanted} annotations it wants (counting live leases)"
            )

    feedback = (
        feedback_for(session=session, project=project, item_id=item.id, result=normalised)
        if item.is_gold
        else None
    )
    annotation = Annotation(
        assignment_id=assignment_id,
        project_id=project.id,
        item_id=item.id,
        annotator_id=user_id,
        result=normalised,
        duration_ms=duration_ms,
        is_gold=item.is_gold,
        gold_score=feedback.score if feedback else None,
        created_at=now,
    )
    session.add(annotation)
    assignment.status = "submitted"
    assignment.finished_at = now
    session.add(assignment)
    session.execute(
        update(Item)
        .where(Item.id == item.id)
        .values(annotation_count=Item.annotation_count + 1)
        .execution_options(synchronize_session=False)
    )
    if feedback is not None:
        _record_gold(state, feedback, now)
        session.add(state)
    session.flush()
    hooks.annotation_submitted(session=session, project_id=project.id, item_id=item.id)
    session.commit()
    return Submitted(annotation, created=True, gold_feedback=feedback)
