"""Read-only views of a project's items and gold answers: paginated for staff, whole for the
quality recompute (which asks here rather than reading the items domain's tables itself)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from backend.items.models import GoldAnswer, Item
from backend.items.schemas import GoldPublic, ItemPublic


def to_public(item: Item) -> ItemPublic:
    base = f"/api/v1/items/{item.id}"
    return ItemPublic(
        id=item.id,
        project_id=item.project_id,
        external_id=item.external_id,
        text=item.text,
        media_type=item.media_type,
        width=item.width,
        height=item.height,
        content_hash=item.content_hash,
        meta=item.meta,
        prelabel=item.prelabel,
        is_gold=item.is_gold,
        priority=item.priority,
        annotation_count=item.annotation_count,
        wanted=item.wanted,
        has_thumbnail=item.thumbnail_key is not None,
        media_url=f"{base}/media" if item.media_key else None,
        thumbnail_url=f"{base}/thumbnail" if item.media_key else None,
        created_at=item.created_at,
    )


def list_items(
    *, session: Session, project_id: int, offset: int, limit: int, is_gold: bool | None = None
) -> tuple[list[ItemPublic], int]:
    """Items in import order with their annotation counts; the total for ``X-Total-Count``."""
    where = [Item.project_id == project_id]
    if is_gold is not None:
        where.append(Item.is_gold == is_gold)
    total = session.exec(select(func.count()).select_from(Item).where(*where)).one()
    rows = session.exec(select(Item).where(*where).order_by(Item.id).offset(offset).limit(limit))
    return [to_public(item) for item in rows], total


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
