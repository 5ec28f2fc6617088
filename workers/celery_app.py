"""The worker side of the Celery app: registers the jobs and the beat schedule.

Run with ``jinbiao worker`` (or ``celery -A workers.celery_app worker``).
"""

from __future__ import annotations

import backend.all_models  # noqa: F401  (every table known before any job touches the database)
from backend.queue import get_celery
from backend.settings import get_settings
from backend.wiring import wire
from workers import job_logs, job_metrics

wire()  # a worker emits events too (a recompute finishes items, pauses annotators)
job_metrics.connect()
job_logs.connect()
app = get_celery()
app.conf.include = [
    "workers.tasks.system",
    "workers.tasks.media",
    "workers.tasks.exports",
    "workers.tasks.quality",
]
app.conf.beat_schedule = {
    # Catches recomputes whose message was lost with a killed worker or a broker restart.
    "quality-sweep": {
        "task": "jinbiao.quality.sweep",
        "schedule": get_settings().quality_sweep_seconds,
    },
    # The periodic full recompute of every project with annotations.
    "quality-full-recompute": {"task": "jinbiao.quality.recompute_all", "schedule": 15 * 60.0},
}
