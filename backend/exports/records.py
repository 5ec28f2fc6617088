"""What a build reads: the project's items with their truth and annotations, in chunks of ids.

Items are read by keyset pagination on ``id`` (``WHERE id > last ORDER BY id LIMIT n``), each
chunk in its own short read transaction: memory is bounded by the chunk size, whatever the
project's. One query per chunk joins the items with their consensus (written by the quality
workers; the columns and the join come from ``backend.consensus.joins``) and, when gold items are
in, their gold answer; a second reads the chunk's annotations by item-id range — only who gave
them when the consensus is the truth, their results too for raw exports and for the items that
have no consensus row yet (the fallback vote).

The hot path talks to the driver directly (a DB-API cursor, ``fetchall``) and reads JSON columns
as text, parsed by ``jsonfast``: no ORM objects, no per-row SQLAlchemy processing, no psycopg
``jsonb`` loader — together they were most of a build's time. The next chunk is read in a
background thread while the build works on the current one (the database and the driver's
network wait then overlap with formatting); at most one chunk waits, so memory stays flat.
On SQLite the read runs in a plain (deferred) transaction: it never takes the write lock.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Engine

from backend.consensus.joins import consensus_of_items
from backend.exports.jsonfast import loads
from backend.kinds import Kind, get_kind


class ExportItem(NamedTuple):
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
    result: dict[str, Any]
    duration_ms: int
    created_at: datetime


@dataclass(slots=True)
class ExportRecord:
    """One item and the truth a version exports for it.

    ``result`` is the consensus (or gold answer, or the kind's fallback vote). ``annotator_ids``
    are the authors of the answers that count (paused annotators and rejected answers left out),
    one per answer; ``annotations`` are those answers in full, read only when the build needs
    them (raw exports, and items voted on by the fallback) and empty otherwise.
    """

    item: ExportItem
    result: dict[str, Any] | None
    confidence: float
    origin: str  # consensus | gold | majority_fallback | none
    agreement: float | None
    annotator_ids: list[int] = field(default_factory=list)
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
    # A trusted SQL condition on ``items i`` that limits the build (``exports.checks.item_scope``).
    item_scope: str = ""


def count_items(engine: Engine, *, plan: ReadPlan) -> int:
    sql = _Sql(engine, plan, paused=[])
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            cursor.execute(sql.count, sql.item_args())
            (total,) = cursor.fetchone()
        finally:
            cursor.close()
            raw.rollback()
    return int(total)


class _Sql:
    """The statements of one build, in the driver's own parameter style."""

    def __init__(self, engine: Engine, plan: ReadPlan, paused: list[int]) -> None:
        self.plan = plan
        self.sqlite = engine.dialect.name == "sqlite"
        p = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self.p = p
        gold_filter = "" if plan.include_gold else " AND NOT i.is_gold"
        where = f"i.project_id = {p} AND i.id <= {p}{gold_filter}{plan.item_scope}"
        self.count = f"SELECT count(*) FROM items i WHERE {where}"  # noqa: S608
        gold_column = ", CAST(g.answer AS TEXT)" if plan.include_gold else ", NULL"
        gold_join = " LEFT JOIN gold_answers g ON g.item_id = i.id" if plan.include_gold else ""
        consensus = consensus_of_items(item_id="i.id")
        self.items = (
            "SELECT i.id, i.external_id, i.text, i.media_key, i.width,"  # noqa: S608 - no input
            f" i.height, i.content_hash, i.is_gold, {consensus.columns}"
            f"{gold_column} FROM items i{consensus.join}{gold_join}"
            f" WHERE {where} AND i.id > {p} ORDER BY i.id LIMIT {p}"
        )
        # Paused ids are integers from our own table: inlined, so the statement stays one shape.
        not_paused = (
            f" AND a.annotator_id NOT IN ({', '.join(str(int(u)) for u in paused)})"
            if paused
            else ""
        )
        counted = (
            f"a.project_id = {p} AND a.id <= {p} AND a.review_status <> 'rejected'{not_paused}"
        )
        self.authors = (
            "SELECT a.item_id, a.annotator_id FROM annotations a"  # noqa: S608 - our own ints
            f" WHERE {counted} AND a.item_id >= {p} AND a.item_id <= {p}"
            " ORDER BY a.item_id, a.id"
        )
        full = (
            "SELECT a.item_id, a.id, a.annotator_id, CAST(a.result AS TEXT),"  # noqa: S608
            f" a.duration_ms, a.created_at FROM annotations a WHERE {counted}"
        )
        order = " ORDER BY a.item_id, a.id"
        self.full_range = f"{full} AND a.item_id >= {p} AND a.item_id <= {p}{order}"
        self.full_some = full + " AND a.item_id IN ({ids})" + order

    def item_args(self) -> tuple[int, int]:
        return (self.plan.project_id, self.plan.max_item_id)

    def annotation_args(self) -> tuple[int, int]:
        return (self.plan.project_id, self.plan.max_annotation_id)


def iter_chunks(
    *, engine: Engine, plan: ReadPlan, paused: list[int]
) -> Iterator[list[ExportRecord]]:
    """Chunks of records in item-id order; each chunk is read in one short transaction, the next
    one in a background thread while the caller works on this one."""
    sql = _Sql(engine, plan, paused)
    chunks: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        last_id = 0
        try:
            while not stop.is_set():
                chunk = _fetch_chunk(engine, sql, after=last_id)
                if chunk is None:
                    break
                last_id = chunk.rows[-1][0]
                while not stop.is_set():
                    try:
                        chunks.put(chunk, timeout=0.2)
                        break
                    except queue.Full:
                        continue
        except BaseException as exc:  # handed to the consumer, raised there
            chunks.put(exc)
            return
        chunks.put(None)

    reader = threading.Thread(target=produce, name="export-reader", daemon=True)
    reader.start()
    try:
        while True:
            chunk = chunks.get()
            if chunk is None:
                return
            if isinstance(chunk, BaseException):
                raise chunk
            yield _records(plan.kind, chunk)
    finally:
        stop.set()
        while reader.is_alive():
            with contextlib.suppress(queue.Empty):
                chunks.get(timeout=0.2)
        reader.join()


class _Fetched(NamedTuple):
    rows: list[tuple[Any, ...]]
    authors: dict[int, list[int]]
    full: list[tuple[Any, ...]]


def _fetch_chunk(engine: Engine, sql: _Sql, *, after: int) -> _Fetched | None:
    """The rows of one chunk, as the driver gives them (run in the reader thread: the less
    Python here, the less it holds the GIL the build needs)."""
    plan = sql.plan
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            if sql.sqlite:
                cursor.execute("BEGIN")  # deferred: a read snapshot, never the write lock
            cursor.execute(sql.items, (*sql.item_args(), after, plan.chunk_size))
            rows = cursor.fetchall()
            if not rows:
                return None
            bounds = (*sql.annotation_args(), rows[0][0], rows[-1][0])
            authors: dict[int, list[int]] = {}
            if plan.annotation_results:
                cursor.execute(sql.full_range, bounds)
                full = cursor.fetchall()
                for item_id, _, annotator_id, *_ in full:
                    if item_id in authors:
                        authors[item_id].append(annotator_id)
                    else:
                        authors[item_id] = [annotator_id]
                return _Fetched(rows, authors, full)
            cursor.execute(sql.authors, bounds)
            for item_id, annotator_id in cursor.fetchall():
                if item_id in authors:
                    authors[item_id].append(annotator_id)
                else:
                    authors[item_id] = [annotator_id]
            # Items with neither consensus nor gold are voted on here: their results.
            undecided = [
                row[0]
                for row in rows
                if row[8] is None and not (row[7] and row[10] is not None) and row[0] in authors
            ]
            full = []
            if undecided:
                cursor.execute(
                    sql.full_some.format(ids=", ".join(str(int(i)) for i in undecided)),
                    sql.annotation_args(),
                )
                full = cursor.fetchall()
            return _Fetched(rows, authors, full)
        finally:
            cursor.close()
            raw.rollback()


def _records(kind: str, fetched: _Fetched) -> list[ExportRecord]:
    full = _group_full(fetched.full)
    authors = fetched.authors
    found = get_kind(kind)
    return [_record(found, row, authors, full) for row in fetched.rows]


def _group_full(rows: list[tuple[Any, ...]]) -> dict[int, list[RawAnnotation]]:
    found: dict[int, list[RawAnnotation]] = {}
    for item_id, annotation_id, annotator_id, result, duration_ms, created_at in rows:
        annotation = RawAnnotation(
            annotation_id, annotator_id, loads(result), duration_ms, _utc(created_at)
        )
        if item_id in found:
            found[item_id].append(annotation)
        else:
            found[item_id] = [annotation]
    return found


def _utc(value: datetime | str) -> datetime:
    """What ``backend.db.UTCDateTime`` answers: aware UTC (SQLite stores naive UTC text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


_NO_AUTHORS: list[int] = []


def _record(
    kind: Kind,
    row: tuple[Any, ...],
    authors: dict[int, list[int]],
    full: dict[int, list[RawAnnotation]],
) -> ExportRecord:
    item_id, consensus, confidence, gold = row[0], row[8], row[9], row[10]
    is_gold = bool(row[7])
    item = ExportItem(*row[:7], is_gold)
    annotator_ids = authors.get(item_id, _NO_AUTHORS)
    annotations = full.get(item_id) or []
    if is_gold and gold is not None:
        return ExportRecord(item, loads(gold), 1.0, "gold", None, annotator_ids, annotations)
    if consensus is not None:
        return ExportRecord(
            item, loads(consensus), float(confidence), "consensus", None, annotator_ids, annotations
        )
    if not annotations:
        return ExportRecord(item, None, 0.0, "none", None, annotator_ids, annotations)
    vote = kind.fallback_vote([a.result for a in annotations])
    return ExportRecord(
        item,
        vote.result,
        vote.confidence,
        "majority_fallback",
        vote.agreement,
        annotator_ids,
        annotations,
    )
