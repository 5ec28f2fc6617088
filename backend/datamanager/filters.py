"""The data manager's filters as SQL conditions on ``items`` left-joined to ``consensus``.

Each filter is one condition and they combine with AND, so a combination returns exactly the
items every single filter returns. Item states come from ``backend.items.states``: ``final``
from ``final_items``, ``in_review`` / ``reviewed`` / ``rework`` from review's row of the item,
and for an item without either ``new``, ``in_progress`` and ``done`` from the counters and
live leases (as ``derive`` does).

The same filters make a lot (``POST /projects/{id}/lots`` with ``filter``): ``parse_filter``
reads them from a JSON object as the list reads them from the query string, and
``matching_items`` is the listing's WHERE clause as a subquery of item ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import and_, exists, false, func, literal, not_, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from backend.assignments.models import Annotation, Assignment
from backend.consensus.models import Consensus
from backend.datamanager.schemas import ListQuery
from backend.errors import invalid
from backend.items.final_models import FinalItem
from backend.items.models import Item
from backend.items.states import ItemState
from backend.kinds import Kind
from backend.review.models import ReviewItem

ANNOTATE_STAGE = "annotate"
PAGING = frozenset({"sort", "cursor", "before", "limit"})
FILTERS = tuple(name for name in ListQuery.model_fields if name not in PAGING)
"""The filters proper: every parameter of the list but its sort and page."""


def reject_unknown(
    names: Iterable[str], *, known: Iterable[str], where: str, loc: tuple[str, ...] = ()
) -> None:
    """422 ``unknown_filter`` naming the first of ``names`` that is not ``known``: a misspelt
    filter would otherwise be ignored and select more items than asked for."""
    allowed = tuple(known)
    for name in names:
        if name not in allowed:
            raise invalid(
                (*loc, name),
                f"unknown filter {name!r}; the filters are: {', '.join(allowed)}",
                where=where,
                code="unknown_filter",
            )


def parse_filter(values: Mapping[str, Any], *, loc: tuple[str, ...] = ("filter",)) -> ListQuery:
    """The data manager's filters given as a JSON object (values as the query string gives
    them, or typed): 422 ``unknown_filter`` for a name that is not a filter (sort and paging
    included), 422 naming the field for a value the list would refuse."""
    reject_unknown(values, known=FILTERS, where="body", loc=loc)
    try:
        return ListQuery.model_validate(dict(values))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise invalid((*loc, *first["loc"]), first["msg"]) from None


def matching_items(
    *, query: ListQuery, project_id: int, kind: Kind, now: datetime, dialect: str
) -> Select[Any]:
    """``SELECT items.id`` of the project's items the filters select (the listing's join and
    WHERE clause, without its sort and page)."""
    return (
        select(Item.id)
        .outerjoin(Consensus, Consensus.item_id == Item.id)
        .where(*conditions(query=query, project_id=project_id, kind=kind, now=now, dialect=dialect))
    )


def conditions(
    *, query: ListQuery, project_id: int, kind: Kind, now: datetime, dialect: str
) -> list[ColumnElement[bool]]:
    """The WHERE clause of one listing (the project's items, narrowed by every given filter)."""
    where: list[ColumnElement[bool]] = [Item.project_id == project_id]
    if query.status is not None:
        where.append(status_condition(query.status, now=now))
    if query.label is not None:
        where.append(label_condition(kind, query.label, dialect=dialect))
    if query.confidence_min is not None:
        where.append(Consensus.confidence >= query.confidence_min)
    if query.confidence_max is not None:
        where.append(Consensus.confidence <= query.confidence_max)
    if query.annotator_id is not None:
        where.append(
            exists().where(
                Annotation.item_id == Item.id, Annotation.annotator_id == query.annotator_id
            )
        )
    if query.gold is not None:
        where.append(Item.is_gold.is_(query.gold))
    if query.batch_id is not None:
        where.append(Item.batch_id == query.batch_id)
    if query.q is not None:
        where.append(
            or_(
                Item.text.icontains(query.q, autoescape=True),
                Item.external_id.icontains(query.q, autoescape=True),
            )
        )
    return where


def needs_consensus(query: ListQuery) -> bool:
    """Whether the filters match only items that have a consensus row."""
    return (
        query.label is not None
        or query.confidence_min is not None
        or query.confidence_max is not None
    )


def live_lease(now: datetime) -> ColumnElement[bool]:
    """The item has an annotation lease that has not expired."""
    return exists().where(
        Assignment.item_id == Item.id,
        Assignment.status == "leased",
        Assignment.stage == ANNOTATE_STAGE,
        Assignment.expires_at > now,
    )


STORED_BY_REVIEW = (ItemState.in_review, ItemState.reviewed, ItemState.rework)
"""The states review's row of an item stores (``review_items.state``; its ``done`` is not
stored: an item review let go of reads its state from the counters again)."""


def _final() -> ColumnElement[bool]:
    return exists().where(FinalItem.item_id == Item.id)


def _in_review_row(states: Iterable[ItemState]) -> ColumnElement[bool]:
    return exists().where(
        ReviewItem.item_id == Item.id, ReviewItem.state.in_([s.value for s in states])
    )


def status_condition(state: ItemState, *, now: datetime) -> ColumnElement[bool]:
    """Items in ``state`` as ``stored_states`` + ``derive`` give it: ``final`` (a row in
    ``final_items``) first, then the state review's row stores, then the counters."""
    if state == ItemState.final:
        return _final()
    if state in STORED_BY_REVIEW:
        return and_(_in_review_row([state]), not_(_final()))
    by_counters = and_(not_(_final()), not_(_in_review_row(STORED_BY_REVIEW)))
    done = and_(Item.wanted > 0, Item.annotation_count >= Item.wanted)
    if state == ItemState.done:
        return and_(done, by_counters)
    if state == ItemState.in_progress:
        return and_(not_(done), or_(Item.annotation_count > 0, live_lease(now)), by_counters)
    if state == ItemState.new:
        return and_(not_(done), Item.annotation_count == 0, not_(live_lease(now)), by_counters)
    return false()


def stored_states(*, session: Session, item_ids: Sequence[int]) -> dict[int, str]:
    """The state a later stage stored for each of ``item_ids`` that has one (``final``, else
    review's), for ``derive``'s ``stored``; the others read theirs from the counters."""
    if not item_ids:
        return {}
    ids = list(item_ids)
    found: dict[int, str] = dict(
        session.execute(
            select(ReviewItem.item_id, ReviewItem.state).where(
                ReviewItem.item_id.in_(ids),
                ReviewItem.state.in_([s.value for s in STORED_BY_REVIEW]),
            )
        ).all()
    )
    for item_id in session.execute(
        select(FinalItem.item_id).where(FinalItem.item_id.in_(ids))
    ).scalars():
        found[item_id] = ItemState.final.value
    return found


def label_condition(kind: Kind, label: str, *, dialect: str) -> ColumnElement[bool]:
    """The item's consensus holds ``label`` (the kind's ``label_pattern``: JSON containment)."""
    if kind.label_pattern is None:
        raise invalid(
            ("label",),
            f"projects of the kind {kind.name!r} cannot be filtered by label",
            where="query",
            code="label_filter_unsupported",
        )
    pattern = kind.label_pattern(label)
    if dialect == "postgresql":
        return type_coerce(Consensus.result, JSONB).contains(pattern)
    return _sqlite_contains(Consensus.result, "$", pattern)


def _sqlite_contains(document: Any, path: str, pattern: Any) -> ColumnElement[bool]:
    """``document`` at ``path`` contains ``pattern``, as PostgreSQL's ``@>`` decides it, for the
    patterns kinds give: objects of scalars, and arrays of such objects (any element matches)."""
    if isinstance(pattern, dict):
        return and_(
            *(_sqlite_contains(document, f"{path}.{_key(k)}", v) for k, v in pattern.items())
        )
    if isinstance(pattern, list):
        members = func.json_each(document, path).table_valued("value", "type")
        return and_(
            *(
                select(literal(1))
                .select_from(members)
                .where(_sqlite_contains(members.c.value, "$", element))
                .exists()
                for element in pattern
            )
        )
    return func.json_extract(document, path) == pattern


def _key(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
