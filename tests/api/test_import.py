"""Importing texts (JSON, CSV, JSONL): row errors, duplicates, limits, access, import root."""

from __future__ import annotations

import json
import os

import pytest
from sqlmodel import Session, select

from backend.db import get_engine
from backend.items.models import Item
from backend.settings import get_settings
from support.factories import new_project, new_team


def items_url(project: dict) -> str:
    return f"/api/v1/projects/{project['id']}/items"


def count_items(project: dict) -> int:
    with Session(get_engine()) as session:
        return len(session.exec(select(Item.id).where(Item.project_id == project["id"])).all())


def csv_upload(content: str, name: str = "texts.csv") -> list:
    return [("files", (name, content.encode("utf-8"), "text/csv"))]


def test_json_texts_import_and_duplicates(client, team):
    project = new_project(client, team, "text_classification", overlap=4)
    body = {
        "items": [
            {"text": "\ufeffMotor M3 overheats", "external_id": "wo-1", "meta": {"line": 3}},
            {"text": "左侧轴承异响", "priority": 2.5},
            {"text": "Motor M3 overheats\n"},  # same text: a duplicate inside the batch
        ]
    }
    answer = client.post(items_url(project), json=body, headers=team.manager.headers)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"created": 2, "duplicates": 1, "errors": []}

    again = client.post(items_url(project), json=body, headers=team.owner.headers)
    assert again.status_code == 201
    assert again.json() == {"created": 0, "duplicates": 3, "errors": []}

    with Session(get_engine()) as session:
        rows = session.exec(select(Item).where(Item.project_id == project["id"])).all()
    assert len(rows) == 2
    first = next(r for r in rows if r.external_id == "wo-1")
    assert first.text == "Motor M3 overheats"  # BOM gone
    assert first.meta == {"line": 3}
    assert {r.org_id for r in rows} == {team.org_id}
    assert {r.wanted for r in rows} == {4}
    assert {r.annotation_count for r in rows} == {0}
    assert all(0 <= r.random_key < 2**63 for r in rows)
    assert len({r.random_key for r in rows}) == 2

    listing = client.get(items_url(project), headers=team.reviewer.headers)
    assert listing.status_code == 200
    assert len(listing.json()["items"]) == 2 and listing.json()["next_cursor"] is None
    assert {i["priority"] for i in listing.json()["items"]} == {0.0, 2.5}


def test_over_long_text_is_refused_with_the_reason(client, team):
    project = new_project(client, team, "text_classification")
    limit = get_settings().max_text_chars
    answer = client.post(
        items_url(project),
        json={"items": [{"text": "x" * (limit + 1)}]},
        headers=team.manager.headers,
    )
    assert answer.status_code == 413
    detail = answer.json()["detail"]
    assert detail[0]["loc"] == ["body", "items", 0, "text"]
    assert "longer than the limit" in detail[0]["msg"]
    assert count_items(project) == 0


def test_empty_text_and_one_bad_row_among_good_ones(client, team):
    project = new_project(client, team, "text_classification")
    body = {"items": [{"text": "good one"}, {"text": "   "}, {"text": "good two"}]}
    answer = client.post(items_url(project), json=body, headers=team.manager.headers)
    assert answer.status_code == 201
    result = answer.json()
    assert result["created"] == 2
    assert result["errors"] == [
        {
            "row": 1,
            "message": "text is empty",
            "source": None,
            "loc": ["text"],
            "code": "text_empty",
        }
    ]


def test_unknown_label_in_prelabel_names_it_and_stores_nothing(client, team):
    project = new_project(client, team, "text_spans")
    body = {
        "items": [
            {
                "text": "Replace bearing B2 on press 4",
                "prelabel": {"spans": [{"label": "WIDGET", "start": 8, "end": 18}]},
            }
        ]
    }
    answer = client.post(items_url(project), json=body, headers=team.manager.headers)
    assert answer.status_code == 422
    error = answer.json()["detail"][0]
    assert error["loc"] == ["body", "items", 0, "prelabel", "spans", 0, "label"]
    assert "'WIDGET'" in error["msg"]
    assert count_items(project) == 0


