"""What a build reads: the project's items with their annotations, in chunks of ids.

Items are read by keyset pagination on ``id`` (``WHERE id > last ORDER BY id LIMIT n``), each
chunk in its own short transaction: memory is bounded by the chunk size, and on SQLite (where
every transaction takes the write lock up front) annotators are never blocked for a whole build.
Only columns are selected, not ORM objects: a 100,000-item build does not pay for identity maps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, literal_column, select
from sqlmodel import Session

from backend.assignments.models import Annotation, AnnotatorState
from backend.consensus.models import Consensus
from backend.exports.fallback import fallback_consensus
from backend.items.models import GoldAnswer, Item


@dataclass(frozen=True, slots=True)
class ExportItem:
    id: int
    external_id: str | None
    text: str | None
    media_key: str | None
    width: int | None
    height: int | None
    content_hash: str
    is_gold: bool


@dataclass(frozen=True, slots=True)
class RawAnnotation:
    id: int
    annotator_id: int
    result: dict[str, Any] | None  # None when the build does not need it (see ReadPlan)
    duration_ms: int
    created_at: datetime


@dataclass(slots=True)
class ExportRecord:
    """One item and the truth a version exports for it.

    ``result`` is the consensus (or gold answer, or the fallback vote); ``annotations`` are the
    raw answers that count (paused annotators and rejected answers left out).
    """

    item: ExportItem
    result: dict[str, Any] | None
    confidence: float
    origin: str  # consensus | gold | majority_fallback | none
    agreement: float | None
    annotations: list[RawAnnotation] = field(default_factory=list)


@dataclass(frozen=True)
class ReadPlan:
    project_id: int
    kind: str
    include_gold: bool
    max_item_id: int
    max_annotation_id: int
    chunk_size: int
    # Whether every annotation's result is needed (raw exports); otherwise results are read only
    # for items without a consensus row, which the fallback vote needs.
    annotation_results: bool = True


def paused_annotators(session: Session, *, project_id: int) -> list[int]:
    rows = session.exec(
        select(AnnotatorState.user_id).where(
            AnnotatorState.project_id == project_id, AnnotatorState.status == "paused"
        )
    ).all()
    return sorted(row[0] for row in rows)


def count_items(session: Session, *, plan: ReadPlan) -> int:
    from sqlalchemy import func

    query = select(func.count()).select_from(Item).where(*_item_filter(plan))
    return int(session.exec(query).one()[0])


def _item_filter(plan: ReadPlan) -> list[Any]:
    clauses: list[Any] = [Item.project_id == plan.project_id, Item.id <= plan.max_item_id]
    if not plan.include_gold:
        clauses.append(Item.is_gold.is_(False))
    return clauses


def iter_chunks(
    *, engine: Engine, plan: ReadPlan, paused: list[int]
) -> Iterator[list[ExportRecord]]:
    """Chunks of records in item-id order; each chunk is read in one short transaction."""
    last_id = 0
    while True:
        with engine.connect() as conn:
            items = _read_items(conn, plan=plan, after=last_id)
            if not items:
                return
            ids = [item.id for item in items]
            consensus = _read_consensus(conn, ids=ids)
            gold = _read_gold(conn, ids=ids) if plan.include_gold else {}
            if plan.annotation_results:
                annotations = _read_annotations(conn, plan=plan, ids=ids, paused=paused)
            else:
                annotations = _read_annotations(
                    conn, plan=plan, ids=ids, paused=paused, with_results=False
                )
                undecided = [i for i in ids if i not in consensus and i not in gold]
                if undecided:
                    annotations.update(
                        _read_annotations(conn, plan=plan, ids=undecided, paused=paused)
                    )
            conn.rollback()
        last_id = ids[-1]
        yield [
            _record(plan.kind, item, annotations.get(item.id, []), consensus, gold)
            for item in items
        ]


def _read_items(conn: Connection, *, plan: ReadPlan, after: int) -> list[ExportItem]:
    query = (
        select(
            Item.id,
            Item.external_id,
            Item.text,
            Item.media_key,
            Item.width,
            Item.height,
            Item.content_hash,
            Item.is_gold,
        )
        .where(*_item_filter(plan), Item.id > after)
        .order_by(Item.id)
        .limit(plan.chunk_size)
    )
    return [ExportItem(*row) for row in conn.execute(query)]


def _read_annotations(
    conn: Connection,
    *,
    plan: ReadPlan,
    ids: list[int],
    paused: list[int],
    with_results: bool = True,
) -> dict[int, list[RawAnnotation]]:
    result = Annotation.result if with_results else literal_column("NULL")
    query = select(
        Annotation.item_id,
        Annotation.id,
        Annotation.annotator_id,
        result,
        Annotation.duration_ms,
        Annotation.created_at,
    ).where(
        Annotation.item_id.in_(ids),
        Annotation.id <= plan.max_annotation_id,
        Annotation.review_status != "rejected",
    )
    if paused:
        query = query.where(Annotation.annotator_id.not_in(paused))
    found: dict[int, list[RawAnnotation]] = defaultdict(list)
    for item_id, *rest in conn.execute(query.order_by(Annotation.item_id, Annotation.id)):
        found[item_id].append(RawAnnotation(*rest))
    return found


def _read_consensus(conn: Connection, *, ids: list[int]) -> dict[int, tuple[dict, float]]:
    query = select(Consensus.item_id, Consensus.result, Consensus.confidence).where(
        Consensus.item_id.in_(ids)
    )
    return {item_id: (result, float(conf)) for item_id, result, conf in conn.execute(query)}


def _read_gold(conn: Connection, *, ids: list[int]) -> dict[int, dict]:
    query = select(GoldAnswer.item_id, GoldAnswer.answer).where(GoldAnswer.item_id.in_(ids))
    return {item_id: answer for item_id, answer in conn.execute(query)}


def _record(
    kind: str,
    item: ExportItem,
    annotations: list[RawAnnotation],
    consensus: dict[int, tuple[dict, float]],
    gold: dict[int, dict],
) -> ExportRecord:
    if item.is_gold and item.id in gold:
        return ExportRecord(item, gold[item.id], 1.0, "gold", None, annotations)
    if item.id in consensus:
        result, confidence = consensus[item.id]
        return ExportRecord(item, result, confidence, "consensus", None, annotations)
    if not annotations:
        return ExportRecord(item, None, 0.0, "none", None, annotations)
    vote = fallback_consensus(kind, [a.result for a in annotations])
    return ExportRecord(
        item, vote.result, vote.confidence, "majority_fallback", vote.agreement, annotations
    )
