"""``rework: {reasons, comment}`` in the annotators' ``next`` answers (``assignments.lease_notes``).

The probe answers from this process's memory, so ``next`` pays nothing for an item that is not in
rework: each project's set of items in rework is read again at most every ``RECHECK_SECONDS`` (a
rejection in this process drops the project's set at once; one in another process is seen
within that time).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from backend.db import JSONType, get_engine

RECHECK_SECONDS = 5.0

_seen: dict[int, tuple[float, frozenset[int]]] = {}  # project -> (when read, items in rework)

_IN_REWORK = text("SELECT item_id FROM review_items WHERE project_id = :p AND state = 'rework'")
_NOTE = text(
    "SELECT reasons, comment FROM review_items WHERE item_id = :i AND state = 'rework'"
).columns(reasons=JSONType)


def has_rework(project_id: int) -> None:
    """This process just sent an item of the project back: read the project's set again."""
    _seen.pop(project_id, None)


def may_have_rework(project_id: int, item_id: int) -> bool:
    """No I/O: False when the item was not in rework a moment ago."""
    seen = _seen.get(project_id)
    if seen is None or time.monotonic() - seen[0] > RECHECK_SECONDS:
        return True
    return item_id in seen[1]


def rework_note(project_id: int, item_id: int) -> dict[str, Any] | None:
    """The reasons and comment of an item in rework, or None."""
    with Session(get_engine()) as session:
        items = frozenset(session.execute(_IN_REWORK, {"p": project_id}).scalars())
        _seen[project_id] = (time.monotonic(), items)
        if item_id not in items:
            return None
        row = session.execute(_NOTE, {"i": item_id}).first()
    if row is None:
        return None
    return {"reasons": list(row.reasons or []), "comment": row.comment or ""}
