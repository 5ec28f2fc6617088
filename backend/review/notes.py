"""``rework: {reasons, comment}`` in the annotators' ``next`` answers (``assignments.lease_notes``).

The probe answers from this process's memory, so ``next`` in a project without rework pays
nothing: a project is looked at again at most every ``RECHECK_SECONDS`` (a rejection in this
process marks it at once; one in another process is seen within that time).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from backend.db import JSONType, get_engine

RECHECK_SECONDS = 5.0

_seen: dict[int, tuple[float, bool]] = {}  # project id -> (when looked, has rework items)

_ANY = text("SELECT 1 FROM review_items WHERE project_id = :p AND state = 'rework' LIMIT 1")
_NOTE = text(
    "SELECT reasons, comment FROM review_items WHERE item_id = :i AND state = 'rework'"
).columns(reasons=JSONType)


def has_rework(project_id: int) -> None:
    """This process just sent an item of the project back."""
    _seen[project_id] = (time.monotonic(), True)


def may_have_rework(project_id: int) -> bool:
    """No I/O: False only when the project was seen without rework a moment ago."""
    seen = _seen.get(project_id)
    return seen is None or seen[1] or time.monotonic() - seen[0] > RECHECK_SECONDS


def rework_note(project_id: int, item_id: int) -> dict[str, Any] | None:
    """The reasons and comment of an item in rework, or None."""
    with Session(get_engine()) as session:
        has = session.execute(_ANY, {"p": project_id}).first() is not None
        _seen[project_id] = (time.monotonic(), has)
        if not has:
            return None
        row = session.execute(_NOTE, {"i": item_id}).first()
    if row is None:
        return None
    return {"reasons": list(row.reasons or []), "comment": row.comment or ""}
