"""Signals from distribution to the layers above it, without importing them.

The quality domain sits above assignments, so it registers a listener here instead of being
called by name. A listener runs inside the submit's transaction, before the commit: whatever it
writes commits (or rolls back) with the annotation, and anything it sends to the broker it must
send after the commit (``backend.queue.enqueue_after_commit``), never before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

SubmitListener = Callable[[Session, int], None]
FlagListener = Callable[[int, "datetime | None"], None]
_listeners: list[SubmitListener] = []
_flag_listeners: list[FlagListener] = []


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


def on_project_flagged(listener: FlagListener) -> FlagListener:
    """Register ``listener(project_id, started_at)`` for PostgreSQL's one-statement submit.

    That submit (``jinbiao_submit``, revision 0007) sets the project's recompute flag itself, in
    its own transaction, as the submit listener does on the Python path; the listener is called
    after that commit, only when this submit set the flag, with the time the project's last
    recompute started.
    """
    if listener not in _flag_listeners:
        _flag_listeners.append(listener)
    return listener


def project_flagged(*, project_id: int, started_at: datetime | None) -> None:
    """Called after the commit of a submit that set the project's recompute flag."""
    for listener in list(_flag_listeners):
        listener(project_id, started_at)
