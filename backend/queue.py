"""The Celery application object and how the backend hands work to it.

The backend only *sends* jobs, by name; the job bodies live in ``workers/``, which imports the
backend (never the reverse). The embedded default uses Celery's filesystem transport and a SQLite
result store, so a real worker process runs with no server installed; production sets
``JINBIAO_BROKER_URL=redis://…`` and nothing else changes.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from celery import Celery
from celery.result import AsyncResult
from sqlalchemy import event
from sqlmodel import Session

from backend import broker_files
from backend.settings import Settings, get_settings

log = logging.getLogger(__name__)


def celery_config(settings: Settings) -> dict[str, Any]:
    """Reliability defaults from the Celery "Tasks" guide: late acks, requeue on worker loss."""
    config: dict[str, Any] = {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_expires": 24 * 3600,
        "task_default_queue": settings.queue_name,
        "broker_connection_retry_on_startup": True,
        # A worker keeps trying to reach the broker for as long as it is down (Celery's default
        # gives up after 100 attempts and the process exits).
        "broker_connection_max_retries": None,
        # A late-acknowledged job still running when the broker connection is lost can never be
        # acknowledged: its channel belongs to the closed connection. Left running, its ack after
        # the reconnect went to that channel and kombu's Redis transport raised AttributeError
        # (``_connparams``: the closed transport's ``client`` is None), which ended the worker
        # (tests/benchmarks/results/faults.md, 15 s Redis outage). Cancelled at the loss instead
        # (Celery's documented setting, the default from Celery 6), the job runs again: Redis
        # gives the message back after the visibility timeout, and the database-side sweeps on
        # beat (quality, pay, models, exports) send theirs sooner; every job is idempotent.
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "timezone": "UTC",
        "enable_utc": True,
        "worker_hijack_root_logger": False,
        # Beat's state file lives with the other runtime files, never in the working directory.
        "beat_schedule_filename": str(settings.data_dir / "celerybeat-schedule"),
    }
    if settings.broker_url.startswith("filesystem://"):
        queue_dir = settings.broker_folder / "queue"
        processed_dir = settings.broker_folder / "processed"
        control_dir = settings.broker_folder / "control"
        for folder in (queue_dir, processed_dir, control_dir):
            folder.mkdir(parents=True, exist_ok=True)
        config["broker_transport_options"] = {
            "control_folder": str(control_dir),
            "data_folder_in": str(queue_dir),
            "data_folder_out": str(queue_dir),
            "data_folder_processed": str(processed_dir),
            "store_processed": False,
        }
    elif settings.broker_url.startswith(("redis://", "rediss://")):
        config["broker_transport_options"] = {
            "visibility_timeout": settings.broker_visibility_timeout
        }
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # SQLite results, beat's schedule
    return config


def make_celery(settings: Settings) -> Celery:
    broker_files.install()  # filesystem:// with whole messages (backend/broker_files.py)
    app = Celery("jinbiao", broker=settings.broker_url, backend=settings.result_backend)
    app.conf.update(celery_config(settings))
    return app


@lru_cache
def get_celery() -> Celery:
    return make_celery(get_settings())


def enqueue(name: str, *args: Any, countdown: float | None = None) -> AsyncResult:
    """Send a job by name now (use ``enqueue_after_commit`` when it reads rows you write).

    Its result is not kept: nothing in the platform waits for a job's answer (the jobs write
    their rows), and asking for the result made Celery's Redis result store subscribe to it at
    the send — with Redis down, that retried 20 times a second apart and then raised
    ``RuntimeError`` (a 500 after 19 s instead of the 503 a lost broker answers). Callers that
    read the answer use ``enqueue_for_result``."""
    return get_celery().send_task(
        name, args=args, countdown=countdown, queue=get_settings().queue_name, ignore_result=True
    )


def enqueue_for_result(name: str, *args: Any, countdown: float | None = None) -> AsyncResult:
    """Send a job whose answer the caller reads (``AsyncResult.get``): the health check's ping."""
    return get_celery().send_task(
        name, args=args, countdown=countdown, queue=get_settings().queue_name
    )


def enqueue_after_commit(
    session: Session, name: str, *args: Any, countdown: float | None = None
) -> None:
    """Send a job once the session's transaction has committed, never before.

    A job sent before the commit could run first and not see the rows it is about. A broker
    error here is logged, not raised: the rows are committed already, and every job whose
    message can be lost is also found again by a database-side sweep on beat.
    """

    def _send(_session: Any) -> None:
        try:
            enqueue(name, *args, countdown=countdown)
        except Exception:
            log.exception("could not send %s%r after commit; the sweep will catch up", name, args)

    event.listen(session, "after_commit", _send, once=True)


def broker_reachable(timeout: float = 3.0) -> bool:
    """Whether a connection to the broker can be made now (for ``/healthz``)."""
    try:
        with get_celery().connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:
        return False


def queue_depths() -> list[tuple[tuple[str], float]]:
    """Messages waiting in this deployment's queue (``jinbiao_queue_depth`` on ``/metrics``).

    A passive declare asks the broker for the count without creating anything (Redis: the
    list's length; the filesystem broker: its message files).
    """
    from kombu.exceptions import ChannelError

    name = get_settings().queue_name
    with get_celery().connection_for_read() as connection:
        try:
            declared = connection.default_channel.queue_declare(queue=name, passive=True)
        except ChannelError:  # no job was ever sent to it: nothing waits
            return [((name,), 0.0)]
    return [((name,), float(declared.message_count))]
