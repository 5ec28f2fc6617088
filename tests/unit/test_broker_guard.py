"""The worker's guard around kombu's Redis QoS (``workers/broker_guard.py``): an AttributeError
from a transport that lost its connection is skipped, any other is raised; the real end-to-end
check is ``tests/workers/test_faults.py`` (the worker survives a Redis cut under load)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from kombu.transport import redis

from workers import broker_guard


def _qos(client):
    return SimpleNamespace(channel=SimpleNamespace(connection=SimpleNamespace(client=client)))


def _fails(self, *args):
    return self.channel.connection.client.hostname  # what kombu's _connparams reads


def test_a_detached_transport_is_skipped_and_an_attached_one_still_raises():
    guarded = broker_guard._guarded(_fails, "a test")
    assert guarded(_qos(None)) is None
    with pytest.raises(AttributeError):
        guarded(_qos(SimpleNamespace()))  # a live client without the attribute: a real bug


def test_install_guards_restore_and_ack_once():
    broker_guard.install()
    first = (redis.QoS.restore_unacked, redis.QoS.ack)
    broker_guard.install()
    assert (redis.QoS.restore_unacked, redis.QoS.ack) == first
    assert all(getattr(method, "__jinbiao_guard__", False) for method in first)
