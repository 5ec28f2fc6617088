"""Signals from distribution to the layers above it, without importing them.

The quality domain sits above assignments, so it registers a listener here instead of being
called by name. A listener runs inside the submit's transaction, before the commit: whatever it
writes commits (or rolls back) with the annotation, and anything it sends to the broker it must
send after the commit (``backend.queue.enqueue_after_commit``), never before.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

SubmitListener = Callable[[Session, int], None]
_listeners: list[SubmitListener] = []


def on_annotation_submitted(listener: SubmitListener) -> SubmitListener:
    """Register ``listener(session, project_id)`` to run in each submit's transaction."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def annotation_submitted(*, session: Session, project_id: int, item_id: int) -> None:
    """Called once per new annotation, before the commit."""
    del item_id
    for listener in list(_listeners):
        listener(session, project_id)
