"""Process start-up: every domain subscribes to the events it listens to, in one place.

Called by each entry point that can emit events (the app factory, the Celery app, the CLI) and by
any script that uses the services directly. Idempotent. Adding a domain that listens (review,
lots, pay, models) is one line here; nothing subscribes by being imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from backend import events
from backend.operations.metrics import ScrapeGauge, add_scrape_gauge


def wire() -> None:
    """Subscribe every domain's listeners; safe to call more than once."""
    from backend.assignments import member_leases
    from backend.consensus import metrics as consensus_metrics
    from backend.consensus import overlap_followed, scheduling
    from backend.items import finals
    from backend.labels import service as labels
    from backend.models import listeners as models_listeners
    from backend.pay import listeners as pay_listeners
    from backend.projects import access
    from backend.review import listeners as review

    # Labels first: it may refuse a label change (409) before anyone acts on the event.
    labels.subscribe_listeners()
    overlap_followed.subscribe_listeners()
    scheduling.subscribe_listeners()
    access.subscribe_listeners()
    member_leases.subscribe_listeners()
    _add_scrape_gauges(recompute_lags=consensus_metrics.recompute_lags)
    finals.subscribe_listeners()
    review.subscribe_listeners()
    _wire_lots()
    _wire_settled_checks()
    pay_listeners.subscribe_listeners()
    models_listeners.subscribe_listeners()
    _wire_models_training()
    events.mark_wired()


def _wire_settled_checks() -> None:
    """Corrections refuse settled items (``backend/items/states.py``: reviewed, final); the
    stages that store those states answer through corrections' hook."""
    from backend.corrections.finality import register_settled_check
    from backend.items.finals import settled_state
    from backend.review.finality import reviewed_state

    register_settled_check(settled_state)
    register_settled_check(reviewed_state)


def _add_scrape_gauges(**readers: Callable[[], Iterable[tuple[tuple[str, ...], float]]]) -> None:
    """The figures ``/metrics`` reads from the database and the broker when scraped."""
    from backend.queue import queue_depths

    add_scrape_gauge(
        ScrapeGauge(
            "jinbiao_queue_depth", "Jobs waiting in the Celery queue.", ("queue",), queue_depths
        )
    )
    add_scrape_gauge(
        ScrapeGauge(
            "jinbiao_recompute_lag_seconds",
            "Seconds the oldest pending quality recompute of a project has waited.",
            ("project_id",),
            readers["recompute_lags"],
        )
    )


def _wire_models_training() -> None:
    """Models train on final answers: items review holds (waiting, or sent back for rework) are
    not final yet. Models never imports review; they meet here."""
    from backend.models import training_data
    from backend.review import lot_hooks

    training_data.register_not_final(lot_hooks.held_in_review)


def _wire_lots() -> None:
    """Lots (验收) and review share a tier and never import each other; they meet here: the
    acceptance stage's step of the verdict registry, the inspectors' fixes as final answers,
    review's rework of a rejected lot's items, and the items review holds out of lots."""
    from backend.assignments.stages import Stage
    from backend.consensus import final_answers
    from backend.lots import finished, inspection, switching
    from backend.review import lot_hooks, replacements
    from backend.review.verdicts import register_store_step

    register_store_step(Stage.acceptance, inspection.on_verdict)
    replacements.register_lot_membership(finished.items_in_lots)
    events.subscribe(events.FinalItemsLackAnswers, replacements.on_final_items_lack_answers)
    final_answers.register_provider(inspection.fixed_answers)
    events.subscribe(events.ItemsSentBack, lot_hooks.on_items_sent_back)
    finished.register_held_elsewhere(lot_hooks.held_in_review)
    events.subscribe(events.ProjectSettingsChanged, switching.on_settings_changed)
