"""Thirty reviewers at once, over real HTTP (uvicorn in a thread, one client per thread).

The reviewers are managers who also annotated part of the project, so the pick must keep each
of them away from their own work while they race for the same queue. On PostgreSQL this runs
the row locks that skip locked items and the recheck after the lock; on SQLite the writer gate.
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
from backend.review.models import Review
from support.factories import add_member, new_project, new_team, new_user
from support.review_flow import recompute, review_states
from support.seed import seed_items

REVIEWERS = 30
ITEMS_EACH = 4


def _review(base: str, token: str, project_id: int, seed: int, start: threading.Barrier) -> dict:
    rng = random.Random(seed)
    judged: list[tuple[int, int]] = []
    statuses: Counter[int] = Counter()
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as http:
        start.wait()
        while True:
            answer = http.post(f"/api/v1/projects/{project_id}/review/next")
            statuses[answer.status_code] += 1
            if answer.status_code == 204:
                return {"judged": judged, "statuses": statuses}
            assert answer.status_code == 200, answer.text
            lease = answer.json()
            body = {"decision": rng.choice(["accept", "accept", "fix"])}
            if body["decision"] == "fix":
                body["result"] = {"label": "mechanical_wear"}
            for _ in range(2 if rng.random() < 0.1 else 1):  # sometimes a retried submit
                done = http.post(f"/api/v1/reviews/{lease['review_id']}/submit", json=body)
                statuses[done.status_code] += 1
                assert done.status_code in (200, 201), done.text
            judged.append((lease["review_id"], lease["item"]["id"]))


def test_thirty_reviewers_never_share_an_item_nor_review_their_own(client, live_server):
    team = new_team(client, annotators=0)
    project = new_project(client, team, gold_rate=0.0, overlap=1, max_overlap=1, review_mode="all")
    pid = project["id"]
    seed_items(project_id=pid, count=REVIEWERS * ITEMS_EACH)
    reviewers = []
    for _ in range(REVIEWERS):
        person = new_user(client, name="Manager reviewer")
        add_member(client, team.org_id, team.owner, person, "manager")
        reviewers.append(person)
        for _ in range(ITEMS_EACH):
            lease = client.post(f"/api/v1/projects/{pid}/next", headers=person.headers).json()
            stored = client.post(
                f"/api/v1/assignments/{lease['assignment_id']}/submit",
                json={"result": {"label": "other"}, "duration_ms": 300},
                headers=person.headers,
            )
            assert stored.status_code == 201
    recompute(pid)
    assert len(review_states(pid)) == REVIEWERS * ITEMS_EACH

    start = threading.Barrier(REVIEWERS)
    with ThreadPoolExecutor(REVIEWERS) as pool:
        runs = list(
            pool.map(
                lambda n: _review(live_server, reviewers[n].token, pid, n, start),
                range(REVIEWERS),
            )
        )
    judged = [pair for run in runs for pair in run["judged"]]
    with Session(get_engine()) as session:
        authors = {
            a.item_id: a.annotator_id
            for a in session.exec(select(Annotation).where(Annotation.project_id == pid))
        }
        reviews = session.exec(select(Review).where(Review.project_id == pid)).all()
        leases = session.exec(
            select(Assignment).where(Assignment.project_id == pid, Assignment.stage == "review")
        ).all()
    # every item judged exactly once, by one lease, never by its author
    assert sorted(item for _, item in judged) == sorted(authors)
    assert len(reviews) == len(authors) == len(leases)
    assert Counter(r.item_id for r in reviews) == Counter(dict.fromkeys(authors, 1))
    assert all(r.reviewer_id != authors[r.item_id] for r in reviews)
    assert all(lease.status == "submitted" for lease in leases)
    assert set(state for state, _ in review_states(pid).values()) == {"reviewed"}
    statuses = sum((run["statuses"] for run in runs), Counter())
    assert set(statuses) <= {200, 201, 204}
