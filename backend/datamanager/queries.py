"""The item table: one keyset page of a project's items under the filters and the sort.

No OFFSET and no count: a page is an index range scan from the cursor's position (sort key, id)
and stops after ``limit + 1`` rows, the extra one only telling whether a next page exists, so
page 500 costs what page 1 costs (see ``backend.datamanager.cursor``). Sorting by confidence
puts items without consensus first (their key is -1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from backend import clock
from backend.assignments.models import Assignment
from backend.consensus.models import Consensus
from backend.datamanager import cursor as cursors
from backend.datamanager.filters import ANNOTATE_STAGE, conditions
from backend.datamanager.schemas import ConsensusBrief, ItemPage, ItemRow, ListQuery
from backend.items.models import Item
from backend.items.states import derive
from backend.kinds import Kind, get_kind
from backend.projects.models import Project

PREVIEW_CHARS = 160
NO_CONSENSUS = -1.0


def sort_key(sort: str) -> ColumnElement[Any] | None:
    """The sort's key besides the id (None: the id alone)."""
    name = sort.lstrip("-")
    if name == "confidence":
        return func.coalesce(Consensus.confidence, NO_CONSENSUS)
    if name == "annotations":
        return Item.annotation_count
    return None


def list_page(*, session: Session, project: Project, query: ListQuery) -> ItemPage:
    kind = get_kind(project.kind)
    now = clock.now()
    dialect = session.get_bind().dialect.name
    key = sort_key(query.sort)
    backward = query.before is not None
    token, field = (query.before, "before") if backward else (query.cursor, "cursor")
    position = cursors.decode(token, sort=query.sort, field=field) if token else None
    descending = query.sort.startswith("-") != backward  # the order this query walks in
    columns = [Item.id] if key is None else [key, Item.id]
    statement = (
        select(Item, Consensus.result, Consensus.confidence, Consensus.n_annotations)
        .outerjoin(Consensus, Consensus.item_id == Item.id)
        .where(*conditions(query=query, project_id=project.id, kind=kind, now=now, dialect=dialect))
    )
    if position is not None:
        here = [position.id] if key is None else [position.key, position.id]
        left, right = (
            (columns[0], here[0]) if len(columns) == 1 else (tuple_(*columns), tuple_(*here))
        )
        statement = statement.where(left < right if descending else left > right)
    statement = statement.order_by(*(c.desc() if descending else c.asc() for c in columns))
    rows = session.execute(statement.limit(query.limit + 1)).all()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    if backward:
        rows.reverse()
    leases = _live_leases(session=session, item_ids=[row[0].id for row in rows], now=now)
    items = [_row(row, kind=kind, sort=query.sort, leases=leases) for row in rows]
    if backward:
        return ItemPage(
            items=items,
            next_cursor=items[-1].cursor if items else None,
            prev_cursor=items[0].cursor if more and items else None,
        )
    return ItemPage(
        items=items,
        next_cursor=items[-1].cursor if more and items else None,
        prev_cursor=items[0].cursor if position is not None and items else None,
    )


def _live_leases(*, session: Session, item_ids: Sequence[int], now: Any) -> dict[int, int]:
    if not item_ids:
        return {}
    rows = session.execute(
        select(Assignment.item_id, func.count())
        .where(
            Assignment.item_id.in_(item_ids),
            Assignment.status == "leased",
            Assignment.stage == ANNOTATE_STAGE,
            Assignment.expires_at > now,
        )
        .group_by(Assignment.item_id)
    ).all()
    return dict(rows)


def _row(row: Any, *, kind: Kind, sort: str, leases: dict[int, int]) -> ItemRow:
    item, result, confidence, n_annotations = row
    name = sort.lstrip("-")
    key: float | int | None = None
    if name == "confidence":
        key = NO_CONSENSUS if confidence is None else confidence
    elif name == "annotations":
        key = item.annotation_count
    base = f"/api/v1/items/{item.id}"
    consensus = None
    if result is not None:
        consensus = ConsensusBrief(
            labels=list(dict.fromkeys(kind.labels_of(result))),
            confidence=confidence,
            n_annotations=n_annotations,
        )
    return ItemRow(
        id=item.id,
        project_id=item.project_id,
        external_id=item.external_id,
        status=derive(
            annotation_count=item.annotation_count,
            wanted=item.wanted,
            live_leases=leases.get(item.id, 0),
            stored=None,
        ),
        is_gold=item.is_gold,
        text_preview=item.text[:PREVIEW_CHARS] if item.text is not None else None,
        media_url=f"{base}/media" if item.media_key else None,
        thumbnail_url=f"{base}/thumbnail" if item.media_key else None,
        has_thumbnail=item.thumbnail_key is not None,
        media_type=item.media_type,
        width=item.width,
        height=item.height,
        content_hash=item.content_hash,
        meta=item.meta,
        prelabel=item.prelabel,
        priority=item.priority,
        consensus=consensus,
        annotation_count=item.annotation_count,
        wanted=item.wanted,
        batch_id=item.batch_id,
        created_at=item.created_at,
        cursor=cursors.encode(cursors.Position(sort=sort, key=key, id=item.id)),
    )
