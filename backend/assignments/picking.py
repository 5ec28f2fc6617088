"""The SQL that chooses the next item: the hot path of the platform.

Normal items (rules 1, 3, 4). One statement walks ``ix_item_open`` (only items that still want
annotations, partial index of revision 0003) in rule-4 order — fewest missing annotations first,
then priority, then the stable random key — and stops at the first item that

* the annotator never had: one probe of the unique (item, annotator) index;
* has a free slot counting live leases: one range probe of (item, status, expires_at);
* no concurrent ``next`` or ``submit`` holds (``FOR NO KEY UPDATE SKIP LOCKED`` on PostgreSQL:
  exclusive among distribution transactions, yet no obstacle to the foreign-key checks of rows
  that point at the item, so an insert never waits behind a lock held here).

The walk only passes items that are open *and* taken for this annotator: items they already
answered that others have not finished yet, and items whose slots are all leased right now. Both
sets are bounded by the number of annotators at work, not by the project size.

Both probes are scalar subqueries on purpose: a ``NOT EXISTS`` would be pulled up into an anti
join, and on a small or freshly analysed ``assignments`` table PostgreSQL then materialises all the
annotator's rows with a sequential scan. A ``(SELECT 1 … LIMIT 1) IS NULL`` stays a per-candidate
probe of the unique index whatever the statistics say.

Why a second look after the lock: under READ COMMITTED the lease probes run on the statement's
snapshot, and a concurrent ``next`` that committed a lease on the same item a moment ago does not
change the item row, so PostgreSQL does not recheck it. Every transaction that adds a lease or an
annotation to an item holds that item's row lock, so a fresh count taken *after* our lock is exact;
if it finds the item full we try again. That count is the insert's own condition
(``INSERT … SELECT … WHERE`` the slot is still free), a new statement with a new snapshot, so the
second look costs no extra round trip. On SQLite the whole request is one serialised writer.

The pick returns the item's fields for the answer, so no second read of the item is needed.

Gold items (rule 2) are not limited by overlap; each annotator gets each at most once. The pool is
walked from a random key, in bounded windows, so an annotator who has seen most of the gold is
not rescanned on every draw: they get a normal item instead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session

from backend.db import JSONType, UTCDateTime

# RECHECKS is also the argument ``p_rechecks`` of ``sql/jinbiao_next.sql``; GOLD_WINDOW stands
# there as a literal LIMIT (a parameter costs a replan per call), checked equal by a test.
GOLD_WINDOW = 64
RECHECKS = 8

# What the ``next`` answer shows of an item (``leasing._item`` reads them in this order).
ITEM_FIELDS = "i.id, i.text, i.media_key, i.width, i.height, i.prelabel"

_OPEN_ITEM = f"""
SELECT {ITEM_FIELDS}
FROM items i
WHERE i.project_id = :project_id
  AND NOT i.is_gold
  AND i.annotation_count < i.wanted
  AND (SELECT 1 FROM assignments had
       WHERE had.item_id = i.id AND had.annotator_id = :annotator_id LIMIT 1) IS NULL
  AND (SELECT count(*) FROM assignments live
       WHERE live.item_id = i.id AND live.status = 'leased' AND live.expires_at > :now)
      < i.wanted - i.annotation_count
ORDER BY (i.wanted - i.annotation_count), i.priority DESC, i.random_key
LIMIT 1
"""  # noqa: S608

_INSERT_IF_FREE = """
INSERT INTO assignments
  (project_id, item_id, annotator_id, is_gold, status, created_at, expires_at, stage)
SELECT :project_id, i.id, :annotator_id, false, 'leased', :now, :expires_at, :stage
FROM items i
WHERE i.id = :item_id
  AND i.annotation_count + (SELECT count(*) FROM assignments live
       WHERE live.item_id = i.id AND live.status = 'leased' AND live.expires_at > :now)
      < i.wanted
RETURNING id
"""

_INSERT = """
INSERT INTO assignments
  (project_id, item_id, annotator_id, is_gold, status, created_at, expires_at, stage,
   rework_round)
VALUES (:project_id, :item_id, :annotator_id, :is_gold, 'leased', :now, :expires_at, :stage,
        :rework_round)
RETURNING id
"""

_GOLD_KEY_RANGE = """
SELECT
  (SELECT random_key FROM items WHERE project_id = :project_id AND is_gold
   ORDER BY random_key LIMIT 1),
  (SELECT random_key FROM items WHERE project_id = :project_id AND is_gold
   ORDER BY random_key DESC LIMIT 1)
