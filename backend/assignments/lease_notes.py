"""Notes a domain above adds to an annotator's ``next`` answer: rework's reasons and comment.

Distribution sits below review, so it never asks review by name; review registers a note at
process start (``backend.wiring``). A note has two halves so that the hot path pays nothing where
there is nothing to say: ``probe(project_id)`` answers from memory (no I/O) whether the project
may have a note for the item now, and only then ``note(project_id, item_id)`` reads, in the thread
pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

from backend.assignments.outcomes import Leased

Probe = Callable[[int, int], bool]
Note = Callable[[int, int], dict[str, Any] | None]

_notes: dict[str, tuple[Probe, Note]] = {}


def register(name: str, *, probe: Probe, note: Note) -> None:
    """Add ``name: note(...)`` to ``next`` answers whose lease ``probe`` says may have one."""
    _notes[name] = (probe, note)


async def notes_for(*, project_id: int, lease: Leased) -> dict[str, Any]:
    """The notes of a lease, by name (empty for nearly every lease)."""
    found: dict[str, Any] = {}
    for name, (probe, note) in list(_notes.items()):
        if probe(project_id, lease.item.id):
            value = await run_in_threadpool(note, project_id, lease.item.id)
            if value is not None:
                found[name] = value
    return found
