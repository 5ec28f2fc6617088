"""Read-only views of a project's gold answers: paginated for staff, whole for the
quality recompute (which asks here rather than reading the items domain's tables itself)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from backend.items.models import GoldAnswer, Item
from backend.items.schemas import GoldPublic


def list_gold(
    *, session: Session, project_id: int, offset: int, limit: int
) -> tuple[list[GoldPublic], int]:
    total = session.exec(
        select(func.count()).select_from(GoldAnswer).where(GoldAnswer.project_id == project_id)
    ).one()
    rows = session.exec(
        select(GoldAnswer, Item.external_id)
        .join(Item, Item.id == GoldAnswer.item_id)
        .where(GoldAnswer.project_id == project_id)
        .order_by(GoldAnswer.item_id)
        .offset(offset)
        .limit(limit)
    ).all()
    return [
        GoldPublic(
            item_id=gold.item_id,
            external_id=external_id,
            answer=gold.answer,
            created_at=gold.created_at,
        )
        for gold, external_id in rows
    ], total


def gold_answers(*, session: Session, project_id: int) -> dict[int, dict[str, Any]]:
    """The known answer of every gold item of the project, by item id."""
    rows = session.exec(
        select(GoldAnswer.item_id, GoldAnswer.answer).where(GoldAnswer.project_id == project_id)
    ).all()
    return dict(rows)


def item_texts(*, session: Session, project_id: int) -> dict[int, str]:
    """The texts of the project's text items, by item id (span consensus needs them)."""
    rows = session.exec(
        select(Item.id, Item.text).where(Item.project_id == project_id, Item.text.is_not(None))
    ).all()
    return dict(rows)
