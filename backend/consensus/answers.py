"""Loading a project's annotations for a recompute, in one query, as plain records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from backend.assignments.models import Annotation, AnnotatorState
from backend.items.models import GoldAnswer, Item


@dataclass(frozen=True)
class Answer:
    item_id: int
    annotator_id: int
    result: dict[str, Any]
    is_gold: bool
    gold_score: float | None


def load_answers(*, session: Session, project_id: int) -> list[Answer]:
    rows = session.exec(
        select(
            Annotation.item_id,
            Annotation.annotator_id,
            Annotation.result,
            Annotation.is_gold,
            Annotation.gold_score,
        )
        .where(Annotation.project_id == project_id)
        .order_by(Annotation.id)
    ).all()
    return [Answer(*row) for row in rows]


def load_gold(*, session: Session, project_id: int) -> dict[int, dict[str, Any]]:
    rows = session.exec(
        select(GoldAnswer.item_id, GoldAnswer.answer).where(GoldAnswer.project_id == project_id)
    ).all()
    return dict(rows)


def paused_annotators(*, session: Session, project_id: int) -> set[int]:
    rows = session.exec(
        select(AnnotatorState.user_id).where(
            AnnotatorState.project_id == project_id, AnnotatorState.status == "paused"
        )
    ).all()
    return set(rows)


def load_texts(*, session: Session, project_id: int) -> dict[int, str]:
    """Texts of the project's items, for kinds whose consensus needs them (spans)."""
    rows = session.exec(
        select(Item.id, Item.text).where(Item.project_id == project_id, Item.text.is_not(None))
    ).all()
    return dict(rows)