def test_valid_prelabel_is_stored(client, team):
    project = new_project(client, team, "text_spans")
    prelabel = {"spans": [{"label": "PART", "start": 8, "end": 18}]}
    body = {"items": [{"text": "Replace bearing B2 on press 4", "prelabel": prelabel}]}
    answer = client.post(items_url(project), json=body, headers=team.manager.headers)
    assert answer.status_code == 201, answer.text
    listing = client.get(items_url(project), headers=team.manager.headers).json()["items"]
    assert listing[0]["prelabel"] == prelabel


def test_prelabel_span_past_the_text_is_refused(client, team):
    project = new_project(client, team, "text_spans")
    body = {
        "items": [
            {"text": "short", "prelabel": {"spans": [{"label": "PART", "start": 0, "end": 9}]}}
        ]
    }
    answer = client.post(items_url(project), json=body, headers=team.manager.headers)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-2:] == [0, "end"]


def test_csv_of_texts_with_extra_columns_in_meta(client, team):
    project = new_project(client, team, "text_classification")
    content = (
        "text,external_id,priority,prelabel,plant\n"
        'Pump leaks oil,wo-7,1,"{""label"": ""other""}",Suzhou\n'
        "传感器校准失败,wo-8,,,天津\n"
    )
    answer = client.post(
        items_url(project), files=csv_upload(content), headers=team.manager.headers
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["created"] == 2
    rows = {
        i["external_id"]: i
        for i in client.get(items_url(project), headers=team.manager.headers).json()["items"]
    }
    assert rows["wo-7"]["meta"] == {"plant": "Suzhou"}
    assert rows["wo-7"]["prelabel"] == {"label": "other"}
    assert rows["wo-7"]["priority"] == 1.0
    assert rows["wo-8"]["text_preview"] == "传感器校准失败"


def test_csv_missing_its_text_column_is_refused(client, team):
    project = new_project(client, team, "text_classification")
    content = "body,external_id\nPump leaks oil,wo-7\n"
    answer = client.post(
        items_url(project), files=csv_upload(content), headers=team.manager.headers
    )
    assert answer.status_code == 422
    error = answer.json()["detail"][0]
    assert "no 'text' column" in error["msg"]
    assert error["loc"][-1] == "text"
    assert error["source"] == "texts.csv"
    assert count_items(project) == 0


def test_csv_not_utf8_says_so(client, team):
    project = new_project(client, team, "text_classification")
    files = [("files", ("gbk.csv", "text\n电机过热\n".encode("gbk"), "text/csv"))]
    answer = client.post(items_url(project), files=files, headers=team.manager.headers)
    assert answer.status_code == 422
    assert "not UTF-8" in answer.json()["detail"][0]["msg"]
    assert count_items(project) == 0


def test_jsonl_with_a_bad_line_imports_the_rest(client, team):
    project = new_project(client, team, "text_classification")
    lines = [
        json.dumps({"text": "Conveyor belt torn", "external_id": "a"}),
        "{not json",
        json.dumps({"txt": "no text field"}),
        json.dumps({"text": "Valve stuck", "prelabel": {"label": "nope"}}),
        json.dumps({"text": "Valve stuck open", "shift": "night"}),
    ]
    files = [("files", ("logs.jsonl", "\n".join(lines).encode(), "application/x-ndjson"))]
    answer = client.post(items_url(project), files=files, headers=team.manager.headers)
    assert answer.status_code == 201, answer.text
    result = answer.json()
    assert result["created"] == 2
    assert [e["source"] for e in result["errors"]] == [
        "logs.jsonl:line 2",
        "logs.jsonl:line 3",
        "logs.jsonl:line 4",
    ]
    assert "'nope'" in result["errors"][2]["message"]
    shifts = [
        i["meta"]
        for i in client.get(items_url(project), headers=team.manager.headers).json()["items"]
    ]
    assert {"shift": "night"} in shifts


def test_text_into_an_image_project_is_a_row_error(client, team):
    project = new_project(client, team, "image_classification")
    answer = client.post(
        items_url(project), json={"items": [{"text": "hello"}]}, headers=team.manager.headers
    )
    assert answer.status_code == 422
    assert "image_classification" in answer.json()["detail"][0]["msg"]
    assert count_items(project) == 0


def test_wrong_shape_is_refused_whole_naming_the_field(client, team):
    project = new_project(client, team, "text_classification")
    answer = client.post(
        items_url(project),
        json={"items": [{"text": "a"}, {"text": "b", "image_base64": "AAAA"}]},
        headers=team.manager.headers,
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][:3] == ["body", "items", 1]
    assert count_items(project) == 0
    plain = client.post(
        items_url(project),
        content=b"text",
        headers={**team.manager.headers, "content-type": "text/plain"},
    )
    assert plain.status_code == 415


def test_another_organizations_project_is_404_and_roles_are_checked(client, team):
    project = new_project(client, team, "text_classification")
    stranger = new_team(client, annotators=0)
    body = {"items": [{"text": "intruder"}]}
    answer = client.post(items_url(project), json=body, headers=stranger.owner.headers)
    assert answer.status_code == 404
    missing = client.post(
        "/api/v1/projects/999999/items", json=body, headers=stranger.owner.headers
    )
    assert missing.json() == answer.json()
    listing = client.get(items_url(project), headers=stranger.owner.headers)
    assert listing.status_code == 404
    assert (
        client.post(items_url(project), json=body, headers=team.annotators[0].headers).status_code
        == 403
    )
    assert (
        client.post(items_url(project), json=body, headers=team.reviewer.headers).status_code == 403
    )
    assert client.get(items_url(project), headers=team.annotators[0].headers).status_code == 403
    assert client.post(items_url(project), json=body).status_code == 401
    assert count_items(project) == 0


def test_too_many_items_and_too_large_a_body_are_413(client, team, monkeypatch):
    project = new_project(client, team, "text_classification")
    settings = get_settings()
    monkeypatch.setattr(settings, "max_items_per_request", 3)
    body = {"items": [{"text": f"t{i}"} for i in range(4)]}
    answer = client.post(items_url(project), json=body, headers=team.manager.headers)
    assert answer.status_code == 413
    assert "at most 3" in answer.json()["detail"]
    csv_rows = "text\n" + "".join(f"line {i}\n" for i in range(4))
    upload = client.post(
        items_url(project), files=csv_upload(csv_rows), headers=team.manager.headers
    )
    assert upload.status_code == 413
    assert "more than 3 items" in upload.json()["detail"]
    monkeypatch.setattr(settings, "max_request_bytes", 100)
    big = client.post(
        items_url(project), json={"items": [{"text": "y" * 200}]}, headers=team.manager.headers
    )
    assert big.status_code == 413
    assert "JINBIAO_MAX_REQUEST_BYTES" in big.json()["detail"]

    def chunks():  # no Content-Length: counted while streaming
        yield b'{"items": [{"text": "'
        yield b"z" * 500
        yield b'"}]}'

    streamed = client.post(
        items_url(project),
        content=chunks(),
        headers={**team.manager.headers, "content-type": "application/json"},
    )
    assert streamed.status_code == 413
    assert count_items(project) == 0


def test_image_path_must_stay_under_the_import_root(client, team, tmp_path):
    from PIL import Image

    root = get_settings().import_root
    assert root is not None
    project = new_project(client, team, "image_classification")
    inside = root / f"t{project['id']}"
    inside.mkdir()
    Image.new("RGB", (12, 8), "navy").save(inside / "ok.png")
    outside = tmp_path / "secret.png"
    Image.new("RGB", (5, 5), "red").save(outside)
    os.symlink(outside, inside / "link.png")
    names = [
        f"t{project['id']}/ok.png",
        "../secret.png",
        str(outside),
        f"t{project['id']}/link.png",
    ]
    body = {"items": [{"image_path": name} for name in names] + [{"image_path": "nope.png"}]}
    answer = client.post(items_url(project), json=body, headers=team.manager.headers)
    assert answer.status_code == 201, answer.text
    result = answer.json()
    assert result["created"] == 1
    messages = {e["row"]: e["message"] for e in result["errors"]}
    assert set(messages) == {1, 2, 3, 4}
    assert all("inside the server's import root" in messages[i] for i in (1, 2, 3))
    assert "no such file" in messages[4]
    (item,) = client.get(items_url(project), headers=team.manager.headers).json()["items"]
    assert (item["width"], item["height"], item["external_id"]) == (12, 8, names[0])


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_owner_and_manager_may_import(client, team, role):
    project = new_project(client, team, "text_classification")
    account = getattr(team, role)
    answer = client.post(
        items_url(project), json={"items": [{"text": role}]}, headers=account.headers
    )
    assert answer.status_code == 201