"""

_GOLD_WINDOW = f"""
SELECT {ITEM_FIELDS} FROM (
    SELECT id, random_key FROM items
    WHERE project_id = :project_id AND is_gold AND random_key {{cmp}} :start
    ORDER BY random_key LIMIT :window) g
JOIN items i ON i.id = g.id
WHERE (SELECT 1 FROM assignments had
       WHERE had.item_id = g.id AND had.annotator_id = :annotator_id LIMIT 1) IS NULL
ORDER BY g.random_key
LIMIT 1
"""  # noqa: S608


@dataclass(frozen=True)
class Candidate:
    item_id: int
    is_gold: bool
    item: tuple[Any, ...] = ()  # ITEM_FIELDS
    # The rework round the lease belongs to (a review lease: the item's current round).
    rework_round: int = 0


def _with_now(sql: str, *more: str) -> Any:
    return text(sql).bindparams(*(bindparam(name, type_=UTCDateTime()) for name in ("now", *more)))


_STATEMENTS: dict[bool, Any] = {}


def _open_statement(postgresql: bool) -> Any:
    if postgresql not in _STATEMENTS:
        _STATEMENTS[postgresql] = open_item_statement(postgresql=postgresql)
    return _STATEMENTS[postgresql]


_INSERT_IF_FREE_STATEMENT = _with_now(_INSERT_IF_FREE, "expires_at")
_INSERT_STATEMENT = _with_now(_INSERT, "expires_at")
_GOLD_STATEMENTS = {
    cmp: text(_GOLD_WINDOW.format(cmp=cmp)).columns(prelabel=JSONType) for cmp in (">=", "<")
}


def open_item_statement(*, postgresql: bool) -> Any:
    """The candidate query; PostgreSQL locks the row it returns and skips locked ones."""
    suffix = "FOR NO KEY UPDATE OF i SKIP LOCKED" if postgresql else ""
    return _with_now(_OPEN_ITEM + suffix).columns(prelabel=JSONType)


def pick_open_item(
    *, session: Session, project_id: int, annotator_id: int, now: datetime
) -> Candidate | None:
    """The first normal item in rule-4 order this annotator may take now, locked; or None.

    On PostgreSQL the free slot is checked once more by ``insert_lease``.
    """
    postgresql = session.get_bind().dialect.name == "postgresql"
    params = {"project_id": project_id, "annotator_id": annotator_id, "now": now}
    row = session.execute(_open_statement(postgresql), params).first()
    if row is None:
        return None
    return Candidate(row[0], False, tuple(row))


def insert_lease(
    *,
    session: Session,
    stage: str,
    project_id: int,
    annotator_id: int,
    candidate: Candidate,
    now: datetime,
    expires_at: datetime,
) -> int | None:
    """Insert the lease of ``stage`` and return its id; None when (PostgreSQL) the item filled up
    meanwhile.

    A normal item on PostgreSQL is inserted only while ``annotation_count`` plus its live leases
    is below ``wanted``, counted by this statement's fresh snapshot after the pick's lock (see
    the module docstring). Gold items are not limited by overlap; SQLite serialises writers.
    A lease of another stage is inserted as its chooser found it: the chooser has locked the item
    and rechecked, after that lock, that no one else holds it (``backend/review/picking.py``).
    """
    params = {
        "stage": stage,
        "project_id": project_id,
        "item_id": candidate.item_id,
        "annotator_id": annotator_id,
        "now": now,
        "expires_at": expires_at,
    }
    if candidate.is_gold or stage != "annotate" or session.get_bind().dialect.name != "postgresql":
        params["is_gold"] = candidate.is_gold
        params["rework_round"] = candidate.rework_round
        return session.execute(_INSERT_STATEMENT, params).scalar_one()
    return session.execute(_INSERT_IF_FREE_STATEMENT, params).scalar()


def pick_gold_item(
    *, session: Session, project_id: int, annotator_id: int, rng: random.Random
) -> Candidate | None:
    """A gold item this annotator has not had, from a random point of the pool; or None."""
    low, high = session.execute(text(_GOLD_KEY_RANGE), {"project_id": project_id}).one()
    if low is None:
        return None
    start = rng.randint(low, high)
    params = {
        "project_id": project_id,
        "annotator_id": annotator_id,
        "start": start,
        "window": GOLD_WINDOW,
    }
    for cmp in (">=", "<"):
        row = session.execute(_GOLD_STATEMENTS[cmp], params).first()
        if row is not None:
            return Candidate(row[0], True, tuple(row))
    return None
