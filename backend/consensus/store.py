"""Writing a recompute's consensus: only the rows that differ, and which items they were.

A recompute infers every item's consensus again, but most rows come out the same; writing only
new rows, changed rows (result, confidence beyond 1e-9, or number of answers) and rows whose item
lost every answer keeps the write small. The items whose row was inserted or changed are
returned, so the recompute can tell the domains above that they are finished (``ItemsFinished``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import bindparam, delete, insert, text, update
from sqlmodel import Session, select

from backend import clock
from backend.consensus.models import Consensus
from backend.db import UTCDateTime
from backend.kinds.consensus import Inferred


@dataclass(frozen=True)
class Stored:
    written: int  # rows inserted, updated or deleted
    changed: NDArray[np.int64]  # items whose row was inserted or updated, sorted


def store_consensus(
    *, session: Session, project_id: int, consensus: Inferred, method: str
) -> Stored:
    """Write only what changed: new rows, changed rows, and rows whose item lost every answer."""
    if session.get_bind().dialect.name == "postgresql":
        return _store_postgresql(
            session=session, project_id=project_id, consensus=consensus, method=method
        )
    existing = {
        item_id: (result, confidence, n)
        for item_id, result, confidence, n in session.exec(
            select(
                Consensus.item_id, Consensus.result, Consensus.confidence, Consensus.n_annotations
            ).where(Consensus.project_id == project_id)
        )
    }
    now = clock.now()
    inserts, updates = [], []
    for item_id, result, confidence, n in zip(
        consensus.item.tolist(),
        consensus.results,
        consensus.confidence.tolist(),
        consensus.n.tolist(),
        strict=True,
    ):
        row = {
            "item_id": item_id,
            "project_id": project_id,
            "result": result,
            "confidence": confidence,
            "n_annotations": n,
            "method": method,
            "updated_at": now,
        }
        old = existing.pop(item_id, None)
        if old is None:
            inserts.append(row)
        elif old[0] != result or abs(old[1] - confidence) > 1e-9 or old[2] != n:
            updates.append(row)
    gone = list(existing)
    for start in range(0, len(inserts), 5000):
        session.execute(insert(Consensus), inserts[start : start + 5000])
    for start in range(0, len(updates), 5000):
        session.execute(update(Consensus), updates[start : start + 5000])
    for start in range(0, len(gone), 500):
        session.execute(delete(Consensus).where(Consensus.item_id.in_(gone[start : start + 500])))
    changed = [row["item_id"] for row in inserts] + [row["item_id"] for row in updates]
    return Stored(len(inserts) + len(updates) + len(gone), _sorted_ids(changed))


# Each statement answers one row: how many rows it wrote and, for the UPDATE and the INSERT,
# their item ids as one array (RETURNING aggregated in SQL, so no row per item travels back).
_CONSENSUS_DIFF = (
    "WITH changed AS (UPDATE consensus c SET project_id = :p, result = t.result, "
    "confidence = t.confidence, n_annotations = t.n, method = :method, updated_at = :now "
    "FROM consensus_new t WHERE c.item_id = t.item_id AND (c.result <> t.result "
    "OR abs(c.confidence - t.confidence) > 1e-9 OR c.n_annotations <> t.n) "
    "RETURNING c.item_id) SELECT count(*), array_agg(item_id) FROM changed",
    # not an anti-join on consensus itself: with an empty (never analysed) table the planner
    # picks a nested loop that rescans the rows this very statement adds, quadratic in rows
    "WITH changed AS (INSERT INTO consensus (item_id, project_id, result, confidence, "
    "n_annotations, method, updated_at) SELECT t.item_id, :p, t.result, t.confidence, t.n, "
    ":method, :now FROM consensus_new t ON CONFLICT (item_id) DO NOTHING RETURNING item_id) "
    "SELECT count(*), array_agg(item_id) FROM changed",
    "WITH gone AS (DELETE FROM consensus c WHERE c.project_id = :p "
    "AND NOT EXISTS (SELECT 1 FROM consensus_new t WHERE t.item_id = c.item_id) "
    "RETURNING 1) SELECT count(*), NULL FROM gone",
)


def _store_postgresql(
    *, session: Session, project_id: int, consensus: Inferred, method: str
) -> Stored:
    """The same on PostgreSQL, compared in the database: the new consensus goes into a temporary
    table by COPY, then one UPDATE, one INSERT and one DELETE touch only the rows that differ
    (``jsonb`` equality, confidence beyond 1e-9, count) — and answer only their count and the
    changed item ids as one array."""
    connection = session.connection()
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE IF NOT EXISTS consensus_new (item_id bigint PRIMARY KEY, "
        "result jsonb NOT NULL, confidence double precision NOT NULL, n integer NOT NULL) "
        "ON COMMIT DELETE ROWS"
    )
    connection.exec_driver_sql("TRUNCATE consensus_new")
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        with cursor.copy("COPY consensus_new (item_id, result, confidence, n) FROM STDIN") as copy:
            for chunk in _copy_text(consensus):
                copy.write(chunk)
    finally:
        cursor.close()
    connection.exec_driver_sql("ANALYZE consensus_new")
    params = {"p": project_id, "method": method, "now": clock.now()}
    written, changed = 0, []
    for statement in _CONSENSUS_DIFF:
        query = text(statement)
        if ":now" in statement:
            query = query.bindparams(bindparam("now", type_=UTCDateTime()))
        count, ids = connection.execute(query, params).one()
        written += count
        changed += ids or ()
    return Stored(written, _sorted_ids(changed))


def _sorted_ids(ids: list[int]) -> NDArray[np.int64]:
    return np.sort(np.fromiter(ids, dtype=np.int64, count=len(ids)))


def _copy_text(consensus: Inferred, rows_per_chunk: int = 20_000) -> Iterator[bytes]:
    """COPY text-format lines of the consensus, in chunks; results encoded once per label."""
    if consensus.label is not None:
        cache: dict[int, str] = {}
        encoded = []
        for code, result in zip(consensus.label.tolist(), consensus.results, strict=True):
            if code < 0 or len(result) != 1 or "label" not in result:  # not a plain label
                encoded.append(_copy_escape(json.dumps(result)))
                continue
            value = cache.get(code)
            if value is None:
                value = cache[code] = _copy_escape(json.dumps(result))
            encoded.append(value)
    elif (lines := getattr(consensus.results, "copy_text", None)) is not None:
        # a kind whose results are kept as arrays writes the whole lines itself (polygons):
        # the other fields' text around each result, escaped and encoded in one pass
        items, confidence, n = (
            consensus.item.tolist(),
            consensus.confidence.tolist(),
            consensus.n.tolist(),
        )
        yield lines(
            [f"{i}\t" for i in items],
            [f"\t{c!r}\t{k}\n" for c, k in zip(confidence, n, strict=True)],
        )
        return
    else:
        # a kind whose results are kept as arrays writes their JSON itself
        writer = getattr(consensus.results, "json_texts", None)
        texts = writer() if writer is not None else map(json.dumps, consensus.results)
        encoded = [_copy_escape(text) for text in texts]
    items, confidence, n = (
        consensus.item.tolist(),
        consensus.confidence.tolist(),
        consensus.n.tolist(),
    )
    for start in range(0, len(items), rows_per_chunk):
        stop = start + rows_per_chunk
        lines = [
            f"{i}\t{r}\t{c!r}\t{k}\n"
            for i, r, c, k in zip(
                items[start:stop],
                encoded[start:stop],
                confidence[start:stop],
                n[start:stop],
                strict=True,
            )
        ]
        yield "".join(lines).encode()


def _copy_escape(value: str) -> str:
    """A value for COPY's text format: backslash, tab, newline and carriage return escaped."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )
