"""Outside models: a real HTTP server on localhost that hangs, fails, answers invalid JSON or
bad results. ``next`` goes on while it hangs; bad pre-labels are dropped with a recorded reason
shown on the project page; valid ones are stored and answered by ``next``."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, select

from backend.db import get_engine
from backend.models.endpoint_run import run_endpoint
from backend.models.models import PrelabelDrop
from backend.projects.models import Project
from support.factories import new_project, new_team
from support.fake_model_server import FakeModel, fake_model_server
from support.models_data import prelabels_of
from support.seed import seed_items


@pytest.fixture
def fake_model() -> FakeModel:
    with fake_model_server() as model:
        yield model


def _project(client, team, kind, url, timeout_s=5.0, count=4):
    project = new_project(
        client,
        team,
        kind,
        gold_rate=0.0,
        prelabels=True,
        model_endpoint={"url": url, "timeout_s": timeout_s},
    )
    return project, seed_items(project_id=project["id"], count=count)


def _run(project_id: int, **options) -> dict[str, int]:
    with Session(get_engine(), expire_on_commit=False) as session:
        project = session.get(Project, project_id)
        return run_endpoint(session=session, project=project, backoff_s=0.01, **options)


def _drops(project_id: int) -> list[tuple[int, str, str]]:
    with Session(get_engine()) as session:
        rows = session.exec(
            select(PrelabelDrop.item_id, PrelabelDrop.reason, PrelabelDrop.detail)
            .where(PrelabelDrop.project_id == project_id)
            .order_by(PrelabelDrop.item_id)
        ).all()
    return [tuple(r) for r in rows]


def _labels_for(body):
    return {
        "results": [
            {"id": i["id"], "result": {"label": "other"}, "score": 0.8} for i in body["items"]
        ]
    }


def test_next_goes_on_while_the_endpoint_hangs(client, fake_model):
    team = new_team(client, annotators=1)
    project, _ = _project(client, team, "text_classification", fake_model.url("hang"))
    fake_model.answer = _labels_for
    outcome: dict[str, dict[str, int]] = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("run", _run(project["id"])))
    worker.start()
    assert fake_model.arrived.wait(timeout=30)  # the batch is at the endpoint, unanswered
    annotator = team.annotators[0]
    lease = client.post(f"/api/v1/projects/{project['id']}/next", headers=annotator.headers)
    assert lease.status_code == 200 and "prelabel" not in lease.json()
    submitted = client.post(
        f"/api/v1/assignments/{lease.json()['assignment_id']}/submit",
        json={"result": {"label": "other"}},
        headers=annotator.headers,
    )
    assert submitted.status_code == 201
    assert worker.is_alive()  # still waiting for the endpoint all along
    fake_model.release.set()
    worker.join(timeout=30)
    assert outcome["run"] == {"sent": 4, "accepted": 4, "dropped": 0}
    sent = fake_model.bodies[0]
    assert sent["kind"] == "text_classification" and len(sent["items"]) == 4
    assert set(sent["labels"]) == {label["name"] for label in project["labels"]}
    assert all(i["text"] and i["media_url"] is None for i in sent["items"])
    lease = client.post(f"/api/v1/projects/{project['id']}/next", headers=annotator.headers)
    assert lease.json()["prelabel"] == {
        "result": {"label": "other"},
        "score": 0.8,
        "model_version": "endpoint",
    }


@pytest.mark.parametrize(
    ("mode", "reason", "hits"),
    [("slow", "timeout", 2), ("fail", "http_error", 2), ("badjson", "invalid_json", 1)],
)
def test_a_failing_endpoint_drops_the_batch_with_the_reason(client, fake_model, mode, reason, hits):
    team = new_team(client, annotators=1)
    project, seeded = _project(client, team, "text_classification", fake_model.url(mode), 0.5)
    assert _run(project["id"], retries=1) == {"sent": 4, "accepted": 0, "dropped": 4}
    assert fake_model.hits[mode] == hits  # retried once after a timeout or a 500, not after JSON
    drops = _drops(project["id"])
    assert [(i, r) for i, r, _ in drops] == [(i, reason) for i in seeded.item_ids]
    assert all(p is None for p in prelabels_of(seeded.item_ids).values())
    # dropped items are not sent again at once; the page shows the reasons
    assert _run(project["id"], retries=1)["sent"] == 0
    page = client.get(
        f"/api/v1/projects/{project['id']}/models/summary", headers=team.manager.headers
    ).json()
    assert {d["reason"] for d in page["drops"]} == {reason}
    assert page["endpoint"]["dropped"] == 4 and page["endpoint"]["last_run_at"]


def test_bad_results_are_dropped_one_by_one(client, fake_model):
    team = new_team(client, annotators=1)
    project, seeded = _project(client, team, "image_boxes", fake_model.url("mixed"), count=5)
    a, b, c, d, e = seeded.item_ids

    def answer(body):
        box = {"label": "scratch", "x": 10.0, "y": 10.0, "w": 50.0, "h": 40.0}
        return {
            "results": [
                {"id": a, "result": {"boxes": [box]}, "score": 0.9},
                {"id": b, "result": {"boxes": [{**box, "x": 630.0}]}, "score": 0.9},
                {"id": c, "result": {"boxes": [{**box, "label": "rust"}]}, "score": 0.9},
                {"id": d, "result": {"boxes": [box]}, "score": 7},
            ]
        }

    fake_model.answer = answer
    assert _run(project["id"]) == {"sent": 5, "accepted": 1, "dropped": 4}
    sent = fake_model.bodies[0]["items"]
    assert all(i["media_url"] and "sig=" in i["media_url"] for i in sent)
    assert all((i["width"], i["height"]) == (640, 480) for i in sent)
    drops = {i: (r, detail) for i, r, detail in _drops(project["id"])}
    assert drops[b][0] == "invalid_result" and "boxes" in drops[b][1]  # outside the image
    assert drops[c][0] == "invalid_result" and "rust" in drops[c][1]  # unknown label
    assert drops[d][0] == "invalid_result" and "score" in drops[d][1]
    assert drops[e][0] == "missing"
    stored = prelabels_of([a, b])
    assert stored[a]["result"]["boxes"][0]["label"] == "scratch" and stored[b] is None
