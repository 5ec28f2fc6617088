"""``next`` and ``submit`` on PostgreSQL: one function call each, awaited on the event loop.

The rules live twice, on purpose and nowhere else: in Python (``leasing``, ``picking``,
``submitting``: SQLite, and every case below hands back) and in the PL/pgSQL functions of
revision 0007 (``jinbiao_next``, ``jinbiao_submit``), which run the same statements with the same
locks inside PostgreSQL. The whole test suite runs on both databases. What the functions do not
settle they hand back, and the caller then takes the Python path in the thread pool, which gives
every other answer (401, 403, 404, 409, 422, gold feedback, a repeat's 200):

* ``next``: ``lease``, ``held`` and ``none`` are answered here; ``refused`` (no state row yet, or
  a caller who may not work here) and ``paused`` are handed back.
* ``submit``: a live lease of a normal item whose result is valid is stored here; a gold item, a
  repeat, a skipped, foreign or late assignment is handed back. The result is validated in Python
  first (``submitting.validate_result``) from an unlocked read of the item and the project; the
  function then locks the assignment and the item and rechecks the status itself.

Why: on 2 CPUs a cycle (``next`` + ``submit``) cost the API about 8 ms of CPU through a thread
hop, a SQLAlchemy session and eleven round trips, against about 3 ms in PostgreSQL
(``tests/benchmarks/results/distribution.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from backend.assignments.submitting import validate_result

_NEXT = "SELECT * FROM jinbiao_next(%s, %s, %s)"
_SUBMIT = "SELECT * FROM jinbiao_submit(%s, %s, %s, %s, %s)"
_SUBMIT_CONTEXT = """
SELECT a.status, i.is_gold, i.width, i.height, i.text, p.kind, p.labels, m.role
FROM assignments a
JOIN items i ON i.id = a.item_id
JOIN projects p ON p.id = a.project_id
JOIN memberships m ON m.org_id = p.org_id AND m.user_id = a.annotator_id
JOIN users u ON u.id = a.annotator_id AND u.is_active
WHERE a.id = %s AND a.annotator_id = %s
"""
_ROLES = frozenset({"annotator", "manager", "owner"})
_INT4 = 2**31


@dataclass(frozen=True)
class FastLease:
    """A lease as ``leasing.Lease`` carries it, with the project's kind."""

    assignment_id: int
    expires_at: datetime
    kind: str
    item: SimpleNamespace  # id, text, media_key, width, height, prelabel


@dataclass(frozen=True)
class NothingLeft:
    """Nothing is left for this annotator (``next`` answers 204)."""


@dataclass(frozen=True)
class FastSubmit:
    annotation_id: int
    project_id: int
    item_id: int
    result: dict[str, Any]
    flagged: bool  # this submit set the project's recompute flag
    started_at: datetime | None  # when the project's last recompute started


def in_range(*ids: int) -> bool:
    """Whether every id fits PostgreSQL's ``integer`` (others take the general path's answer)."""
    return all(0 < value < _INT4 for value in ids)


async def next_lease(
    pool: AsyncConnectionPool, *, project_id: int, user_id: int, now: datetime
) -> FastLease | NothingLeft | None:
    """The caller's lease, ``NothingLeft``, or None when the Python path must answer."""
    async with pool.connection() as connection:
        cursor = await connection.execute(_NEXT, (project_id, user_id, now))
        row = await cursor.fetchone()
    outcome = row[0] if row else None
    if outcome == "none":
        return NothingLeft()
    if outcome not in ("lease", "held"):
        return None
    _, assignment_id, expires_at, kind, item_id, text, media_key, width, height, prelabel = row
    item = SimpleNamespace(
        id=item_id, text=text, media_key=media_key, width=width, height=height, prelabel=prelabel
    )
    return FastLease(assignment_id, expires_at, kind, item)


async def submit(
    pool: AsyncConnectionPool,
    *,
    assignment_id: int,
    user_id: int,
    result: Any,
    duration_ms: int,
    now: datetime,
) -> FastSubmit | None:
    """Store a valid result of a live normal lease; None when the Python path must answer.

    Raises ``ResultInvalid`` (the caller answers 422) for a result the kind refuses.
    """
    async with pool.connection() as connection:
        cursor = await connection.execute(_SUBMIT_CONTEXT, (assignment_id, user_id))
        context = await cursor.fetchone()
        if context is None:
            return None
        status, is_gold, width, height, text, kind, labels, role = context
        if status != "leased" or is_gold or role not in _ROLES:
            return None
        normalised = validate_result(
            project=SimpleNamespace(kind=kind, labels=labels),
            item=SimpleNamespace(width=width, height=height, text=text),
            result=result,
        )
        cursor = await connection.execute(
            _SUBMIT, (assignment_id, user_id, Jsonb(normalised), duration_ms, now)
        )
        row = await cursor.fetchone()
    if row is None or row[0] != "created":
        return None
    _, annotation_id, project_id, item_id, flagged, started_at = row
    return FastSubmit(annotation_id, project_id, item_id, normalised, flagged, started_at)
