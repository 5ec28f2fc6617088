"""``POST /assignments/{id}/submit?next=true``: the submit's answer carries the next lease.

The submit answers as it always did; ``next`` is what ``POST /projects/{id}/next`` would answer
(a real lease, held by the annotator), ``null`` where ``/next`` answers 204, and ``null`` with a
``paused_reason`` where ``/next`` answers 403. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlmodel import Session, select

from backend.assignments.models import Annotation, Assignment
from backend.db import get_engine
from support.factories import new_project, new_team
from support.seed import seed_items

ANNOTATION_KEYS = {"id", "assignment_id", "item_id", "result", "duration_ms", "created_at"}


def nxt(client, who, project_id):
    return client.post(f"/api/v1/projects/{project_id}/next", headers=who.headers)


def submit(client, who, assignment_id, result, *, with_next=True):
    return client.post(
        f"/api/v1/assignments/{assignment_id}/submit",
        params={"next": "true"} if with_next else None,
        json={"result": result, "duration_ms": 900},
        headers=who.headers,
    )


def setup_project(client, *, kind="text_classification", items=5, gold=0, **settings):
    team = new_team(client, annotators=2)
    settings.setdefault("gold_rate", 0.0)
    project = new_project(client, team, kind, **settings)
    seeded = seed_items(project_id=project["id"], count=items, gold=gold)
    return team, project, seeded


def assignment_row(assignment_id: int) -> Assignment:
    with Session(get_engine()) as session:
        return session.get(Assignment, assignment_id)


def test_the_answer_is_the_annotation_plus_the_next_lease(client):
    team, project, seeded = setup_project(client, items=3)
    a = team.annotators[0]
    first = nxt(client, a, project["id"]).json()
    answer = submit(client, a, first["assignment_id"], seeded.truth_for(first["item"]["id"]))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert set(body) == ANNOTATION_KEYS | {"next"}  # no gold_feedback, no paused_reason
    assert body["assignment_id"] == first["assignment_id"]
    assert body["result"] == seeded.truth_for(first["item"]["id"])

    lease = body["next"]
    assert set(lease) == {"assignment_id", "expires_at", "item"}
    assert lease["item"]["id"] != first["item"]["id"]
    assert lease["assignment_id"] != first["assignment_id"]
    # exactly what /next answers: asking it now hands back the same live lease
    assert nxt(client, a, project["id"]).json() == lease
    row = assignment_row(lease["assignment_id"])
    assert (row.status, row.annotator_id, row.item_id) == ("leased", a.id, lease["item"]["id"])


def test_without_next_the_answer_is_as_before(client):
    team, project, seeded = setup_project(client, items=2)
    a = team.annotators[0]
    first = nxt(client, a, project["id"]).json()
    answer = submit(
        client, a, first["assignment_id"], seeded.truth_for(first["item"]["id"]), with_next=False
    )
    assert answer.status_code == 201
    assert set(answer.json()) == ANNOTATION_KEYS
    with Session(get_engine()) as session:  # no lease was taken for the caller
        leased = session.exec(
            select(Assignment).where(
                Assignment.project_id == project["id"], Assignment.status == "leased"
            )
        ).all()
    assert leased == []


def test_a_chain_of_submits_labels_every_item_once_then_next_is_null(client):
    team, project, seeded = setup_project(client, items=6)
    a = team.annotators[0]
    lease = nxt(client, a, project["id"]).json()
    seen = []
    while lease is not None:
        seen.append(lease["item"]["id"])
        answer = submit(client, a, lease["assignment_id"], seeded.truth_for(lease["item"]["id"]))
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert "next" in body and "paused_reason" not in body
        lease = body["next"]
        if lease is not None:
            assert lease["item"]["id"] != body["item_id"]  # never the item just submitted
    assert sorted(seen) == sorted(seeded.item_ids)
    assert len(set(seen)) == len(seen)
    assert nxt(client, a, project["id"]).status_code == 204  # where next was null


def test_a_repeated_submit_answers_the_same_next_lease(client):
    team, project, seeded = setup_project(client, items=4)
    a = team.annotators[0]
    first = nxt(client, a, project["id"]).json()
    result = seeded.truth_for(first["item"]["id"])
    once = submit(client, a, first["assignment_id"], result)
    again = submit(client, a, first["assignment_id"], result)
    assert (once.status_code, again.status_code) == (201, 200)
    assert once.json() == again.json()  # same annotation, same lease: nothing was burnt
    with Session(get_engine()) as session:
        mine = session.exec(
            select(Assignment).where(
                Assignment.project_id == project["id"], Assignment.annotator_id == a.id
            )
        ).all()
        annotations = session.exec(
            select(Annotation).where(Annotation.assignment_id == first["assignment_id"])
        ).all()
    assert len(mine) == 2 and len(annotations) == 1
    # a repeat without next still answers as before
    plain = submit(client, a, first["assignment_id"], result, with_next=False)
    assert plain.status_code == 200 and set(plain.json()) == ANNOTATION_KEYS


def test_the_last_item_answers_next_null_and_the_key_is_present(client):
    team, project, seeded = setup_project(client, items=1)
    a = team.annotators[0]
    only = nxt(client, a, project["id"]).json()
    truth = seeded.truth_for(only["item"]["id"])
    answer = submit(client, a, only["assignment_id"], truth)
    assert answer.status_code == 201
    assert answer.json()["next"] is None
    assert "paused_reason" not in answer.json()
    assert answer.json() == submit(client, a, only["assignment_id"], truth).json()


def test_image_leases_carry_media_and_prelabel_like_next(client):
    team, project, seeded = setup_project(client, kind="image_boxes", items=3)
    a = team.annotators[0]
    first = nxt(client, a, project["id"]).json()
    body = submit(client, a, first["assignment_id"], seeded.truth_for(first["item"]["id"])).json()
    item = body["next"]["item"]
    assert item["media_url"] == f"/api/v1/items/{item['id']}/media"
    assert (item["width"], item["height"]) == (640, 480)
    assert "text" not in item and "is_gold" not in item
    assert nxt(client, a, project["id"]).json() == body["next"]


def test_a_wrong_gold_answer_that_pauses_answers_null_and_the_reason(client):
    team, project, seeded = setup_project(
        client,
        items=5,
        gold=1,
        qualification_count=1,
        gold_min_count=1,
        min_gold_accuracy=0.99,
    )
    a = team.annotators[0]
    gold = nxt(client, a, project["id"]).json()
    assert gold["item"]["id"] in seeded.gold_ids  # qualification serves gold first
    truth = seeded.truth_for(gold["item"]["id"])
    wrong = {"label": next(x for x in seeded.labels if x != truth["label"])}
    answer = submit(client, a, gold["assignment_id"], wrong)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["gold_feedback"]["correct"] is False
    assert body["next"] is None
    stats = client.get(f"/api/v1/projects/{project['id']}/my-stats", headers=a.headers).json()
    assert stats["status"] == "paused"
    assert body["paused_reason"] == stats["paused_reason"]
    refused = nxt(client, a, project["id"])
    assert refused.status_code == 403 and body["paused_reason"] in refused.json()["detail"]
    assert submit(client, a, gold["assignment_id"], wrong).json() == body  # repeat: the same


def test_a_refused_submit_takes_no_lease(client):
    team, project, seeded = setup_project(client, items=3)
    a, b = team.annotators[:2]
    first = nxt(client, a, project["id"]).json()
    skipped = client.post(f"/api/v1/assignments/{first['assignment_id']}/skip", headers=a.headers)
    assert skipped.status_code == 200
    result = seeded.truth_for(first["item"]["id"])
    assert submit(client, a, first["assignment_id"], result).status_code == 409
    assert submit(client, b, first["assignment_id"], result).status_code == 404
    bad = submit(client, a, 10**9, result)
    assert bad.status_code == 404
    with Session(get_engine()) as session:
        leased = session.exec(
            select(Assignment).where(
                Assignment.project_id == project["id"], Assignment.status == "leased"
            )
        ).all()
    assert leased == []
