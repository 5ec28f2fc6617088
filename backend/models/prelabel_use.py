"""Whether an annotation started from a pre-label, and how much of it the annotator changed.

Computed on the server by comparing the submitted result with the item's pre-label, with the
kind's own agreement score (``Kind.gold_score``: the exact label for classification, exact-match
span F1, box F1 at IoU >= 0.5): ``changed = 1 - score``, accepted when nothing changed. On a gold
item the pre-label is also scored against the known answer, so the quality page can show who
accepts wrong pre-labels — the blind acceptance that pre-labels invite (automation bias:
R. Parasuraman and D. H. Manzey, "Complacency and Bias in Human Use of Automation", Human
Factors 52(3):381-410, 2010, https://doi.org/10.1177/0018720810376055).

Recorded in the submit's own transaction when the submit runs in Python (``AnnotationSubmitted``)
and, for submits PostgreSQL's one-call function stored (it emits no such event), by
``record_missing`` from a worker, which looks at annotations past the project's watermark.
Nothing here changes an annotation or a consensus: a pre-label is never an answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from backend import clock, events
from backend.assignments.models import Annotation
from backend.items.models import GoldAnswer, Item
from backend.items.prelabels import prelabel_result
from backend.kinds.gold import gold_score, is_correct
from backend.models.models import AnnotationPrelabelUse, ProjectModelState
from backend.projects.models import Project

CATCH_UP_BATCH = 5000


def use_of(
    *, kind: str, submitted: dict[str, Any], prelabel: Any, gold: dict[str, Any] | None
) -> dict[str, Any] | None:
    """``{changed, accepted, prelabel_correct}`` for one annotation; None without pre-label."""
    suggested = prelabel_result(prelabel)
    if suggested is None:
        return None
    score = gold_score(kind, submitted, suggested)
    return {
        "changed": round(1.0 - score, 6),
        "accepted": is_correct(score),
        "prelabel_correct": None if gold is None else is_correct(gold_score(kind, suggested, gold)),
    }


def record(*, session: Session, annotation_ids: Sequence[int]) -> int:
    """Record the pre-label use of these annotations (those not recorded yet); in the caller's
    transaction. Returns how many rows were written."""
    if not annotation_ids:
        return 0
    rows = session.exec(
        select(
            Annotation.id,
            Annotation.project_id,
            Annotation.item_id,
            Annotation.annotator_id,
            Annotation.result,
            Item.is_gold,
            Item.prelabel,
            Project.kind,
            GoldAnswer.answer,
        )
        .join(Item, Item.id == Annotation.item_id)
        .join(Project, Project.id == Annotation.project_id)
        .outerjoin(GoldAnswer, GoldAnswer.item_id == Annotation.item_id)
        .outerjoin(AnnotationPrelabelUse, AnnotationPrelabelUse.annotation_id == Annotation.id)
        .where(
            Annotation.id.in_(list(annotation_ids)),
            AnnotationPrelabelUse.annotation_id.is_(None),
        )
    ).all()
    written = 0
    for annotation_id, project_id, item_id, annotator_id, result, is_gold, pre, kind, gold in rows:
        use = use_of(kind=kind, submitted=result, prelabel=pre, gold=gold if is_gold else None)
        if use is None:
            continue
        version = pre.get("model_version") if isinstance(pre, dict) else None
        session.add(
            AnnotationPrelabelUse(
                annotation_id=annotation_id,
                project_id=project_id,
                item_id=item_id,
                annotator_id=annotator_id,
                model_version=version if isinstance(version, int) else None,
                is_gold=bool(is_gold),
                **use,
            )
        )
        written += 1
    session.flush()
    return written


def record_missing(*, session: Session, project_id: int) -> int:
    """Record the annotations past the project's watermark (the one-call submit's), in batches
    of ``CATCH_UP_BATCH``; commits. Returns how many rows were written."""
    written = 0
    checked = ensure_state(session=session, project_id=project_id).use_checked_id
    while True:
        ids = session.exec(
            select(Annotation.id)
            .where(Annotation.project_id == project_id, Annotation.id > checked)
            .order_by(Annotation.id)
            .limit(CATCH_UP_BATCH)
        ).all()
        if not ids:
            session.commit()
            return written
        written += record(session=session, annotation_ids=list(ids))
        checked = ids[-1]
        session.execute(
            update(ProjectModelState)
            .where(
                ProjectModelState.project_id == project_id,
                ProjectModelState.use_checked_id < checked,
            )
            .values(use_checked_id=checked, updated_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if len(ids) < CATCH_UP_BATCH:
            return written


def ensure_state(*, session: Session, project_id: int) -> ProjectModelState:
    """The project's model bookkeeping row, made on first use (two makers at once: one wins,
    neither fails)."""
    state = session.get(ProjectModelState, project_id)
    if state is not None:
        return state
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(ProjectModelState)
        .values(project_id=project_id, updated_at=clock.now())
        .on_conflict_do_nothing(index_elements=["project_id"])
    )
    return session.get_one(ProjectModelState, project_id)


def on_submitted(event: events.AnnotationSubmitted) -> None:
    """In the submit's transaction: record the new annotation's pre-label use."""
    record(session=event.session, annotation_ids=[event.annotation_id])
