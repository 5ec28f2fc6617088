"""Export jobs: build a dataset version, and recover builds whose worker died.

Thin by design: the lifecycle is ``backend.exports.jobs``. ``acks_late`` with
``reject_on_worker_lost`` gives a message back to a broker that can redeliver it (Redis, after its
visibility timeout); the filesystem broker of the embedded mode cannot, so recovery does not rely
on it: a worker that starts runs ``recover``, which finds builds with a stale heartbeat and sends
them again (and re-runs itself while builds are in flight).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from celery.signals import worker_ready
from sqlalchemy.exc import OperationalError

from backend.db import get_engine
from backend.exports import jobs
from backend.exports.config import export_settings
from workers.celery_app import app

log = logging.getLogger(__name__)


class BuildTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        """After the last retry (or an error not worth retrying) the version says why."""
        jobs.fail(engine=get_engine(), version_id=args[0], error=f"{type(exc).__name__}: {exc}")


@app.task(
    name=jobs.BUILD_JOB,
    base=BuildTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, OSError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=3,
)
def build_version(self: Task, version_id: int) -> str:
    return jobs.run_build(engine=get_engine(), version_id=version_id, config=export_settings())


@app.task(name=jobs.RECOVER_JOB, acks_late=True)
def recover_builds(queue: str | None = None) -> dict[str, Any]:
    """Send stale builds again, to ``queue`` (the starting worker's own, so it takes them)."""
    found = jobs.recover(engine=get_engine(), config=export_settings())
    for version_id in found.resend:
        build_version.apply_async(args=[version_id], queue=queue)
    if found.check_again_in is not None:
        recover_builds.apply_async(args=[queue], countdown=found.check_again_in, queue=queue)
    return {"resent": found.resend, "check_again_in": found.check_again_in}


@worker_ready.connect
def _recover_on_start(sender: Any = None, **_: Any) -> None:
    """Send ``recover`` to a queue this worker consumes, so it runs here, now."""
    consumer = getattr(sender, "task_consumer", None)
    queues = [q.name for q in getattr(consumer, "queues", None) or []]
    queue = queues[0] if queues else None
    recover_builds.apply_async(args=[queue], queue=queue)
