"""More requests at once than the API has thread-pool slots, on the routes that use them.

FastAPI runs sync dependencies, sync routes and the validation of their answers in slots of a
pool of 40 threads. On SQLite every transaction holds the database's write lock, so a transaction
left open from one slot to the next would wait for a slot while holding the lock, and with every
slot waiting for the lock nothing would move until the writer gate gave up ("database is
locked", a 500). The gate's wait is cut to a few seconds here so that such a stall fails the test
instead of slowing it down; on PostgreSQL the same load simply runs.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from backend import sqlite_gate
from support.factories import new_project, new_team
from support.seed import seed_items

THREADS = 64
ROUNDS = 6


@pytest.fixture
def short_gate_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_gate, "WAIT_SECONDS", 5.0)


def test_sixty_four_callers_at_once_never_stall(client, live_server, short_gate_wait):
    team = new_team(client, annotators=THREADS // 2)
    project = new_project(client, team, overlap=3, gold_rate=0.0)
    seeded = seed_items(project_id=project["id"], count=200)
    project_id = project["id"]

    def reader(n: int) -> Counter[int]:
        """A dependency (project access) and a sync route with a response model, read only."""
        seen: Counter[int] = Counter()
        with httpx.Client(base_url=live_server, headers=team.manager.headers, timeout=60) as http:
            for i in range(ROUNDS):
                path = "progress" if (n + i) % 2 else "my-stats"
                seen[http.get(f"/api/v1/projects/{project_id}/{path}").status_code] += 1
                seen[http.get(f"/api/v1/projects/{project_id}/items?limit=5").status_code] += 1
        return seen

    def annotator(n: int) -> Counter[int]:
        """next and submit, and skip (a sync route behind the current-user dependency)."""
        seen: Counter[int] = Counter()
        headers = team.annotators[n].headers
        with httpx.Client(base_url=live_server, headers=headers, timeout=60) as http:
            for i in range(ROUNDS):
                lease = http.post(f"/api/v1/projects/{project_id}/next")
                seen[lease.status_code] += 1
                if lease.status_code != 200:
                    continue
                assignment = lease.json()["assignment_id"]
                if i % 3 == 2:
                    seen[http.post(f"/api/v1/assignments/{assignment}/skip").status_code] += 1
                    continue
                body = {"result": seeded.truth_for(lease.json()["item"]["id"]), "duration_ms": 9}
                answer = http.post(f"/api/v1/assignments/{assignment}/submit", json=body)
                seen[answer.status_code] += 1
        return seen

    half = range(THREADS // 2)
    jobs = [(reader, n) for n in half] + [(annotator, n) for n in half]
    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(lambda job: job[0](job[1]), jobs))
    statuses = sum(outcomes, Counter())
    assert set(statuses) <= {200, 201}, statuses
    assert statuses[201] == (THREADS // 2) * (ROUNDS - ROUNDS // 3)
