"""What a lease's ``submit`` is validated against, kept from its ``next`` in this API process.

On PostgreSQL a ``next`` + ``submit`` cycle took three round trips: the ``next`` function, an
unlocked read of the lease's context (is the item gold, its size or text length, the project's
kind and labels, the gold answer) and the ``submit`` function. Each round trip costs the API
about as much CPU as PostgreSQL spends on the statement, so ``next`` returns that context too and
it is kept here; a ``submit`` that reaches the same process (a browser or client keeps its
keep-alive connection, so it usually does) skips the read.

Nothing here is trusted: ``jinbiao_submit`` (``sql/jinbiao_submit.sql``) compares what Python
validated against with the rows it locks and hands back on any difference, and a submit whose memo
is missing reads the context as before. Entries are small (no item text, only its length), taken
once, and the oldest are dropped past ``MAX_ENTRIES``: a lease that is never submitted costs
nothing but its slot.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

MAX_ENTRIES = 4096


@dataclass(frozen=True)
class SubmitContext:
    """The unlocked read ``submit`` validates and scores the result against."""

    is_gold: bool
    kind: str
    labels: list[dict[str, Any]]
    width: int | None
    height: int | None
    text_length: int | None
    gold_answer: dict[str, Any] | None


_entries: OrderedDict[tuple[int, int], SubmitContext] = OrderedDict()
_lock = threading.Lock()  # the app's loops run in one thread each; tests drive several


def remember(*, assignment_id: int, user_id: int, context: SubmitContext) -> None:
    """Keep the context of a lease just handed to ``user_id``."""
    with _lock:
        _entries[(assignment_id, user_id)] = context
        _entries.move_to_end((assignment_id, user_id))
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


def take(*, assignment_id: int, user_id: int) -> SubmitContext | None:
    """The kept context of this caller's lease, removed; None when this process has none."""
    with _lock:
        return _entries.pop((assignment_id, user_id), None)


def clear() -> None:
    """Forget everything (tests, and a process that closes its pool)."""
    with _lock:
        _entries.clear()
