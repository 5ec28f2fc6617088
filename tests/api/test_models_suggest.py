"""Interactive point suggestions (issue 21): ``POST /items/{item_id}/suggest`` forwards a click to
the project's outside model through the pre-label protocol (a real HTTP server on localhost),
checks the answer like a pre-label, and drops a slow, failing or invalid answer with its reason
— the next suggestion and everyone's ``next`` unaffected. The reference adapter
(``examples/point_adapter``) answers a box around the clicked object from a real image."""

from __future__ import annotations

import base64
import io
import threading

import pytest
import uvicorn
from PIL import Image, ImageDraw
from sqlmodel import Session, select

from backend.db import get_engine
from backend.models.models import PrelabelDrop
from support.factories import add_member, new_project, new_team, new_user
from support.fake_model_server import FakeModel, fake_model_server
from support.fixtures import free_port
from support.models_data import prelabels_of
from support.seed import seed_items

BOX = {"label": "scratch", "x": 100.0, "y": 120.0, "w": 60.0, "h": 40.0}


@pytest.fixture
def fake_model() -> FakeModel:
    with fake_model_server() as model:
        yield model


def _boxes_project(client, team, url: str, timeout_s: float = 5.0, kind: str = "image_boxes"):
    project = new_project(
        client, team, kind, gold_rate=0.0, model_endpoint={"url": url, "timeout_s": timeout_s}
    )
    return project, seed_items(project_id=project["id"], count=3)


def _lease(client, who, project_id: int) -> dict:
    lease = client.post(f"/api/v1/projects/{project_id}/next", headers=who.headers)
    assert lease.status_code == 200, lease.text
    return lease.json()


def _suggest(client, who, item_id: int, **body):
    body.setdefault("points", [[130.0, 140.0]])
    return client.post(f"/api/v1/items/{item_id}/suggest", json=body, headers=who.headers)


def _drops(project_id: int) -> list[tuple[int | None, str, str]]:
    with Session(get_engine()) as session:
        rows = session.exec(
            select(PrelabelDrop.item_id, PrelabelDrop.reason, PrelabelDrop.detail)
            .where(PrelabelDrop.project_id == project_id)
            .order_by(PrelabelDrop.id)
        ).all()
    return [tuple(r) for r in rows]


def test_a_click_gets_a_checked_box_and_stores_nothing(client, fake_model):
    team = new_team(client, annotators=1)
    project, seeded = _boxes_project(client, team, fake_model.url("ok"))
    fake_model.answer = lambda body: {
        "results": [{"id": body["items"][0]["id"], "result": {"boxes": [BOX]}, "score": 0.7}]
    }
    annotator = team.annotators[0]
    item_id = _lease(client, annotator, project["id"])["item"]["id"]
    answer = _suggest(client, annotator, item_id, label="scratch")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "item_id": item_id,
        "result": {"boxes": [BOX]},
        "score": 0.7,
        "model_version": "endpoint",
    }
    [sent] = fake_model.bodies
    assert sent["mode"] == "interactive" and sent["kind"] == "image_boxes"
    assert sent["labels"] == ["scratch", "dent", "stain"]
    [asked] = sent["items"]
    assert asked["id"] == item_id and "sig=" in asked["media_url"]
    assert asked["prompt"] == {"points": [[130.0, 140.0]], "point_labels": [1], "label": "scratch"}
    assert prelabels_of(seeded.item_ids) == {i: None for i in seeded.item_ids}
    # a reviewer may ask without a lease
    assert _suggest(client, team.reviewer, seeded.item_ids[-1]).status_code == 200


def test_who_may_ask(client, fake_model):
    team = new_team(client, annotators=2)
    project, _ = _boxes_project(client, team, fake_model.url("ok"))
    fake_model.answer = lambda body: {
        "results": [{"id": body["items"][0]["id"], "result": {"boxes": []}, "score": 0.1}]
    }
    holder, other = team.annotators
    item_id = _lease(client, holder, project["id"])["item"]["id"]
    assert _suggest(client, holder, item_id).status_code == 200
    refused = _suggest(client, other, item_id)
    assert refused.status_code == 403 and refused.json()["code"] == "no_lease"
    customer = new_user(client, name="Client")
    add_member(client, team.org_id, team.owner, customer, "client")
    assert _suggest(client, customer, item_id).json()["code"] == "no_lease"
    assert _suggest(client, team.manager, item_id).status_code == 200
    stranger = new_team(client, annotators=0)
    for who in (stranger.owner, stranger.reviewer):
        foreign = _suggest(client, who, item_id)
        assert foreign.status_code == 404 and foreign.json()["code"] == "not_found"
    assert _suggest(client, team.reviewer, 2_000_000_000).status_code == 404
    assert len(fake_model.bodies) == 2  # the holder and the manager; refusals never reach it


