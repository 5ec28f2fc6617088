"""The worker side of the Celery app: registers the jobs and the beat schedule.

Run with ``jinbiao worker`` (or ``celery -A workers.celery_app worker``).
"""

from __future__ import annotations

from backend.queue import get_celery

app = get_celery()
app.conf.include = ["workers.tasks.system", "workers.tasks.media", "workers.tasks.exports"]
