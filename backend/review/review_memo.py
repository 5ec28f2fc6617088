"""What a review ``submit`` is judged against, kept from its ``next`` in this API process.

The reviewer's ``next`` on PostgreSQL (``jinbiao_review_next``) already returns what the verdict is
validated and scored against: the item's counted annotations, its consensus, the project's kind,
labels and reason tags, the item's size. Kept here, a ``submit`` that reaches the same process (a
keep-alive connection usually does) scores the annotations in Python and stores everything in one
call (``jinbiao_review_submit``), which rechecks all of it under its locks and hands back on any
difference. Nothing here is trusted; a missing entry means the Python path. Bounded like
``backend/assignments/lease_memo.py``, whose pattern this is.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

MAX_ENTRIES = 4096


@dataclass(frozen=True)
class ReviewContext:
    """The lease's view of the item and project at ``next``.

    ``answers``: the counted annotations as ``[[annotation id, annotator id, result], ...]`` by id,
    exactly as the function returned them (and compares them); ``consensus``: its result or None.
    """

    project_id: int
    item_id: int
    kind: str
    labels: list[dict[str, Any]]
    reasons: list[str]
    width: int | None
    height: int | None
    text_length: int | None
    answers: list[list[Any]]
    consensus: dict[str, Any] | None


_entries: OrderedDict[tuple[int, int], ReviewContext] = OrderedDict()
_lock = threading.Lock()


def remember(*, review_id: int, user_id: int, context: ReviewContext) -> None:
    with _lock:
        _entries[(review_id, user_id)] = context
        _entries.move_to_end((review_id, user_id))
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


def take(*, review_id: int, user_id: int) -> ReviewContext | None:
    """The kept context of this caller's review lease, removed; None when this process has none."""
    with _lock:
        return _entries.pop((review_id, user_id), None)


def clear() -> None:
    with _lock:
        _entries.clear()
