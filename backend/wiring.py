"""Process start-up: every domain subscribes to the events it listens to, in one place.

Called by each entry point that can emit events (the app factory, the Celery app, the CLI) and by
any script that uses the services directly. Idempotent. Adding a domain that listens (review,
lots, pay, models) is one line here; nothing subscribes by being imported.
"""

from __future__ import annotations

from backend import events


def wire() -> None:
    """Subscribe every domain's listeners; safe to call more than once."""
    from backend.assignments import member_leases
    from backend.consensus import scheduling
    from backend.models import listeners as models_listeners
    from backend.projects import access

    scheduling.subscribe_listeners()
    access.subscribe_listeners()
    member_leases.subscribe_listeners()
    models_listeners.subscribe_listeners()
    events.mark_wired()
