"""Which finished items enter review: ``sample`` draws the configured share reproducibly,
``low_confidence`` takes exactly the items below the threshold, the per-annotator rule takes
every item of an annotator below the accuracy threshold."""

from __future__ import annotations

import math

from sqlmodel import Session, select

from backend.consensus.models import AnnotatorStat
from backend.db import get_engine
from backend.review.entering import enter_review
from backend.review.selection import (
    ReviewMode,
    ReviewRules,
    Rule,
    chosen_for_review,
    sample_draw,
)
from support.factories import new_project, new_team
from support.review_flow import consensus_of, label_all, recompute, review_states
from support.seed import seed_items


def test_sample_draws_are_reproducible_and_take_the_share_within_sampling_error():
    rules = ReviewRules(mode=ReviewMode.sample, rate=0.1)
    ids = list(range(1, 20_001))
    chosen = chosen_for_review(
        rules=rules, project_id=7, item_ids=ids, confidence={}, authors={}, accuracy={}
    )
    assert set(chosen.values()) == {Rule.sample}
    picked = list(chosen)
    sigma = math.sqrt(0.1 * 0.9 / len(ids))
    assert abs(len(picked) / len(ids) - 0.1) < 4 * sigma
    again = chosen_for_review(
        rules=rules,
        project_id=7,
        item_ids=list(reversed(ids)),
        confidence={},
        authors={},
        accuracy={},
    )
    assert sorted(again) == picked  # the same items, whatever the order
    other = chosen_for_review(
        rules=rules, project_id=8, item_ids=ids, confidence={}, authors={}, accuracy={}
    )
    assert other != picked  # seeded per project
    assert all(0 <= sample_draw(7, i) < 1 for i in ids[:100])


def test_sample_mode_puts_the_drawn_items_into_review(client):
    team = new_team(client, annotators=1)
    project = new_project(
        client,
        team,
        gold_rate=0.0,
        overlap=1,
        max_overlap=1,
        review_mode="sample",
        review_rate=0.3,
    )
    pid = project["id"]
    seeded = seed_items(project_id=pid, count=80)
    label_all(client, team.annotators[0], pid, lambda item_id, lease: {"label": "other"})
    recompute(pid)
    expected = {i for i in seeded.item_ids if sample_draw(pid, i) < 0.3}
    assert set(review_states(pid)) == expected
    sigma = math.sqrt(80 * 0.3 * 0.7)
    assert abs(len(expected) - 24) < 4 * sigma
    recompute(pid)  # idempotent: nothing changes, nothing enters twice
    assert set(review_states(pid)) == expected


def test_low_confidence_takes_exactly_the_items_below_the_threshold(client):
    team = new_team(client, annotators=3)
    # final_when lot_accepted: finished items not chosen for review stay done (under the
    # default they would be final, and a final item never enters review later).
    project = new_project(
        client, team, gold_rate=0.0, overlap=3, max_overlap=3, final_when="lot_accepted"
    )
    pid = project["id"]
    seeded = seed_items(project_id=pid, count=12)
    split = set(seeded.item_ids[::3])
    labels = ["electrical_fault", "mechanical_wear", "other"]
    for n, annotator in enumerate(team.annotators):
        label_all(
            client,
            annotator,
            pid,
            lambda item_id, lease, n=n: {"label": labels[n] if item_id in split else "other"},
        )
    recompute(pid)
    assert review_states(pid) == {}  # review_mode none
    confidence = {item: c for item, (_, c, _) in consensus_of(pid).items()}
    values = sorted(set(round(c, 9) for c in confidence.values()))
    assert len(values) >= 2
    threshold = (values[0] + values[-1]) / 2
    changed = client.patch(
        f"/api/v1/projects/{pid}",
        json={"review_mode": "low_confidence", "review_confidence_below": threshold},
        headers=team.manager.headers,
    )
    assert changed.status_code == 200, changed.text
    with Session(get_engine()) as session:
        entered = enter_review(session=session, project_id=pid, item_ids=seeded.item_ids)
        session.commit()
    below = {item for item, c in confidence.items() if c < threshold}
    assert set(entered) == below == set(review_states(pid))
    assert split <= below < set(seeded.item_ids)


def test_annotators_below_the_threshold_get_all_their_items_reviewed(client):
    team = new_team(client, annotators=2)
    project = new_project(
        client, team, gold_rate=0.0, overlap=1, max_overlap=1, review_annotators_below=0.7
    )
    pid = project["id"]
    seed_items(project_id=pid, count=10)
    weak, strong = team.annotators
    mine: dict[int, list[int]] = {weak.id: [], strong.id: []}
    for _ in range(5):
        for who in (weak, strong):
            lease = client.post(f"/api/v1/projects/{pid}/next", headers=who.headers).json()
            client.post(
                f"/api/v1/assignments/{lease['assignment_id']}/submit",
                json={"result": {"label": "other"}, "duration_ms": 500},
                headers=who.headers,
            )
            mine[who.id].append(lease["item"]["id"])
    with Session(get_engine()) as session:
        for user_id, accuracy in ((weak.id, 0.55), (strong.id, 0.95)):
            session.add(AnnotatorStat(project_id=pid, user_id=user_id, gold_accuracy=accuracy))
        session.commit()
        entered = enter_review(
            session=session, project_id=pid, item_ids=mine[weak.id] + mine[strong.id]
        )
        session.commit()
        stats = session.exec(select(AnnotatorStat).where(AnnotatorStat.project_id == pid)).all()
    assert len(stats) == 2
    assert sorted(entered) == sorted(mine[weak.id])
