"""Distribution under concurrency, over real HTTP (uvicorn in a thread, one client per thread).

The 50-annotator run is the test of rule 6. On PostgreSQL it exercises the row locks that skip
locked rows (and the one-call functions); on SQLite, the writer gate that serialises the
transactions of the API's 40 worker threads (``backend/sqlite_gate.py``) with a busy timeout
that is never needed. The two races of one annotator against themselves (two tabs asking at
once, a retried submit) run on both databases too.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlmodel import Session, select

from backend.assignments.models import Annotation, Assignment
from backend.db import get_engine
from support.factories import new_project, new_team
from support.seed import seed_items

THREADS = 50
ITEMS = 120
GOLD = 20
OVERLAP = 3


def _work(base: str, token: str, project_id: int, truth_for, seed: int) -> dict:
    """One annotator: next/submit until 204; sometimes skips, sometimes submits twice."""
    rng = random.Random(seed)
    created: list[dict] = []
    statuses: Counter[int] = Counter()
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as http:
        while True:
            answer = http.post(f"/api/v1/projects/{project_id}/next")
            statuses[answer.status_code] += 1
            if answer.status_code == 204:
                return {"created": created, "statuses": statuses}
            assert answer.status_code == 200, answer.text
            lease = answer.json()
            if rng.random() < 0.05:
                http.post(f"/api/v1/assignments/{lease['assignment_id']}/skip")
                continue
            body = {"result": truth_for(lease["item"]["id"]), "duration_ms": 500}
            for _ in range(2 if rng.random() < 0.1 else 1):
                done = http.post(f"/api/v1/assignments/{lease['assignment_id']}/submit", json=body)
                statuses[done.status_code] += 1
                assert done.status_code in (200, 201), done.text
                if done.status_code == 201:
                    created.append(done.json())


def test_fifty_annotators_finish_a_project_without_overshoot(client, live_server):
    team = new_team(client, annotators=THREADS)
    project = new_project(client, team, overlap=OVERLAP, gold_rate=0.1)
    seeded = seed_items(project_id=project["id"], count=ITEMS + GOLD, gold=GOLD)
    with ThreadPoolExecutor(THREADS) as pool:
        runs = list(
            pool.map(
                lambda n: _work(
                    live_server, team.annotators[n].token, project["id"], seeded.truth_for, n
                ),
                range(THREADS),
            )
        )
    answered = [row for run in runs for row in run["created"]]
    with Session(get_engine()) as session:
        stored = session.exec(
            select(Annotation).where(Annotation.project_id == project["id"])
        ).all()
        assignments = session.exec(
            select(Assignment).where(Assignment.project_id == project["id"])
        ).all()
    # no submit lost, none invented: every 201 is exactly one row
    assert sorted(a["id"] for a in answered) == sorted(a.id for a in stored)
    per_item = Counter(a.item_id for a in stored if not a.is_gold)
    assert per_item == dict.fromkeys(seeded.item_ids, OVERLAP)  # none over, none under
    pairs = Counter((a.item_id, a.annotator_id) for a in assignments)
    assert max(pairs.values()) == 1  # nobody had an item twice
    assert not any(a.status == "leased" for a in assignments)
    statuses = sum((run["statuses"] for run in runs), Counter())
    assert set(statuses) <= {200, 201, 204}


def test_one_annotator_racing_themselves(client, live_server):
    """Two tabs asking at once get the same lease; a submit sent twice at once stores once."""
    team = new_team(client, annotators=1)
    project = new_project(client, team, gold_rate=0.0)
    seeded = seed_items(project_id=project["id"], count=5)
    headers = team.annotators[0].headers
    barrier = threading.Barrier(8)

    def ask(_: int) -> int:
        with httpx.Client(base_url=live_server, headers=headers, timeout=60) as http:
            barrier.wait()
            answer = http.post(f"/api/v1/projects/{project['id']}/next")
            assert answer.status_code == 200
            return answer.json()["assignment_id"]

    with ThreadPoolExecutor(8) as pool:
        leases = set(pool.map(ask, range(8)))
    assert len(leases) == 1
    assignment_id = leases.pop()
    with Session(get_engine()) as session:
        item_id = session.get(Assignment, assignment_id).item_id
    body = {"result": seeded.truth_for(item_id), "duration_ms": 10}

    def send(_: int) -> tuple[int, int]:
        with httpx.Client(base_url=live_server, headers=headers, timeout=60) as http:
            barrier.wait()
            answer = http.post(f"/api/v1/assignments/{assignment_id}/submit", json=body)
            return answer.status_code, answer.json()["id"]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))
    assert sorted(code for code, _ in answers) == [200] * 7 + [201]
    assert len({annotation_id for _, annotation_id in answers}) == 1