def test_bad_prompts_and_projects_are_refused_before_the_model(client, fake_model):
    team = new_team(client, annotators=0)
    _, seeded = _boxes_project(client, team, fake_model.url("ok"))
    outside = _suggest(client, team.reviewer, seeded.item_ids[0], points=[[641.0, 10.0]])
    assert outside.status_code == 422
    assert outside.json()["detail"][0]["loc"] == ["body", "points", 0]
    unknown = _suggest(client, team.reviewer, seeded.item_ids[0], label="rust")
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "label"]
    assert _suggest(client, team.reviewer, seeded.item_ids[0], points=[]).status_code == 422
    plain = new_project(client, team, "image_boxes")
    [no_model] = seed_items(project_id=plain["id"], count=1).item_ids
    answer = _suggest(client, team.reviewer, no_model)
    assert answer.status_code == 409 and answer.json()["code"] == "no_model_endpoint"
    texts = new_project(
        client, team, "text_classification", model_endpoint={"url": fake_model.url("ok")}
    )
    [text_item] = seed_items(project_id=texts["id"], count=1).item_ids
    answer = _suggest(client, team.reviewer, text_item)
    assert answer.status_code == 409 and answer.json()["code"] == "suggestion_unsupported_kind"
    assert fake_model.bodies == []


def _one(item_id: int, result: dict, score: float = 0.9) -> dict:
    return {"results": [{"id": item_id, "result": result, "score": score}]}


@pytest.mark.parametrize(
    ("mode", "answer", "reason"),
    [
        ("slow", None, "timeout"),
        ("fail", None, "http_error"),
        ("badjson", None, "invalid_json"),
        ("ok", lambda i: {"results": []}, "missing"),
        ("ok", lambda i: _one(i, {"boxes": [{**BOX, "x": 630.0}]}), "invalid_result"),
        ("ok", lambda i: _one(i, {"boxes": [{**BOX, "label": "rust"}]}), "invalid_result"),
        ("ok", lambda i: _one(i, {"boxes": [BOX]}, score=3), "invalid_result"),
    ],
)
def test_a_bad_answer_is_dropped_with_its_reason_and_the_next_click_works(
    client, fake_model, mode, answer, reason
):
    team = new_team(client, annotators=1)
    project, seeded = _boxes_project(client, team, fake_model.url(mode), timeout_s=0.5)
    item_id = seeded.item_ids[0]
    if answer is not None:
        fake_model.answer = lambda body: answer(body["items"][0]["id"])
    dropped = _suggest(client, team.reviewer, item_id)
    assert dropped.status_code == 502, dropped.text
    assert dropped.json()["code"] == "suggestion_dropped"
    assert dropped.json()["reason"] == reason
    [(no_item, stored_reason, detail)] = _drops(project["id"])
    assert (no_item, stored_reason) == (None, reason)
    assert detail.startswith(f"interactive, item {item_id}:")
    page = client.get(
        f"/api/v1/projects/{project['id']}/models/summary", headers=team.manager.headers
    ).json()
    assert [d["reason"] for d in page["drops"]] == [reason]
    # the next click, once the model answers well, is unaffected
    client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"model_endpoint": {"url": fake_model.url("ok"), "timeout_s": 5}},
        headers=team.manager.headers,
    )
    fake_model.answer = lambda body: {
        "results": [{"id": body["items"][0]["id"], "result": {"boxes": [BOX]}, "score": 0.6}]
    }
    again = _suggest(client, team.reviewer, item_id)
    assert again.status_code == 200 and again.json()["result"] == {"boxes": [BOX]}
    lease = _lease(client, team.annotators[0], project["id"])
    assert "prelabel" not in lease  # a failed click holds back no pre-label either


def test_next_and_submit_go_on_while_a_suggestion_hangs(client, fake_model):
    team = new_team(client, annotators=1)
    project, seeded = _boxes_project(client, team, fake_model.url("hang"), timeout_s=30)
    fake_model.answer = lambda body: {
        "results": [{"id": body["items"][0]["id"], "result": {"boxes": [BOX]}, "score": 0.5}]
    }
    outcome = {}
    asking = threading.Thread(
        target=lambda: outcome.setdefault(
            "answer", _suggest(client, team.reviewer, seeded.item_ids[-1])
        )
    )
    asking.start()
    assert fake_model.arrived.wait(timeout=30)
    annotator = team.annotators[0]
    for _ in range(2):
        lease = _lease(client, annotator, project["id"])
        stored = client.post(
            f"/api/v1/assignments/{lease['assignment_id']}/submit",
            json={"result": {"boxes": []}},
            headers=annotator.headers,
        )
        assert stored.status_code == 201, stored.text
    assert asking.is_alive()  # the suggestion still waits for the model all along
    fake_model.release.set()
    asking.join(timeout=30)
    assert outcome["answer"].status_code == 200


