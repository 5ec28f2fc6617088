"""When the PostgreSQL pool cannot reach the database, ``next`` and ``submit`` are answered by the
thread-pool paths (whose engine reconnects with its pre-ping), with the usual answers."""

from __future__ import annotations

import logging

import pytest
from psycopg import OperationalError
from psycopg_pool import PoolTimeout

from backend.assignments import pg_functions
from support.factories import new_project, new_team
from support.seed import seed_items


@pytest.mark.parametrize("failure", [PoolTimeout, OperationalError])
def test_an_unreachable_pool_hands_back_to_the_thread_pool(
    client, is_postgres, monkeypatch, caplog, failure
):
    if not is_postgres:
        pytest.skip("the pool exists on PostgreSQL only")

    async def unreachable(*args, **kwargs):
        raise failure("the database cannot be reached")

    team = new_team(client, annotators=1)
    annotator = team.annotators[0]
    project = new_project(client, team, "text_classification", gold_rate=0.0)
    seeded = seed_items(project_id=project["id"], count=2)
    url = f"/api/v1/projects/{project['id']}/next"
    client.post(url, headers=annotator.headers)  # the state row, so the function would answer
    monkeypatch.setattr(pg_functions, "next_lease", unreachable)
    monkeypatch.setattr(pg_functions, "submit", unreachable)
    caplog.set_level(logging.WARNING, logger="backend.assignments.pg_path")

    lease = client.post(url, headers=annotator.headers)
    assert lease.status_code == 200, lease.text
    result = seeded.truth_for(lease.json()["item"]["id"])
    stored = client.post(
        f"/api/v1/assignments/{lease.json()['assignment_id']}/submit",
        params={"next": "true"},
        json={"result": result, "duration_ms": 400},
        headers=annotator.headers,
    )
    assert stored.status_code == 201, stored.text
    assert stored.json()["result"] == result
    assert stored.json()["next"]["item"]["id"] != lease.json()["item"]["id"]
    warnings = [record.getMessage() for record in caplog.records]
    assert warnings == [
        "hot path unavailable for next; taking the thread-pool path",
        "hot path unavailable for submit; taking the thread-pool path",
    ]
