"""Corrections: an annotator lists their own recent answers and replaces one while its item is
not settled; the replaced result goes to ``annotation_history``.

The annotation row keeps the current result, so consensus, exports and pay read the correction
like any answer; ``AnnotationCorrected`` asks for the recompute (``backend/consensus``) and the
audit log records who changed what. Only the author may correct (anyone else: 404, as for a
missing annotation), while a member of the project's organization; a settled item
(``finality``) answers 409 ``item_final``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import HTTPException, status
from sqlalchemy import func
from sqlmodel import Session, select

from backend import clock, events
from backend.assignments.models import Annotation
from backend.assignments.submitting import validate_result
from backend.audit.service import record
from backend.corrections.finality import settled_reason
from backend.corrections.models import AnnotationHistory
from backend.errors import conflict, invalid, not_found
from backend.items.models import Item
from backend.kinds import ResultInvalid
from backend.orgs.models import EVERYONE, MANAGERS, Role
from backend.projects.deps import load_project_access
from backend.projects.models import Project

REVIEWERS = frozenset({*MANAGERS, Role.reviewer})


@dataclass(frozen=True)
class Mine:
    annotation: Annotation
    item: Item
    kind: str
    corrections: int
    settled: str | None


def list_mine(
    *, session: Session, user_id: int, project_id: int, offset: int, limit: int
) -> tuple[list[Mine], int]:
    """The caller's annotations in the project, newest first; 404 if the project is not in one
    of the caller's organizations."""
    access = load_project_access(
        session=session, project_id=project_id, user_id=user_id, allowed=EVERYONE
    )
    where = (Annotation.project_id == project_id, Annotation.annotator_id == user_id)
    total = session.exec(select(func.count()).select_from(Annotation).where(*where)).one()
    rows = session.exec(
        select(Annotation, Item)
        .join(Item, Item.id == Annotation.item_id)
        .where(*where)
        .order_by(Annotation.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    counts = _history_counts(session=session, annotation_ids=[a.id for a, _ in rows])
    mine = [
        Mine(
            annotation=annotation,
            item=item,
            kind=access.project.kind,
            corrections=counts.get(annotation.id, 0),
            settled=_refusal(session=session, item=item, annotation=annotation),
        )
        for annotation, item in rows
    ]
    return mine, total


def _history_counts(*, session: Session, annotation_ids: list[int]) -> dict[int, int]:
    if not annotation_ids:
        return {}
    rows = session.exec(
        select(AnnotationHistory.annotation_id, func.count())
        .where(AnnotationHistory.annotation_id.in_(annotation_ids))
        .group_by(AnnotationHistory.annotation_id)
    ).all()
    return {annotation_id: n for annotation_id, n in rows}


def correct(*, session: Session, annotation_id: int, user_id: int, result: Any) -> Annotation:
    """Replace the caller's annotation's result; the old one goes to the history.

    404: not the caller's annotation (or not in one of their organizations); 409 ``item_final``:
    the item is settled; 422 naming the field: the kind refuses the result. The same result
    again changes nothing (no history row).
    """
    annotation = session.exec(
        select(Annotation)
        .where(Annotation.id == annotation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if annotation is None or annotation.annotator_id != user_id:
        session.rollback()
        raise not_found("annotation")
    access = load_project_access(
        session=session, project_id=annotation.project_id, user_id=user_id, allowed=EVERYONE
    )
    item = session.exec(
        select(Item)
        .where(Item.id == annotation.item_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    reason = _refusal(session=session, item=item, annotation=annotation)
    if reason is not None:
        session.rollback()
        raise conflict(reason, code="item_final")
    normalised = _validated(project=access.project, item=item, result=result, session=session)
    if normalised == annotation.result:
        session.commit()
        return annotation
    now = clock.now()
    session.add(
        AnnotationHistory(
            annotation_id=annotation.id,
            project_id=annotation.project_id,
            result=annotation.result,
            stored_at=_stored_at(session=session, annotation=annotation),
            replaced_at=now,
            replaced_by=user_id,
        )
    )
    annotation.result = normalised
    session.add(annotation)
    events.emit(
        events.AnnotationCorrected(
            session=session,
            project_id=annotation.project_id,
            item_id=annotation.item_id,
            annotation_id=annotation.id,
            annotator_id=user_id,
        )
    )
    record(
        session,
        org_id=access.project.org_id,
        actor_id=user_id,
        action="annotation.correct",
        target_type="annotation",
        target_id=annotation.id,
        data={"item_id": annotation.item_id, "project_id": annotation.project_id},
    )
    session.commit()
    session.refresh(annotation)
    return annotation


def _refusal(*, session: Session, item: Item, annotation: Annotation) -> str | None:
    """Why this answer may not be corrected, or None: its item is settled, or review rejected
    it (it no longer counts; the item comes back as rework)."""
    reason = settled_reason(session=session, item=item)
    if reason is None and annotation.review_status == "rejected":
        reason = "a reviewer rejected this answer: the item came back as rework"
    return reason


def _validated(*, project: Project, item: Item, result: Any, session: Session) -> dict[str, Any]:
    try:
        return validate_result(project=project, item=item, result=result)
    except ResultInvalid as exc:
        session.rollback()
        raise invalid(("result", *exc.loc), exc.msg) from None


def _stored_at(*, session: Session, annotation: Annotation) -> datetime:
    """When the current result was stored: the last correction, else the submit."""
    last = session.exec(
        select(func.max(AnnotationHistory.replaced_at)).where(
            AnnotationHistory.annotation_id == annotation.id
        )
    ).one()
    return last or annotation.created_at


def history(
    *, session: Session, annotation_id: int, user_id: int
) -> tuple[Annotation, list[AnnotationHistory]]:
    """The annotation and its replaced results, oldest first. Its author, and the owners,
    managers and reviewers of its organization; anyone else: 404."""
    annotation = session.get(Annotation, annotation_id)
    if annotation is None:
        raise not_found("annotation")
    allowed = EVERYONE if annotation.annotator_id == user_id else REVIEWERS
    try:
        load_project_access(
            session=session, project_id=annotation.project_id, user_id=user_id, allowed=allowed
        )
    except HTTPException as exc:  # a 403 for a role, or "project not found", would say the
        if exc.status_code in (status.HTTP_403_FORBIDDEN, status.HTTP_404_NOT_FOUND):  # id exists
            raise not_found("annotation") from None
        raise
    rows = session.exec(
        select(AnnotationHistory)
        .where(AnnotationHistory.annotation_id == annotation_id)
        .order_by(AnnotationHistory.id)
    ).all()
    return annotation, list(rows)
