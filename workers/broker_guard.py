"""Keep the worker alive when kombu touches a Redis connection that the broker outage closed.

With late acknowledgement (``task_acks_late``) a job in flight is an unacknowledged message. When
Redis goes away, Celery closes the connection (``Consumer.on_connection_error_after_connected``
→ ``Connection.release``) and kombu's channel close then restores the unacknowledged messages
(``QoS.restore_unacked``); an acknowledgement that arrives after the loss (``QoS.ack``) goes the
same way. Both acquire a client from the transport, whose ``client`` is already gone, so kombu
5.7's ``Channel._connparams`` raises ``AttributeError: 'NoneType' object has no attribute
'hostname'``. That is not one of the transport's connection errors, so Celery does not ignore it
and the worker exits ("Unrecoverable error"), leaving consensus stale until someone restarts it.
Seen in ``tests/workers/test_faults.py`` (a 6 s Redis cut under load, twice in a row on this
machine); the upstream reports of the same ``_connparams`` failure on other close paths are
celery/kombu#582 and celery/celery#9250.

Skipping the two Redis operations on a detached transport loses nothing: the message stays in
kombu's unacked hash, which ``restore_visible`` gives back after the visibility timeout, and every
job is idempotent (``workers/tasks``); the database-side sweeps catch up the rest. The guard acts
only when the transport has no client any more; every other AttributeError is raised as before.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


def _detached(qos: Any) -> bool:
    """Whether the channel's transport has lost its connection (kombu sets ``client`` to None)."""
    transport = getattr(qos.channel, "connection", None)
    return transport is None or getattr(transport, "client", None) is None


def _guarded(method: Callable[..., Any], what: str) -> Callable[..., Any]:
    @functools.wraps(method)
    def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except AttributeError:
            if not _detached(self):
                raise
            log.warning(
                "broker connection already closed: %s skipped; the message is given back after "
                "the visibility timeout",
                what,
            )
            return None

    guarded.__jinbiao_guard__ = True  # type: ignore[attr-defined]
    return guarded


def install() -> None:
    """Guard kombu's Redis QoS once per process (idempotent)."""
    from kombu.transport import redis

    if getattr(redis.QoS.restore_unacked, "__jinbiao_guard__", False):
        return
    redis.QoS.restore_unacked = _guarded(redis.QoS.restore_unacked, "restoring unacked messages")
    redis.QoS.ack = _guarded(redis.QoS.ack, "an acknowledgement")
