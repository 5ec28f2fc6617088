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
if it finds the item full we try again. On SQLite the whole request is one serialised writer.

Gold items (rule 2) are not limited by overlap; each annotator gets each at most once. The pool is
walked from a random key, in bounded windows, so an annotator who has seen most of the gold is
not rescanned on every draw: they get a normal item instead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlmodel import Session

from backend.db import UTCDateTime

GOLD_WINDOW = 64
RECHECKS = 8

_OPEN_ITEM = """
SELECT i.id, i.annotation_count, i.wanted
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
"""

_LIVE_LEASES = """
SELECT count(*) FROM assignments
WHERE item_id = :item_id AND status = 'leased' AND expires_at > :now
"""

_GOLD_KEY_RANGE = """
SELECT
  (SELECT random_key FROM items WHERE project_id = :project_id AND is_gold
   ORDER BY random_key LIMIT 1),
  (SELECT random_key FROM items WHERE project_id = :project_id AND is_gold
   ORDER BY random_key DESC LIMIT 1)
"""

_GOLD_WINDOW = """
SELECT g.id FROM (
    SELECT id, random_key FROM items
    WHERE project_id = :project_id AND is_gold AND random_key {cmp} :start
    ORDER BY random_key LIMIT :window) g
WHERE (SELECT 1 FROM assignments had
       WHERE had.item_id = g.id AND had.annotator_id = :annotator_id LIMIT 1) IS NULL
ORDER BY g.random_key
LIMIT 1
"""


@dataclass(frozen=True)
class Candidate:
    item_id: int
    is_gold: bool


def _with_now(sql: str) -> object:
    return text(sql).bindparams(bindparam("now", type_=UTCDateTime()))


def open_item_statement(*, postgresql: bool) -> object:
    """The candidate query; PostgreSQL locks the row it returns and skips locked ones."""
    suffix = "FOR NO KEY UPDATE OF i SKIP LOCKED" if postgresql else ""
    return _with_now(_OPEN_ITEM + suffix)


def pick_open_item(
    *, session: Session, project_id: int, annotator_id: int, now: datetime
) -> Candidate | None:
    """The first normal item in rule-4 order this annotator may take now, locked; or None."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    query = open_item_statement(postgresql=postgresql)
    params = {"project_id": project_id, "annotator_id": annotator_id, "now": now}
    for _ in range(RECHECKS):
        row = session.execute(query, params).first()
        if row is None:
            return None
        item_id, annotation_count, wanted = row
        if not postgresql:
            return Candidate(item_id, False)
        live = session.execute(_with_now(_LIVE_LEASES), {"item_id": item_id, "now": now})
        if annotation_count + live.scalar_one() < wanted:
            return Candidate(item_id, False)
        # A lease committed between our snapshot and our lock filled the item. The next
        # statement takes a fresh snapshot and sees it; keeping the row lock is harmless.
    return None


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
        item_id = session.execute(text(_GOLD_WINDOW.format(cmp=cmp)), params).scalar()
        if item_id is not None:
            return Candidate(item_id, True)
    return None
