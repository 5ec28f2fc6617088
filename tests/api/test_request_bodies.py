"""Request bodies: bounded everywhere, read as standard JSON, and refused with a readable 422.

What a tester found by hand (stop 33): a 300 MB body to the sign-up route was read whole (the
size limit was the import route's only), a 422 sent the whole invalid field back, a ``NaN`` in a
body turned the 422 into a 500, a ``NaN`` in an item's meta was stored, and a NUL character —
which PostgreSQL's ``text`` and ``jsonb`` cannot hold — went into SQLite as given."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.app import create_app
from backend.db import get_engine
from backend.items.models import Item
from backend.settings import get_settings
from support.factories import new_project

SIGNUP = "/api/v1/auth/signup"


def items_url(project: dict) -> str:
    return f"/api/v1/projects/{project['id']}/items"


def stored_texts(project: dict) -> list[str]:
    with Session(get_engine()) as session:
        return list(session.exec(select(Item.text).where(Item.project_id == project["id"])).all())


def raw_json(client: TestClient, url: str, text: str, headers: dict | None = None):
    return client.post(
        url, content=text.encode(), headers={**(headers or {}), "content-type": "application/json"}
    )


def test_every_json_body_is_bounded_before_it_is_read(monkeypatch):
    """No sign-in needed to send a body, so every route has a limit: a declared length above it
    is refused before a byte is read, a streamed one once it passes it — 413 with a ``code``."""
    monkeypatch.setattr(get_settings(), "max_json_bytes", 4096)
    small = TestClient(create_app())  # the limit is the app's, read when it is made
    pad = "x" * 5000
    body = json.dumps({"email": "big@example.com", "password": "p" * 12, "name": "B", "pad": pad})
    declared = raw_json(small, SIGNUP, body)
    assert declared.status_code == 413
    assert declared.json()["code"] == "too_large"
    assert "JINBIAO_MAX_JSON_BYTES" in declared.json()["detail"]

    def chunks():  # no Content-Length: counted while it streams
        yield b'{"email": "big2@example.com", "name": "'
        yield b"y" * 5000
        yield b'"}'

    streamed = small.post(SIGNUP, content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    fits = raw_json(small, SIGNUP, json.dumps({"email": "fits@example.com"}))
    assert fits.status_code == 422  # under the limit: read and validated as before


def test_a_422_names_the_field_without_sending_the_input_back(client):
    answer = client.post(
        SIGNUP, json={"email": "long@example.com", "password": "p" * 12, "name": "n" * 100_000}
    )
    assert answer.status_code == 422
    assert len(answer.content) < 2000
    (error,) = answer.json()["detail"]
    assert error["loc"] == ["body", "name"] and "input" not in error


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json_and_get_a_422(client, team, constant):
    signup = raw_json(
        client,
        SIGNUP,
        f'{{"email": "nan@example.com", "password": "pppppppppppp", "name": {constant}}}',
    )
    assert signup.status_code == 422
    body = signup.json()
    assert body["code"] == "invalid_input"
    assert body["detail"][0]["type"] == "json_invalid"
    assert "is not a JSON number" in body["detail"][0]["ctx"]["error"]
    project = new_project(client, team, "text_classification")
    meta = raw_json(
        client,
        items_url(project),
        f'{{"items": [{{"text": "Pump P7 leaks", "meta": {{"score": {constant}}}}}]}}',
        team.manager.headers,
    )
    assert meta.status_code == 422, meta.text
    assert "is not a JSON number" in meta.json()["detail"][0]["msg"]
    assert stored_texts(project) == []


def test_nul_characters_are_refused_naming_where(client, team):
    """PostgreSQL cannot store U+0000 in text or jsonb: refused on both databases alike."""
    project = new_project(client, team, "text_classification")
    body = {"items": [{"text": "ok"}, {"text": "Motor\u0000M3"}]}
    answer = client.post(items_url(project), json=body, headers=team.manager.headers)
    assert answer.status_code == 422
    assert "items.1.text holds a NUL character" in answer.json()["detail"][0]["msg"]
    patch = client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"instructions": "tighten \u0000 bolts"},
        headers=team.manager.headers,
    )
    assert patch.status_code == 422
    assert "instructions holds a NUL character" in patch.json()["detail"][0]["ctx"]["error"]
    rows = (
        "text,external_id,meta\n" + 'fine,e1,\nab\x00cd,e2,\nok,e\x003,\ngood,e4,"{""k"": NaN}"\n'
    )
    upload = client.post(
        items_url(project),
        files=[("files", ("rows.csv", rows.encode(), "text/csv"))],
        headers=team.manager.headers,
    )
    assert upload.status_code == 201, upload.text
    result = upload.json()
    assert result["created"] == 1
    messages = [(e["loc"], e["message"]) for e in result["errors"]]
    assert (["text"], "text holds a NUL character (U+0000), which cannot be stored") in messages
    assert any(loc == ["external_id"] and "NUL" in m for loc, m in messages)
    assert any(
        loc == ["meta"] and "k holds NaN, which is not a JSON number" in m for loc, m in messages
    )
    assert stored_texts(project) == ["fine"]


def test_a_quote_left_open_in_a_csv_does_not_swallow_the_rows_after_it(client, team):
    project = new_project(client, team, "text_classification")
    rows = 'text,external_id\nfirst,q0\n"unterminated,q1\nok,q2\n'
    upload = client.post(
        items_url(project),
        files=[("files", ("quote.csv", rows.encode(), "text/csv"))],
        headers=team.manager.headers,
    )
    assert upload.status_code == 201, upload.text
    (error,) = upload.json()["errors"]
    assert "quote opened and never closed" in error["message"]
    assert stored_texts(project) == ["first"]


def test_nul_in_a_query_or_a_sign_in_is_refused_on_both_databases(client, team):
    """PostgreSQL refuses NUL in any text comparison: ``?q=a%00b`` answered 500 there, 200 on
    SQLite. Now 422 naming the parameter on both; a sign-in with one is just a wrong sign-in."""
    project = new_project(client, team, "text_classification")
    for query in ("q=a%00b", "label=a%00b", "sort=id&q=%00"):
        answer = client.get(f"{items_url(project)}?{query}", headers=team.manager.headers)
        assert answer.status_code == 422, (query, answer.text)
        [error] = answer.json()["detail"]
        assert error["type"] == "string_nul" and error["loc"][0] == "query"
    assert (
        client.get(f"{items_url(project)}?q=100%25", headers=team.manager.headers).status_code
        == 200
    )  # a percent sign is no NUL
    signed = client.post(
        "/api/v1/auth/token", data={"username": "a\x00b@example.com", "password": "x"}
    )
    assert signed.status_code == 401


def test_ids_no_row_can_have_are_422_in_queries_and_bodies(client, team):
    """Every id column is a 32-bit integer on PostgreSQL: 2**31 in a query or a body answered
    500 there."""
    project = new_project(client, team, "text_classification")
    big = 2**31
    headers = team.manager.headers
    for url in (
        f"{items_url(project)}?annotator_id={big}",
        f"{items_url(project)}?batch_id={big}",
        f"/api/v1/me/annotations?project_id={big}",
    ):
        answer = client.get(url, headers=headers)
        assert answer.status_code == 422, (url, answer.text)
    for url, body in (
        (f"{items_url(project)}/bulk", {"item_ids": [big], "action": "requeue"}),
        (f"/api/v1/projects/{project['id']}/lots", {"item_ids": [big], "aql": "1.0"}),
        (f"/api/v1/projects/{project['id']}/lots", {"batch_id": big, "aql": "1.0"}),
        (
            f"/api/v1/projects/{project['id']}/gold",
            {"items": [{"item_id": big, "answer": {"label": "other"}}]},
        ),
    ):
        answer = client.post(url, json=body, headers=headers)
        assert answer.status_code == 422, (url, answer.text)


def test_a_lone_surrogate_is_refused_naming_where(client, team):
    project = new_project(client, team, "text_classification")
    answer = raw_json(
        client, items_url(project), '{"items": [{"text": "abc\\ud800"}]}', team.manager.headers
    )
    assert answer.status_code == 422, answer.text
    assert "items.0.text holds a lone surrogate" in answer.json()["detail"][0]["msg"]
    assert stored_texts(project) == []


def test_a_query_parameter_a_route_does_not_read_is_refused_naming_it(client, team):
    """A misspelt filter used to be ignored: ``?stauts=`` on the reviews answered every review
    as if filtered. Now 422 ``unknown_parameter`` naming it and what the route reads; the data
    manager keeps its own ``unknown_filter``."""
    project = new_project(client, team, "text_classification")
    headers = team.manager.headers
    reviews = f"/api/v1/projects/{project['id']}/reviews"
    assert client.get(f"{reviews}?decision=reject&limit=5", headers=headers).status_code == 200
    answer = client.get(f"{reviews}?decison=reject&limit=5", headers=headers)
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["detail"]
    assert (error["type"], error["loc"]) == ("unknown_parameter", ["query", "decison"])
    assert "decision, item_id, limit, offset, reviewer_id" in error["msg"]
    for url in (  # a route that reads no query at all, and one whose query is a model
        f"/api/v1/projects/{project['id']}?expand=all",
        "/api/v1/acceptance/plan?lot_size=500&aql=1.0&levle=II",
    ):
        answer = client.get(url, headers=headers)
        assert answer.status_code == 422, (url, answer.text)
        assert answer.json()["detail"][0]["type"] == "unknown_parameter"
    own = client.get(f"{items_url(project)}?stauts=done", headers=headers)
    assert own.status_code == 422
    assert own.json()["code"] == "unknown_filter"
