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

The hot path (``submit_fast``: a live, leased assignment of an active member) is plain
statements and no ORM objects: one statement reads and locks the assignment and its item with the
project and the caller's access; on PostgreSQL one more inserts the annotation and updates the
assignment and the item counter together (SQLite: three short statements, in the same serialised
transaction); then the submit listeners and ``COMMIT``. Anything else (a repeat, a skipped or
foreign assignment, a refused caller) takes ``submit_annotation``, the general path, which gives
every answer exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, func, text, update
from sqlmodel import Session, select

from backend import clock, events
from backend.assignments.access import own_assignment
from backend.assignments.annotator_states import count_gold_answer
from backend.assignments.models import Annotation, Assignment
from backend.db import JSONType, UTCDateTime
from backend.errors import conflict, invalid
from backend.items.models import GoldAnswer, Item
from backend.kinds import ItemShape, ResultInvalid, get_kind
from backend.kinds.gold import gold_score, is_correct
from backend.projects.models import Project


@dataclass(frozen=True)
class GoldFeedback:
    correct: bool
    score: float
    expected: dict[str, Any]


@dataclass(frozen=True)
class Submitted:
    annotation: Any  # an Annotation, or its fields as attributes (the fast path)
    created: bool
    gold_feedback: GoldFeedback | None


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


def _stored(*, session: Session, project: Project, assignment: Assignment) -> Submitted:
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
    return Submitted(annotation, created=False, gold_feedback=feedback)


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
    *, session: Session, assignment_id: int, user_id: int, result: Any, duration_ms: int
) -> Submitted:
    """Store the caller's answer to their assignment (see the module docstring for the rules)."""
    now = clock.now()
    assignment, project = own_assignment(
        session=session, assignment_id=assignment_id, user_id=user_id
    )
    if assignment.status == "submitted":
        return _stored(session=session, project=project, assignment=assignment)
    if assignment.status == "skipped":
        session.rollback()
        raise conflict("this assignment was skipped; ask for the next item")
    item = session.exec(
        select(Item)
        .where(Item.id == assignment.item_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    try:
        normalised = validate_result(project=project, item=item, result=result)
    except ResultInvalid as exc:
        session.rollback()
        raise invalid(("result", *exc.loc), exc.msg) from None
    _check_late(session=session, assignment=assignment, item=item, now=now)

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
        count_gold_answer(
            session=session, project=project, user_id=user_id, score=feedback.score, now=now
        )
    session.flush()
    events.emit(
        events.AnnotationSubmitted(
            session=session,
            project_id=project.id,
            item_id=item.id,
            annotation_id=annotation.id,
            annotator_id=user_id,
        )
    )
    session.commit()
    return Submitted(annotation, created=True, gold_feedback=feedback)


# What the fast path reads of the project: the kind and labels (validation, gold score), the
# rule-5 settings and the organization (pausing, audit). Only these are selected: every further
# column costs SQLAlchemy result processing on each submit.
_PROJECT_COLUMNS = ("id", "org_id", "kind", "labels", "gold_min_count", "min_gold_accuracy")


# The assignment and its item, locked in this order (the rows of one statement are locked in the
# order of the FROM list), with the project and the caller's role; only for an active caller.
_FAST_READ = """
SELECT a.project_id, a.item_id, a.status, a.expires_at, m.role,
       i.width AS i_width, i.height AS i_height, i.text AS i_text, i.is_gold AS i_is_gold,
       i.annotation_count AS i_annotation_count, i.wanted AS i_wanted
       {project}
FROM assignments a
JOIN items i ON i.id = a.item_id
JOIN projects p ON p.id = a.project_id
JOIN memberships m ON m.org_id = p.org_id AND m.user_id = a.annotator_id
JOIN users u ON u.id = a.annotator_id AND u.is_active
WHERE a.id = :assignment_id AND a.annotator_id = :user_id
"""

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


_STATEMENTS: dict[str, Any] = {}


def _statement(key: str, postgresql: bool) -> Any:
    name = f"{key}:{postgresql}"
    if name not in _STATEMENTS:
        if key == "read":
            sql = _FAST_READ.format(project="".join(f", p.{c} AS p_{c}" for c in _PROJECT_COLUMNS))
            if postgresql:
                sql += "FOR NO KEY UPDATE OF a, i"
            _STATEMENTS[name] = text(sql).columns(p_labels=JSONType, expires_at=UTCDateTime())
        else:
            _STATEMENTS[name] = _writes(
                {
                    "all": _WRITE_ALL,
                    "insert": _INSERT_ANNOTATION,
                    "mark": _MARK_SUBMITTED,
                    "count": _COUNT_ANNOTATION,
                }[key]
            )
    return _STATEMENTS[name]


def submit_fast(
    *,
    session: Session,
    assignment_id: int,
    user_id: int,
    allowed: frozenset[Any],
    result: Any,
    duration_ms: int,
) -> Submitted | None:
    """The hot path of ``submit_annotation``; None (nothing done) where it does not apply."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    row = session.execute(
        _statement("read", postgresql), {"assignment_id": assignment_id, "user_id": user_id}
    ).first()
    if row is None or row.status != "leased" or row.role not in allowed:
        session.rollback()
        return None
    now = clock.now()
    values = row._mapping
    project = SimpleNamespace(**{c: values[f"p_{c}"] for c in _PROJECT_COLUMNS})
    item = SimpleNamespace(
        id=row.item_id,
        width=row.i_width,
        height=row.i_height,
        text=row.i_text,
        is_gold=bool(row.i_is_gold),
        annotation_count=row.i_annotation_count,
        wanted=row.i_wanted,
    )
    assignment = SimpleNamespace(id=assignment_id, expires_at=row.expires_at)
    try:
        normalised = validate_result(project=project, item=item, result=result)
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
        "assignment_id": assignment_id,
        "project_id": project.id,
        "item_id": item.id,
        "annotator_id": user_id,
        "result": normalised,
        "duration_ms": duration_ms,
        "is_gold": item.is_gold,
        "gold_score": feedback.score if feedback else None,
        "now": now,
    }
    if postgresql:
        annotation_id = session.execute(_statement("all", True), params).scalar_one()
    else:
        annotation_id = session.execute(_statement("insert", False), params).scalar_one()
        session.execute(_statement("mark", False), params)
        session.execute(_statement("count", False), params)
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
    annotation = SimpleNamespace(
        id=annotation_id,
        assignment_id=assignment_id,
        project_id=project.id,
        item_id=item.id,
        result=normalised,
        duration_ms=duration_ms,
        created_at=now,
    )
    return Submitted(annotation, created=True, gold_feedback=feedback)
