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
    from backend.projects import access
    from backend.review import listeners as review

    scheduling.subscribe_listeners()
    access.subscribe_listeners()
    member_leases.subscribe_listeners()
    review.subscribe_listeners()
    _wire_lots()
    events.mark_wired()


def _wire_lots() -> None:
    """Lots (验收) and review share a tier and never import each other; they meet here: the
    acceptance stage's step of the verdict registry, the inspectors' fixes as final answers,
    review's rework of a rejected lot's items, and the items review holds out of lots."""
    from backend.assignments.stages import Stage
    from backend.consensus import final_answers
    from backend.lots import finished, inspection
    from backend.review import lot_hooks
    from backend.review.verdicts import register_store_step

    register_store_step(Stage.acceptance, inspection.on_verdict)
    final_answers.register_provider(inspection.fixed_answers)
    events.subscribe(events.ItemsSentBack, lot_hooks.on_items_sent_back)
    finished.register_held_elsewhere(lot_hooks.held_in_review)
