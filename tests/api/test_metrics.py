"""``GET /metrics`` (issue 23, SPEC "Operations"): off by default; when on, Prometheus text with
request latencies by route template, leases and submits by stage, queue depth and recompute lag;
with a token set, a scrape without it is refused."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from backend.app import create_app
from backend.settings import get_settings
from support.factories import DEFAULT_LABELS, new_project
from support.seed import seed_items

API = "/api/v1"


def _app_with(monkeypatch, **env: str):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        return create_app()
    finally:
        for name in env:
            monkeypatch.delenv(name)
        get_settings.cache_clear()


@pytest.fixture
def metrics_client(monkeypatch) -> TestClient:
    return TestClient(_app_with(monkeypatch, JINBIAO_METRICS_ENABLED="1"))


def _samples(text: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


def test_metrics_are_off_unless_switched_on(client) -> None:
    assert client.get("/metrics").status_code == 404


def test_a_scrape_counts_requests_by_route_template_and_leases_and_submits(
    metrics_client, team
) -> None:
    project = new_project(metrics_client, team, gold_rate=0.0)
    seed_items(project_id=project["id"], count=3)
    annotator = team.annotators[0]
    lease = metrics_client.post(f"{API}/projects/{project['id']}/next", headers=annotator.headers)
    assert lease.status_code == 200, lease.text
    label = DEFAULT_LABELS["text_classification"][0]
    stored = metrics_client.post(
        f"{API}/assignments/{lease.json()['assignment_id']}/submit",
        json={"result": {"label": label}},
        headers=annotator.headers,
    )
    assert stored.status_code in (200, 201), stored.text
    assert (
        metrics_client.get(f"{API}/projects/987654", headers=annotator.headers).status_code == 404
    )

    scrape = metrics_client.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    samples = _samples(scrape.text)

    def count(route: str, status: str) -> float:
        return sum(
            s.value
            for s in samples["jinbiao_http_request_duration_seconds_count"]
            if s.labels["route"] == route and s.labels["status"] == status
        )

    assert count("/api/v1/projects/{project_id}", "404") >= 1
    assert count("/api/v1/projects/{project_id}/next", "200") >= 1
    routes = {s.labels["route"] for s in samples["jinbiao_http_request_duration_seconds_count"]}
    assert not any(re.search(r"/\d+", route) for route in routes), "ids never become labels"
    leases = {s.labels["stage"]: s.value for s in samples["jinbiao_leases_total"]}
    submits = {s.labels["stage"]: s.value for s in samples["jinbiao_submits_total"]}
    assert leases["annotate"] >= 1 and submits["annotate"] >= 1
    depth = samples["jinbiao_queue_depth"]
    assert [s.labels["queue"] for s in depth] == [get_settings().queue_name]
    assert depth[0].value >= 0
    lags = {
        s.labels["project_id"]: s.value for s in samples.get("jinbiao_recompute_lag_seconds", [])
    }
    assert all(value >= 0 for value in lags.values())


def test_with_a_token_a_scrape_must_send_it(monkeypatch) -> None:
    guarded = TestClient(
        _app_with(monkeypatch, JINBIAO_METRICS_ENABLED="1", JINBIAO_METRICS_TOKEN="s3cret-scrape")
    )
    refused = guarded.get("/metrics")
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"
    assert guarded.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    allowed = guarded.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
    assert allowed.status_code == 200
    assert "jinbiao_http_request_duration_seconds" in allowed.text
