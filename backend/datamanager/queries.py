"""The item table: one keyset page of a project's items under the filters and the sort.

No OFFSET and no count: a page is an index range scan from the cursor's position (sort key, id)
and stops after ``limit + 1`` rows, the extra one only telling whether a next page exists, so
page 500 costs what page 1 costs (see ``backend.datamanager.cursor``). Sorting by confidence
walks the items with consensus first and those without after them (``_by_confidence``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, func, select, tuple_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from backend import clock
from backend.assignments.models import Assignment
from backend.consensus.models import Consensus
from backend.datamanager import cursor as cursors
from backend.datamanager.filters import (
    ANNOTATE_STAGE,
    conditions,
    needs_consensus,
    stored_states,
)
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
        return Consensus.confidence
    if name == "annotations":
        return Item.annotation_count
    return None


def list_page(*, session: Session, project: Project, query: ListQuery) -> ItemPage:
    kind = get_kind(project.kind)
    now = clock.now()
    dialect = session.get_bind().dialect.name
    backward = query.before is not None
    token, field = (query.before, "before") if backward else (query.cursor, "cursor")
    position = cursors.decode(token, sort=query.sort, field=field) if token else None
    descending = query.sort.startswith("-") != backward  # the order this query walks in
    where = conditions(query=query, project_id=project.id, kind=kind, now=now, dialect=dialect)
    base = select(Item, Consensus.result, Consensus.confidence, Consensus.n_annotations)
    want = query.limit + 1
    if query.sort.lstrip("-") == "confidence":
        rows = _by_confidence(
            session,
            base,
            where,
            project_id=project.id,
            position=position,
            descending=descending,
            backward=backward,
            want=want,
            needs_consensus=needs_consensus(query),
        )
    else:
        key = sort_key(query.sort)
        joined = Consensus.item_id == Item.id
        if key is None and position is not None:
            # The cursor's bound on the joined side too: PostgreSQL's merge join otherwise reads
            # consensus from the project's first item up to the cursor (page 500: 25,000 rows).
            beyond = (
                Consensus.item_id < position.id if descending else Consensus.item_id > position.id
            )
            joined = and_(joined, beyond)
        statement = base.outerjoin(Consensus, joined).where(*where)
        rows = _seek(session, statement, key, position, descending, want)
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    if backward:
        rows.reverse()
    ids = [row[0].id for row in rows]
    leases = _live_leases(session=session, item_ids=ids, now=now)
    stored = stored_states(session=session, item_ids=ids)
    items = [_row(row, kind=kind, sort=query.sort, leases=leases, stored=stored) for row in rows]
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


def _seek(
    session: Session,
    statement: Select[Any],
    key: ColumnElement[Any] | None,
    position: cursors.Position | None,
    descending: bool,
    want: int,
    *,
    id_column: ColumnElement[Any] | None = None,
) -> list[Any]:
    """Up to ``want`` rows of ``statement`` after ``position`` in (key, id) order: the seek
    method, an index range scan from the position whatever its depth."""
    ident = Item.id if id_column is None else id_column
    columns = [ident] if key is None else [key, ident]
    if position is not None:
        here = [position.id] if key is None else [position.key, position.id]
        left, right = (
            (columns[0], here[0]) if len(columns) == 1 else (tuple_(*columns), tuple_(*here))
        )
        statement = statement.where(left < right if descending else left > right)
    statement = statement.order_by(*(c.desc() if descending else c.asc() for c in columns))
    return list(session.execute(statement.limit(want)).all())


def _by_confidence(
    session: Session,
    base: Select[Any],
    where: list[ColumnElement[bool]],
    *,
    project_id: int,
    position: cursors.Position | None,
    descending: bool,
    backward: bool,
    want: int,
    needs_consensus: bool,
) -> list[Any]:
    """The confidence sort: items with consensus by (confidence, id), then items without
    consensus by id, in either direction (the sort's direction applies within each part).

    Each part is its own range scan: the scored part walks ``ix_consensus_project_confidence``
    (project, confidence, item) and stops after a page, so the first pages of a million-item
    project cost what an id page costs; the unscored part (an anti-join) is reached only past
    the last scored item. A cursor of the unscored part carries the key -1 (confidences lie in
    0..1).
    """
    scored = base.join(Consensus, Consensus.item_id == Item.id).where(
        Consensus.project_id == project_id, *where
    )
    unscored = base.outerjoin(Consensus, Consensus.item_id == Item.id).where(
        Consensus.item_id.is_(None), *where
    )
    in_unscored = position is not None and position.key is not None and position.key < 0
    key, ident = Consensus.confidence, Consensus.item_id

    def scored_rows(start: cursors.Position | None, n: int) -> list[Any]:
        return _seek(session, scored, key, start, descending, n, id_column=ident)

    def unscored_rows(start: cursors.Position | None, n: int) -> list[Any]:
        return [] if needs_consensus else _seek(session, unscored, None, start, descending, n)

    if not backward:  # scored, then unscored
        if in_unscored:
            return unscored_rows(position, want)
        rows = scored_rows(position, want)
        return rows + unscored_rows(None, want - len(rows)) if len(rows) < want else rows
    # walking back: unscored (from the position or the end), then scored from its end
    if position is not None and not in_unscored:
        return scored_rows(position, want)
    rows = unscored_rows(position, want)
    return rows + scored_rows(None, want - len(rows)) if len(rows) < want else rows


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


def _row(
    row: Any, *, kind: Kind, sort: str, leases: dict[int, int], stored: dict[int, str]
) -> ItemRow:
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
            stored=stored.get(item.id),
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
