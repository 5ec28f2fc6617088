"""Task distribution: next, submit, skip and the counts, on SQLite and PostgreSQL.

Items come from ``support.seed`` (bulk rows, no files); everything else goes through the API.
The PostgreSQL concurrency test lives in ``test_distribution_concurrency.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from backend import clock
from backend.assignments.models import Annotation, AnnotatorState, Assignment
from backend.db import get_engine
from backend.items.models import Item
from support.distribution import nxt, set_wanted, setup_project, skip, submit
from support.factories import add_member, new_project, new_team, new_user
from support.seed import seed_items

NEXT_KEYS = {"assignment_id", "expires_at", "item"}


@pytest.fixture
def frozen(monkeypatch):
    """A clock that moves only when the test says so."""

    class Frozen:
        now = datetime.now(UTC)

        def advance(self, seconds: float) -> None:
            self.now += timedelta(seconds=seconds)

    frozen = Frozen()
    monkeypatch.setattr(clock, "now", lambda: frozen.now)
    return frozen


def test_next_answers_a_lease_and_the_same_lease_again(client):
    team, project, _seeded = setup_project(client, items=3)
    ann = team.annotators[0]
    first = nxt(client, ann, project["id"])
    assert first.status_code == 200, first.text
    body = first.json()
    assert set(body) == NEXT_KEYS
    item = body["item"]
    assert set(item) == {"id", "kind", "text"}
    assert item["kind"] == "text_classification"
    assert item["text"].startswith("motor")
    again = nxt(client, ann, project["id"])
    assert again.json() == body  # a reload does not burn an item


def test_image_items_answer_a_media_url_and_the_size(client):
    team, project, _seeded = setup_project(client, kind="image_boxes", items=1)
    body = nxt(client, team.annotators[0], project["id"]).json()
    item = body["item"]
    assert item["media_url"] == f"/api/v1/items/{item['id']}/media"
    assert (item["width"], item["height"]) == (640, 480)
    assert "text" not in item and "is_gold" not in item


def test_overlap_is_respected_and_no_annotator_gets_an_item_twice(client):
    team, project, seeded = setup_project(client, annotators=4, items=3, overlap=2)
    seen: dict[int, list[int]] = {}
    for ann in team.annotators:
        while (answer := nxt(client, ann, project["id"])).status_code == 200:
            lease = answer.json()
            seen.setdefault(ann.id, []).append(lease["item"]["id"])
            result = seeded.truth_for(lease["item"]["id"])
            assert submit(client, ann, lease["assignment_id"], result).status_code == 201
        assert answer.status_code == 204
    per_item: dict[int, int] = {}
    for items in seen.values():
        assert len(items) == len(set(items))
        for item_id in items:
            per_item[item_id] = per_item.get(item_id, 0) + 1
    assert per_item == {item_id: 2 for item_id in seeded.item_ids}
    # finish items before starting new ones: the second annotator completes the first's items
    assert seen[team.annotators[1].id] == seen[team.annotators[0].id]


def test_items_nearer_completion_first_then_priority(client):
    team = new_team(client, annotators=2)
    project = new_project(client, team, gold_rate=0.0, overlap=2)
    seeded = seed_items(project_id=project["id"], count=4, priority=lambda n: float(n))
    by_priority = sorted(seeded.item_ids, reverse=True)  # priority grows with the id here
    a, b = team.annotators
    set_wanted(by_priority[3], 1)  # one missing annotation: nearest completion, lowest priority
    served = []
    for _ in range(2):
        lease = nxt(client, a, project["id"]).json()
        served.append(lease["item"]["id"])
        submit(client, a, lease["assignment_id"], seeded.truth_for(lease["item"]["id"]))
    assert served == [by_priority[3], by_priority[0]]
    # by_priority[0] now misses one annotation, by_priority[1] two: completion beats priority
    assert nxt(client, b, project["id"]).json()["item"]["id"] == by_priority[0]


def test_random_order_is_stable_between_annotators(client):
    team, project, _seeded = setup_project(client, annotators=2, items=20, overlap=2)
    a, b = team.annotators
    first_a = nxt(client, a, project["id"]).json()
    skip(client, a, first_a["assignment_id"])
    first_b = nxt(client, b, project["id"]).json()
    assert first_b["item"]["id"] == first_a["item"]["id"]


def test_lease_expiry_frees_the_slot(client, frozen):
    team, project, _seeded = setup_project(client, items=1, overlap=1, lease_seconds=60)
    a, b = team.annotators[:2]
    lease = nxt(client, a, project["id"])
    assert lease.status_code == 200
    assert nxt(client, b, project["id"]).status_code == 204  # the only slot is leased
    frozen.advance(61)
    taken = nxt(client, b, project["id"])
    assert taken.status_code == 200
    assert taken.json()["item"]["id"] == lease.json()["item"]["id"]
    assert datetime.fromisoformat(taken.json()["expires_at"]) == frozen.now + timedelta(seconds=60)


def test_late_submit_is_accepted_while_the_item_still_wants_annotations(client, frozen):
    team, project, seeded = setup_project(client, items=1, overlap=2, lease_seconds=60)
    a = team.annotators[0]
    lease = nxt(client, a, project["id"]).json()
    frozen.advance(600)
    late = submit(client, a, lease["assignment_id"], seeded.truth_for(lease["item"]["id"]))
    assert late.status_code == 201, late.text


def test_late_submit_is_a_conflict_when_the_item_is_full(client, frozen):
    # the slot was taken by a submitted annotation, or by a lease still held
    setups = [setup_project(client, items=1, overlap=1, lease_seconds=60) for _ in range(2)]
    leases = [nxt(client, team.annotators[0], project["id"]).json() for team, project, _ in setups]
    frozen.advance(61)
    for (team, project, seeded), lease, other_submits in zip(
        setups, leases, (True, False), strict=True
    ):
        a, b = team.annotators[:2]
        result = seeded.truth_for(lease["item"]["id"])
        lease_b = nxt(client, b, project["id"])
        assert lease_b.json()["item"]["id"] == lease["item"]["id"]
        if other_submits:
            assert submit(client, b, lease_b.json()["assignment_id"], result).status_code == 201
        late = submit(client, a, lease["assignment_id"], result)
        assert late.status_code == 409
        assert "expired" in late.json()["detail"]


def test_submit_is_idempotent(client):
    team, project, seeded = setup_project(client, items=2)
    a = team.annotators[0]
    lease = nxt(client, a, project["id"]).json()
    result = seeded.truth_for(lease["item"]["id"])
    first = submit(client, a, lease["assignment_id"], result)
    second = submit(client, a, lease["assignment_id"], result)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    with Session(get_engine()) as session:
        rows = session.exec(
            select(Annotation).where(Annotation.assignment_id == lease["assignment_id"])
        ).all()
        item = session.get(Item, lease["item"]["id"])
    assert len(rows) == 1
    assert item.annotation_count == 1
    assert nxt(client, a, project["id"]).json()["item"]["id"] != lease["item"]["id"]


def test_skip_frees_the_slot_and_the_item_does_not_come_back(client):
    team, project, seeded = setup_project(client, items=1, overlap=1)
    a, b = team.annotators[:2]
    lease = nxt(client, a, project["id"]).json()
    assert nxt(client, b, project["id"]).status_code == 204
    skipped = skip(client, a, lease["assignment_id"])
    assert skipped.status_code == 200
    assert skipped.json() == {"assignment_id": lease["assignment_id"], "status": "skipped"}
    assert skip(client, a, lease["assignment_id"]).status_code == 200  # harmless twice
    assert nxt(client, a, project["id"]).status_code == 204
    assert nxt(client, b, project["id"]).json()["item"]["id"] == lease["item"]["id"]
    result = seeded.truth_for(lease["item"]["id"])
    assert submit(client, a, lease["assignment_id"], result).status_code == 409


def test_gold_rate_within_tolerance_over_1000_assignments(client):
    team, project, seeded = setup_project(client, annotators=2, items=1100, gold=300, gold_rate=0.2)
    gold_ids = set(seeded.gold_ids)
    counts = {"gold": 0, "all": 0}
    for ann in team.annotators:
        for _ in range(500):
            lease = nxt(client, ann, project["id"]).json()
            assert set(lease) == NEXT_KEYS and set(lease["item"]) == {"id", "kind", "text"}
            counts["all"] += 1
            counts["gold"] += lease["item"]["id"] in gold_ids
            assert skip(client, ann, lease["assignment_id"]).status_code == 200
    rate = counts["gold"] / counts["all"]
    assert 0.16 <= rate <= 0.24, rate  # ±4 standard deviations of 1,000 draws at 0.2


def test_gold_is_served_once_per_annotator_and_not_limited_by_overlap(client):
    team, project, seeded = setup_project(
        client, annotators=3, items=4, gold=2, overlap=1, qualification_count=2
    )
    for ann in team.annotators:
        got = []
        for _ in range(2):
            lease = nxt(client, ann, project["id"]).json()
            got.append(lease["item"]["id"])
            submit(client, ann, lease["assignment_id"], seeded.truth_for(lease["item"]["id"]))
        assert sorted(got) == sorted(seeded.gold_ids)  # every annotator, past overlap 1


def test_qualification_serves_gold_first_and_gold_feedback(client):
    team, project, seeded = setup_project(
        client, items=30, gold=5, qualification_count=3, gold_rate=0.0
    )
    a = team.annotators[0]
    gold_ids = set(seeded.gold_ids)
    for n in range(3):
        lease = nxt(client, a, project["id"]).json()
        assert lease["item"]["id"] in gold_ids
        truth = seeded.truth_for(lease["item"]["id"])
        wrong = {"label": next(x for x in seeded.labels if x != truth["label"])}
        answer = submit(client, a, lease["assignment_id"], truth if n < 2 else wrong)
        assert answer.status_code == 201
        feedback = answer.json()["gold_feedback"]
        assert feedback == {"correct": n < 2, "score": 1.0 if n < 2 else 0.0, "expected": truth}
    for _ in range(5):
        lease = nxt(client, a, project["id"]).json()
        assert lease["item"]["id"] not in gold_ids  # gold_rate 0 after qualification
        answer = submit(client, a, lease["assignment_id"], seeded.truth_for(lease["item"]["id"]))
        assert "gold_feedback" not in answer.json()
    stats = client.get(f"/api/v1/projects/{project['id']}/my-stats", headers=a.headers).json()
    assert stats["gold_answered"] == 3
    assert stats["gold_correct"] == 2.0
    assert stats["gold_accuracy"] == pytest.approx(2 / 3)


def test_box_and_span_gold_feedback_scores(client):
    team, project, seeded = setup_project(
        client, kind="image_boxes", items=2, gold=1, qualification_count=1
    )
    a = team.annotators[0]
    lease = nxt(client, a, project["id"]).json()
    truth = seeded.truth_for(lease["item"]["id"])
    box = dict(truth["boxes"][0])
    box["x"] += 5  # IoU ≈ 0.9: still a match
    extra = {"label": box["label"], "x": 400.0, "y": 300.0, "w": 50.0, "h": 50.0}
    answer = submit(client, a, lease["assignment_id"], {"boxes": [box, extra]}).json()
    assert answer["gold_feedback"]["score"] == pytest.approx(2 / 3)
    assert answer["gold_feedback"]["correct"] is False

    team, project, seeded = setup_project(
        client, kind="text_spans", items=2, gold=1, qualification_count=1
    )
    a = team.annotators[0]
    lease = nxt(client, a, project["id"]).json()
    truth = seeded.truth_for(lease["item"]["id"])
    answer = submit(client, a, lease["assignment_id"], truth).json()
    assert answer["gold_feedback"] == {"correct": True, "score": 1.0, "expected": truth}


def test_paused_annotator_gets_403_with_the_reason(client):
    team, project, _seeded = setup_project(client, items=2)
    a = team.annotators[0]
    assert nxt(client, a, project["id"]).status_code == 200
    with Session(get_engine()) as session:
        state = session.get(AnnotatorState, (project["id"], a.id))
        state.status, state.paused_reason = "paused", "gold accuracy 0.40 below 0.60"
        session.add(state)
        session.commit()
    answer = nxt(client, a, project["id"])
    assert answer.status_code == 403
    assert "gold accuracy 0.40 below 0.60" in answer.json()["detail"]
    stats = client.get(f"/api/v1/projects/{project['id']}/my-stats", headers=a.headers).json()
    assert (stats["status"], stats["paused_reason"]) == ("paused", "gold accuracy 0.40 below 0.60")


def test_assignments_of_others_are_not_found(client):
    team, project, seeded = setup_project(client, items=2)
    a, b = team.annotators[:2]
    lease = nxt(client, a, project["id"]).json()
    result = seeded.truth_for(lease["item"]["id"])
    stranger = new_team(client, annotators=1).annotators[0]
    for who in (b, stranger, team.manager):
        assert submit(client, who, lease["assignment_id"], result).status_code == 404
        assert skip(client, who, lease["assignment_id"]).status_code == 404
    assert submit(client, a, 10**9, result).status_code == 404
    assert nxt(client, stranger, project["id"]).status_code == 404


def test_roles_who_may_label(client):
    team, project, _seeded = setup_project(client, items=3)
    assert nxt(client, team.reviewer, project["id"]).status_code == 403
    for labeller in (team.owner, team.manager):
        assert nxt(client, labeller, project["id"]).status_code == 200


def test_invalid_results_name_the_field(client):
    team, project, _seeded = setup_project(client, kind="image_boxes", items=1)
    a = team.annotators[0]
    lease = nxt(client, a, project["id"]).json()
    outside = {"boxes": [{"label": "scratch", "x": 600.0, "y": 10.0, "w": 100.0, "h": 10.0}]}
    answer = submit(client, a, lease["assignment_id"], outside)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "result", "boxes", 0, "w"]
    unknown = {"boxes": [{"label": "rust", "x": 1.0, "y": 1.0, "w": 10.0, "h": 10.0}]}
    answer = submit(client, a, lease["assignment_id"], unknown)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "result", "boxes", 0, "label"]
    assert "rust" in answer.json()["detail"][0]["msg"]
    nothing = submit(client, a, lease["assignment_id"], {"boxes": []})
    assert nothing.status_code == 201  # an empty answer is valid


def test_adaptive_overlap_raises_wanted_and_the_item_comes_back(client):
    team, project, seeded = setup_project(client, annotators=3, items=1, overlap=2)
    item_id = seeded.item_ids[0]
    for ann in team.annotators[:2]:
        lease = nxt(client, ann, project["id"]).json()
        submit(client, ann, lease["assignment_id"], seeded.truth_for(item_id))
    third = team.annotators[2]
    assert nxt(client, third, project["id"]).status_code == 204
    set_wanted(item_id, 3)  # what the quality worker does when agreement is low
    assert nxt(client, third, project["id"]).json()["item"]["id"] == item_id


def test_progress_and_my_stats(client):
    team, project, seeded = setup_project(
        client, items=5, gold=1, overlap=1, reward_per_item=0.25, qualification_count=1
    )
    a, b = team.annotators[:2]
    for _ in range(3):
        lease = nxt(client, a, project["id"]).json()
        submit(client, a, lease["assignment_id"], seeded.truth_for(lease["item"]["id"]))
    nxt(client, b, project["id"])  # b's qualification gold: a live lease
    progress = client.get(
        f"/api/v1/projects/{project['id']}/progress", headers=team.reviewer.headers
    )
    assert progress.status_code == 200
    assert progress.json() == {
        "items": 4,
        "done": 2,
        "in_progress": 1,
        "annotations": 2,
        "gold_items": 1,
        "gold_answered": 1,
    }
    stats = client.get(f"/api/v1/projects/{project['id']}/my-stats", headers=a.headers).json()
    assert stats == {
        "done_today": 3,
        "annotations": 3,
        "gold_answered": 1,
        "gold_correct": 1.0,
        "gold_accuracy": 1.0,
        "earnings": 0.75,
        "status": "active",
        "paused_reason": None,
        "pause": None,
        "gold_accuracy_estimated": pytest.approx(2 / 3),  # Beta(1, 1): (1 + 1) / (1 + 2)
    }
    fresh = client.get(f"/api/v1/projects/{project['id']}/my-stats", headers=b.headers).json()
    assert fresh["gold_accuracy"] is None and fresh["annotations"] == 0
    assert fresh["gold_accuracy_estimated"] is None
    outsider = new_user(client)
    assert (
        client.get(
            f"/api/v1/projects/{project['id']}/progress", headers=outsider.headers
        ).status_code
        == 404
    )


def test_every_assignment_row_matches_the_answers(client):
    """Bookkeeping: submitted assignments have exactly one annotation and counts agree."""
    team, project, seeded = setup_project(client, annotators=2, items=4, overlap=2)
    late = new_user(client)
    add_member(client, team.org_id, team.owner, late, "annotator")
    for ann in (*team.annotators, late):
        while (answer := nxt(client, ann, project["id"])).status_code == 200:
            lease = answer.json()
            submit(client, ann, lease["assignment_id"], seeded.truth_for(lease["item"]["id"]))
    with Session(get_engine()) as session:
        rows = session.exec(select(Assignment).where(Assignment.project_id == project["id"])).all()
        items = session.exec(select(Item).where(Item.project_id == project["id"])).all()
    assert all(row.status == "submitted" for row in rows)
    assert len(rows) == 8
    assert all(item.annotation_count == 2 for item in items)
