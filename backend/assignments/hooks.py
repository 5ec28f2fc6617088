"""Signals from distribution to the rest of the platform.

The quality workers will want to recompute an item's consensus and agreement (and, from it,
adaptive overlap and pausing) soon after annotations arrive. Until that job exists this hook does
nothing; when it does, enqueue it here with ``backend.queue.enqueue_after_commit`` so the worker
never runs before the annotation is committed. Submit calls it inside its transaction.
"""

from __future__ import annotations

from sqlmodel import Session


def annotation_submitted(*, session: Session, project_id: int, item_id: int) -> None:
    """Called once per new annotation, before the commit. Does nothing yet."""
    del session, project_id, item_id
