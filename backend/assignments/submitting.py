"""``submit``: store an annotation exactly once, with gold feedback where the item is gold.

Idempotency: an assignment has at most one annotation (unique ``assignment_id``), and its status
turns "submitted" in the same transaction. The first submit stores it and answers 201; any later
submit of the same assignment answers 200 with the stored annotation unchanged (the first result
wins), so a client may retry a submit whose answer it lost.

Late submits (rule 3): after the lease expired, the annotation is still taken while the item wants
more annotations than it has plus its live leases; otherwise 409 says why. Gold items are not
limited by overlap, so a late gold answer is always taken. Nothing is dropped without an answer.

Locks: the assignment row first (concurrent submits of one assignment run one after the other),
then the item row (the same lock ``next`` takes before it adds a lease, so the late-submit count
is exact), and for gold the annotator's state row last. ``next`` holds a state lock while it
waits for nothing else (it skips locked items), so this order cannot deadlock with it.

Two ways in, one way out: ``submit_annotation`` is the general path (the ORM lock of
``access.own_assignment`` and every answer: 404, 403, a repeat's 200, a skip's 409);
``fast_path.submit`` reads and locks the same rows with one plain statement for a live lease of an
active member. Both then ``store`` the answer: validate, the late-submit rule, gold feedback, the
writes as plain statements (on PostgreSQL the annotation, the assignment and the item counter in
one round trip), the gold count, ``AnnotationSubmitted`` and ``COMMIT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, text
from sqlmodel import Session, select

from backend import clock, events
from backend.assignments.access import own_assignment
from backend.assignments.annotator_states import count_gold_answer
from backend.assignments.models import Annotation, Assignment
from backend.assignments.outcomes import GoldFeedback, Repeat, Stored
from backend.assignments.stages import StageRules
from backend.db import JSONType, UTCDateTime
from backend.errors import conflict, invalid
from backend.items.models import GoldAnswer, Item
from backend.kinds import ItemShape, ResultInvalid, get_kind
from backend.kinds.gold import gold_score, is_correct
from backend.projects.models import Project


@dataclass(frozen=True)
class Answer:
    """What the annotator sends: the result (validated against the lease's kind) and the time."""

    result: Any
    duration_ms: int


@dataclass(frozen=True)
class Locked:
    """The rows of a leased assignment that the submit's transaction has locked, as ORM rows or
    their fields as attributes: ``project`` needs ``id``, ``org_id``, ``kind``, ``labels`` and the
    rule-5 settings; ``item`` its id, size or text, ``is_gold``, ``annotation_count`` and
    ``wanted``; ``assignment`` its id and ``expires_at``."""

    project: Any
    item: Any
    assignment: Any


def validate_result(*, project: Any, item: Any, result: Any) -> dict[str, Any]:
    """The normalised result, or ``ResultInvalid`` naming the field inside ``result``.

    ``item`` is an item (or its fields as attributes) or already an ``ItemShape``.
    """
    shape = (
        item
        if isinstance(item, ItemShape)
        else ItemShape(width=item.width, height=item.height, text=item.text)
    )
    return get_kind(project.kind).validate(
        result, labels=[label["name"] for label in project.labels], item=shape
    )


def feedback_for(
    *, session: Session, project: Any, item_id: int, result: dict[str, Any]
) -> GoldFeedback | None:
    """Gold feedback for a result on an item, or None when the item has no gold answer."""
    gold = session.get(GoldAnswer, item_id)
    if gold is None:
        return None
    score = gold_score(project.kind, result, gold.answer)
    return GoldFeedback(correct=is_correct(score), score=score, expected=gold.answer)


def _repeat(*, session: Session, project: Project, assignment: Assignment) -> Repeat:
    annotation = session.exec(
        select(Annotation).where(Annotation.assignment_id == assignment.id)
    ).one()
    session.commit()
    feedback = (
        feedback_for(
            session=session, project=project, item_id=annotation.item_id, result=annotation.result
        )
        if annotation.is_gold
        else None
    )
    return Repeat.of(annotation, feedback)


def _check_late(*, session: Session, assignment: Any, item: Any, now: datetime) -> None:
    """409 when the lease has expired and the item has no slot left for this answer."""
    if assignment.expires_at > now or item.is_gold:
        return
    others = session.exec(
        select(func.count())
        .select_from(Assignment)
        .where(
            Assignment.item_id == item.id,
            Assignment.status == "leased",
            Assignment.expires_at > now,
            Assignment.id != assignment.id,
        )
    ).one()
    if item.annotation_count + others >= item.wanted:
        session.rollback()
        raise conflict(
            f"the lease expired at {assignment.expires_at.isoformat()} and the item already "
            f"has the {item.wanted} annotations it wants (counting live leases)"
        )


def submit_annotation(
    *, session: Session, rules: StageRules, assignment_id: int, user_id: int, answer: Answer
) -> Stored | Repeat:
    """Store the caller's answer to their assignment (see the module docstring for the rules)."""
    now = clock.now()
    assignment, project = own_assignment(
        session=session, rules=rules, assignment_id=assignment_id, user_id=user_id
    )
    if assignment.status == "submitted":
        return _repeat(session=session, project=project, assignment=assignment)
    if assignment.status == "skipped":
        session.rollback()
        raise conflict("this assignment was skipped; ask for the next item")
    if session.get_bind().dialect.name == "postgresql":
        # FOR KEY SHARE on the project before the item, as jinbiao_submit does (revision
        # 0021_label_lock): a label rename in flight finishes first and its names are validated.
        session.refresh(project, with_for_update={"key_share": True, "read": True})
    item = session.exec(
        select(Item)
        .where(Item.id == assignment.item_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    locked = Locked(project, item, assignment)
    return store(session=session, locked=locked, user_id=user_id, answer=answer, now=now)


_INSERT_ANNOTATION = """
INSERT INTO annotations
  (assignment_id, project_id, item_id, annotator_id, result, duration_ms, is_gold, gold_score,
   review_status, created_at)
VALUES (:assignment_id, :project_id, :item_id, :annotator_id, :result, :duration_ms, :is_gold,
        :gold_score, 'submitted', :now)
RETURNING id
"""
_MARK_SUBMITTED = (
    "UPDATE assignments SET status = 'submitted', finished_at = :now WHERE id = :assignment_id"
)
_COUNT_ANNOTATION = "UPDATE items SET annotation_count = annotation_count + 1 WHERE id = :item_id"
# PostgreSQL: the three writes in one round trip.
_WRITE_ALL = f"""
WITH annotation AS ({_INSERT_ANNOTATION}),
     assignment AS ({_MARK_SUBMITTED}),
     item AS ({_COUNT_ANNOTATION})
SELECT id FROM annotation
"""  # noqa: S608


def _writes(sql: str) -> Any:
    types = {"now": UTCDateTime(), "result": JSONType}
    return text(sql).bindparams(
        *(bindparam(name, type_=kind) for name, kind in types.items() if f":{name}" in sql)
    )


_WRITE_ALL_STATEMENT = _writes(_WRITE_ALL)
_SQLITE_WRITES = tuple(
    _writes(sql) for sql in (_INSERT_ANNOTATION, _MARK_SUBMITTED, _COUNT_ANNOTATION)
)


def store(
    *, session: Session, locked: Locked, user_id: int, answer: Answer, now: datetime
) -> Stored:
    """Store the answer to a leased assignment whose rows this transaction has locked.

    422 for a result the kind refuses, 409 for a late submit without a free slot (both roll back).
    """
    project, item, assignment = locked.project, locked.item, locked.assignment
    try:
        normalised = validate_result(project=project, item=item, result=answer.result)
    except ResultInvalid as exc:
        session.rollback()
        raise invalid(("result", *exc.loc), exc.msg) from None
    _check_late(session=session, assignment=assignment, item=item, now=now)
    feedback = (
        feedback_for(session=session, project=project, item_id=item.id, result=normalised)
        if item.is_gold
        else None
    )
    params = {
        "assignment_id": assignment.id,
        "project_id": project.id,
        "item_id": item.id,
        "annotator_id": user_id,
        "result": normalised,
        "duration_ms": answer.duration_ms,
        "is_gold": bool(item.is_gold),
        "gold_score": feedback.score if feedback else None,
        "now": now,
    }
    if session.get_bind().dialect.name == "postgresql":
        annotation_id = session.execute(_WRITE_ALL_STATEMENT, params).scalar_one()
    else:  # three short statements in the same serialised transaction
        insert, mark, count = _SQLITE_WRITES
        annotation_id = session.execute(insert, params).scalar_one()
        session.execute(mark, params)
        session.execute(count, params)
    if feedback is not None:
        count_gold_answer(
            session=session, project=project, user_id=user_id, score=feedback.score, now=now
        )
        session.flush()
    events.emit(
        events.AnnotationSubmitted(
            session=session,
            project_id=project.id,
            item_id=item.id,
            annotation_id=annotation_id,
            annotator_id=user_id,
        )
    )
    session.commit()
    return Stored(
        annotation_id,
        assignment.id,
        project.id,
        item.id,
        normalised,
        answer.duration_ms,
        now,
        feedback,
    )
