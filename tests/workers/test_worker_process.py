"""The path API → broker → separate worker process → result, on whichever broker is configured
(the filesystem broker by default, Redis when JINBIAO_TEST_BROKER_URL is set)."""

from __future__ import annotations

import os

from backend.queue import enqueue_for_result
from backend.settings import get_settings


def test_ping_job_runs_in_the_worker_process(worker):
    answer = enqueue_for_result("jinbiao.system.ping", "你好").get(timeout=30)
    assert answer["echo"] == "你好"
    assert answer["pid"] == worker.pid
    assert answer["pid"] != os.getpid()


def test_ping_through_the_api(client, worker, team):
    answer = client.post("/api/v1/system/ping", json={"echo": "hello"}, headers=team.owner.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["worker"]["echo"] == "hello"
    assert body["worker"]["pid"] == worker.pid != body["api_pid"]


def test_ping_needs_a_signed_in_user(client):
    assert client.post("/api/v1/system/ping", json={}).status_code == 401


def test_the_configured_broker_is_the_one_in_use(worker):
    configured = get_settings().broker_url
    expected = os.environ.get("JINBIAO_TEST_BROKER_URL") or "filesystem://"
    assert configured == expected
    assert enqueue_for_result("jinbiao.system.ping", "x").get(timeout=30)["pid"] == worker.pid