def _part_png(width: int = 320, height: int = 240) -> bytes:
    """A light plate with one dark defect at x 200-259, y 60-99."""
    picture = Image.new("RGB", (width, height), (205, 208, 210))
    ImageDraw.Draw(picture).rectangle([200, 60, 259, 99], fill=(40, 35, 30))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def point_adapter(live_server):
    from examples.point_adapter import app as adapter

    adapter.JINBIAO_URL = live_server  # the platform's media links are relative here
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(adapter.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(timeout=0.05)
    yield f"http://127.0.0.1:{port}/predict"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("kind", ["image_boxes", "image_polygons"])
def test_the_reference_adapter_answers_the_object_under_the_point(client, point_adapter, kind):
    team = new_team(client, annotators=1)
    project = new_project(
        client, team, kind, gold_rate=0.0, model_endpoint={"url": point_adapter, "timeout_s": 10}
    )
    image = base64.b64encode(_part_png()).decode()
    created = client.post(
        f"/api/v1/projects/{project['id']}/items",
        json={"items": [{"image_base64": image, "external_id": "plate.png"}]},
        headers=team.manager.headers,
    )
    assert created.status_code == 201, created.text
    annotator = team.annotators[0]
    item_id = _lease(client, annotator, project["id"])["item"]["id"]
    answer = _suggest(client, annotator, item_id, points=[[230.0, 80.0]], label="dent")
    assert answer.status_code == 200, answer.text
    result = answer.json()["result"]
    if kind == "image_boxes":
        assert result == {"boxes": [{"label": "dent", "x": 200.0, "y": 60.0, "w": 60.0, "h": 40.0}]}
    else:
        [polygon] = result["polygons"]
        xs = [p[0] for p in polygon["points"]]
        ys = [p[1] for p in polygon["points"]]
        assert polygon["label"] == "dent"
        assert (min(xs), max(xs), min(ys), max(ys)) == (200.0, 260.0, 60.0, 100.0)
    assert 0 < answer.json()["score"] <= 1


def test_suggestions_waiting_at_once_are_bounded(client, fake_model, monkeypatch):
    from backend.models import suggest

    monkeypatch.setattr(suggest, "_waiting", threading.BoundedSemaphore(1))
    team = new_team(client, annotators=0)
    _, seeded = _boxes_project(client, team, fake_model.url("hang"), timeout_s=30)
    fake_model.answer = lambda body: _one(body["items"][0]["id"], {"boxes": [BOX]}, 0.5)
    outcome = {}
    first = threading.Thread(
        target=lambda: outcome.setdefault(
            "first", _suggest(client, team.reviewer, seeded.item_ids[0])
        )
    )
    first.start()
    assert fake_model.arrived.wait(timeout=30)
    busy = _suggest(client, team.manager, seeded.item_ids[1])
    assert busy.status_code == 503 and busy.json()["code"] == "suggestions_busy"
    assert busy.headers["Retry-After"] == "2"
    fake_model.release.set()
    first.join(timeout=30)
    assert outcome["first"].status_code == 200
    assert _suggest(client, team.manager, seeded.item_ids[1]).status_code == 200


def test_an_endpoint_inside_the_deployment_is_refused_and_never_called(
    client, fake_model, monkeypatch
):
    """Server-side request forgery: an owner's URL on loopback, the metadata address or the
    private network is refused when saved, and — for a name, or a network allowed when it was
    saved — dropped as ``blocked`` when called, before any request leaves."""
    from backend.settings import get_settings

    team = new_team(client, annotators=1)
    project, seeded = _boxes_project(client, team, fake_model.url("ok"))
    monkeypatch.setattr(get_settings(), "model_endpoint_networks", [])
    for url in ("http://127.0.0.1:9/admin", "http://169.254.169.254/latest/meta-data/"):
        refused = client.patch(
            f"/api/v1/projects/{project['id']}",
            json={"model_endpoint": {"url": url}},
            headers=team.manager.headers,
        )
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["detail"]
        assert error["loc"][-1] == "url" and "JINBIAO_MODEL_ENDPOINT_NETWORKS" in error["msg"]
        assert error["type"] == "endpoint_address_not_allowed"
    dropped = _suggest(client, team.reviewer, seeded.item_ids[0])
    assert dropped.status_code == 502, dropped.text
    assert dropped.json()["reason"] == "blocked"
    assert fake_model.bodies == []
