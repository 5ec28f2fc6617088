"""The worker side of the Celery app: registers the jobs and the beat schedule.

Run with ``jinbiao worker`` (or ``celery -A workers.celery_app worker``).
"""

from __future__ import annotations

import backend.all_models  # noqa: F401  (every table known before any job touches the database)
from backend.queue import get_celery
from backend.settings import get_settings
from backend.wiring import wire
from workers import broker_guard, job_logs, job_metrics

broker_guard.install()  # a broker outage must not end the worker (see the module)
wire()  # a worker emits events too (a recompute finishes items, pauses annotators)
job_metrics.connect()
job_logs.connect()
app = get_celery()
app.conf.include = [
    "workers.tasks.system",
    "workers.tasks.media",
    "workers.tasks.exports",
    "workers.tasks.quality",
    "workers.tasks.pay",
    "workers.tasks.models",
]
app.conf.beat_schedule = {
    # Catches recomputes whose message was lost with a killed worker or a broker restart.
    "quality-sweep": {
        "task": "jinbiao.quality.sweep",
        "schedule": get_settings().quality_sweep_seconds,
    },
    # The periodic full recompute of every project with annotations.
    "quality-full-recompute": {"task": "jinbiao.quality.recompute_all", "schedule": 15 * 60.0},
    # Ledger work whose message was lost; and a full pass over every paying project.
    "pay-sweep": {"task": "jinbiao.pay.sweep", "schedule": 5 * 60.0},
    "pay-full-pass": {
        "task": "jinbiao.pay.sweep",
        "schedule": 6 * 3600.0,
        "kwargs": {"full": True},
    },
    # Trainings whose job was lost, and pre-label use of submits the one-call function stored.
    "models-sweep": {"task": "jinbiao.models.sweep", "schedule": 5 * 60.0},
    # New open items of projects with an outside model get its pre-labels.
    "models-outside": {"task": "jinbiao.models.outside_sweep", "schedule": 10 * 60.0},
}
