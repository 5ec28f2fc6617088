"""Celery job durations into ``jinbiao_job_duration_seconds`` (served by the API's ``/metrics``).

Celery's ``task_prerun`` / ``task_postrun`` signals (https://docs.celeryq.dev/en/stable/
userguide/signals.html) bracket every job in the process that runs it; with
``PROMETHEUS_MULTIPROC_DIR`` shared with the API (``jinbiao serve`` sets it) the samples reach
the scrape.
"""

from __future__ import annotations

import time
from typing import Any

from celery.signals import task_postrun, task_prerun

from backend.operations.metrics import JOB_SECONDS

_started: dict[str, float] = {}


def _note_start(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()


def _observe(
    task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any
) -> None:
    started = _started.pop(task_id or "", None)
    if started is not None and task is not None:
        JOB_SECONDS.labels(task.name, (state or "unknown").lower()).observe(
            time.perf_counter() - started
        )


def connect() -> None:
    """Connect the handlers (idempotent: Celery keeps one connection per receiver)."""
    task_prerun.connect(_note_start, weak=False, dispatch_uid="jinbiao-job-start")
    task_postrun.connect(_observe, weak=False, dispatch_uid="jinbiao-job-duration")
