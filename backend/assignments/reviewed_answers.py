"""What review (质检) reads and changes of an item's annotations, done by the domain that owns them.

* ``counted_answers``: the annotations of items that still count (not rejected), for the
  reviewer's view and for scoring them;
* ``reject_answers``: a review rejected the item: its counted annotations stop counting
  (``review_status = 'rejected'``; consensus, agreement and exports leave them out) and the
  item's counter drops by as many, so it wants that many answers again (``items.progress``);
* ``reserve_rework``: rework to the same annotators (``rework_to = "same"``): each gets a lease
  of the item in the next rework round, which their ``next`` hands back as a held lease before
  anything else. The unique (item, annotator, round) triple allows it; the item's free slots
  are taken by these leases, so nobody else takes the item while they run, and once one expires
  its slot goes to the pool like any expired lease's.

Called inside the review submit's transaction, which holds the item's row lock (the lock every
transaction that adds a lease or an annotation to the item takes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session

from backend.db import JSONType, UTCDateTime
from backend.items.progress import uncount_answers


@dataclass(frozen=True)
class CountedAnswer:
    annotation_id: int
    item_id: int
    annotator_id: int
    result: dict[str, Any]
    created_at: datetime


_COUNTED = (
    text(
        "SELECT id, item_id, annotator_id, result, created_at FROM annotations "
        "WHERE item_id IN :items AND review_status <> 'rejected' ORDER BY item_id, id"
    )
    .bindparams(bindparam("items", expanding=True))
    .columns(result=JSONType, created_at=UTCDateTime())
)

_REJECT = text(
    "UPDATE annotations SET review_status = 'rejected' "
    "WHERE item_id = :item_id AND review_status <> 'rejected'"
)

_RESERVE = text("""
INSERT INTO assignments
  (project_id, item_id, annotator_id, is_gold, status, created_at, expires_at, stage,
   rework_round)
VALUES (:project_id, :item_id, :annotator_id, false, 'leased', :now, :expires_at, 'annotate',
        :rework_round)
""").bindparams(bindparam("now", type_=UTCDateTime()), bindparam("expires_at", type_=UTCDateTime()))

_CHUNK = 500


def counted_answers(*, session: Session, item_ids: Sequence[int]) -> list[CountedAnswer]:
    """The annotations of ``item_ids`` that count, by item then id."""
    found: list[CountedAnswer] = []
    ids = list(item_ids)
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(_COUNTED, {"items": ids[start : start + _CHUNK]}).all()
        found += [CountedAnswer(*row) for row in rows]
    return found


def reject_answers(*, session: Session, item_id: int, answers: Sequence[CountedAnswer]) -> None:
    """The item's counted annotations (``answers``, read under the item's lock) stop counting."""
    if not answers:
        return
    session.execute(_REJECT, {"item_id": item_id})
    uncount_answers(session=session, item_id=item_id, count=len(answers))


def reserve_rework(
    *,
    session: Session,
    project_id: int,
    item_id: int,
    annotator_ids: Sequence[int],
    rework_round: int,
    now: datetime,
    expires_at: datetime,
) -> None:
    """A lease of the item in ``rework_round`` for each of ``annotator_ids`` (see above)."""
    for annotator_id in sorted(set(annotator_ids)):
        session.execute(
            _RESERVE,
            {
                "project_id": project_id,
                "item_id": item_id,
                "annotator_id": annotator_id,
                "now": now,
                "expires_at": expires_at,
                "rework_round": rework_round,
            },
        )
