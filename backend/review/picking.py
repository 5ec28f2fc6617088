"""The reviewer's pick: the next item waiting in review, registered as the ``review`` stage's
chooser of the one lease machinery (``leasing.register_chooser``; ``backend/assignments/stages``).

``leasing.next_assignment`` has already locked the reviewer's state row (their requests run one
after another) and handed back a live review lease they hold. The pick walks the project's queue
(``ix_review_item_queue``: items ``in_review`` by id, from a random point, see ``_WAITING``) and
stops at the first item that

* the reviewer never annotated (no ``annotate`` lease of theirs on it in any round) and did not
  already review in this round: one probe of the (item, person, round) unique index;
* no one holds a live review lease on;
* no concurrent ``next`` or ``submit`` holds (``FOR NO KEY UPDATE OF i SKIP LOCKED`` on the item
  row, the lock every transaction that adds a lease to an item takes).

Then the second look after the lock, as for annotation (``backend/assignments/picking.py``):
under READ COMMITTED the probes ran on the statement's snapshot, and a review lease committed
a moment ago on the same item does not change the item row; every transaction that adds a review
lease holds the item's lock, so a fresh read after our lock is exact. A taken item is passed
over and the walk tries again with a fresh snapshot (at most ``RECHECKS`` times). On SQLite the
whole request is one serialised writer.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session

from backend.assignments.picking import ITEM_FIELDS, RECHECKS, Candidate
from backend.db import JSONType, UTCDateTime

# The walk starts at a random point of the queue (``item_id >= :start``, then wrapping around
# below it), not at its head: on a queue table every verdict leaves a dead index entry behind
# until vacuum, and a walk from the head re-reads all of them when a long transaction elsewhere
# holds vacuum back (the benchmark measured 480 ms per ``next`` at 50,000 waiting items that
# way). From a random point the walk meets about as many dead entries as the share of the queue
# already judged, and concurrent reviewers start apart instead of queueing at the head.
_WAITING = f"""
SELECT {ITEM_FIELDS}, r.rework_round
FROM review_items r JOIN items i ON i.id = r.item_id
WHERE r.project_id = :project_id AND r.state = 'in_review' AND r.item_id {{cmp}} :start
  AND (SELECT 1 FROM assignments had
       WHERE had.item_id = r.item_id AND had.annotator_id = :reviewer_id
         AND (had.stage = 'annotate' OR had.rework_round = r.rework_round) LIMIT 1) IS NULL
  AND (SELECT 1 FROM assignments live
       WHERE live.item_id = r.item_id AND live.stage = 'review' AND live.status = 'leased'
         AND live.expires_at > :now LIMIT 1) IS NULL
ORDER BY r.item_id {{direction}}
LIMIT 1
"""  # noqa: S608

_RANGE = text(
    "SELECT min(item_id), max(item_id) FROM review_items "
    "WHERE project_id = :project_id AND state = 'in_review'"
)

_NO_JIT = text("SET LOCAL jit = off")

_STILL_FREE = """
SELECT r.rework_round FROM review_items r
WHERE r.item_id = :item_id AND r.state = 'in_review'
  AND (SELECT 1 FROM assignments live
       WHERE live.item_id = r.item_id AND live.stage = 'review' AND live.status = 'leased'
         AND live.expires_at > :now LIMIT 1) IS NULL
"""

_rng = random.Random()


def _statement(sql: str) -> Any:
    return text(sql).bindparams(bindparam("now", type_=UTCDateTime()))


def _waiting(cmp: str, direction: str, lock: bool) -> Any:
    sql = _WAITING.format(cmp=cmp, direction=direction)
    if lock:
        sql += "FOR NO KEY UPDATE OF i SKIP LOCKED"
    return _statement(sql).columns(prelabel=JSONType)


# (from the start up, then below it walking down), for SQLite and PostgreSQL
_STATEMENTS = {
    lock: (_waiting(">=", "ASC", lock), _waiting("<", "DESC", lock)) for lock in (False, True)
}
_STILL_FREE_STATEMENT = _statement(_STILL_FREE)


def choose_review_item(
    *, session: Session, project: Any, annotator_id: int, now: datetime
) -> Candidate | None:
    """The next item waiting for this reviewer (``annotator_id``: the lease holder), locked."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        # The walk's estimated cost (two probes the planner cannot estimate) is far above
        # jit_above_cost: compiling it cost about 48 ms a call (``sql/jinbiao_review_next.sql``,
        # which PostgreSQL runs first, walks without the join and without JIT).
        session.execute(_NO_JIT)
    low, high = session.execute(_RANGE, {"project_id": project.id}).one()
    if low is None:
        return None
    start = _rng.randint(low, high)
    params = {"project_id": project.id, "reviewer_id": annotator_id, "now": now, "start": start}
    for _ in range(RECHECKS):
        row = _walk(session, postgresql, params)
        if row is None:
            return None
        item_id, rework_round = row[0], row[-1]
        if not postgresql:
            return Candidate(item_id, False, tuple(row[:-1]), rework_round)
        fresh = session.execute(_STILL_FREE_STATEMENT, {"item_id": item_id, "now": now}).first()
        if fresh is not None:
            return Candidate(item_id, False, tuple(row[:-1]), fresh[0])
    return None


def _walk(session: Session, postgresql: bool, params: dict[str, Any]) -> Any:
    up, down = _STATEMENTS[postgresql]
    row = session.execute(up, params).first()
    return row if row is not None else session.execute(down, params).first()
