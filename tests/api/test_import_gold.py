"""Gold answers: validated like results, upserted, listed for staff only."""

from __future__ import annotations

import base64
import io

from PIL import Image

from support.factories import new_project, new_team


def gold_url(project: dict) -> str:
    return f"/api/v1/projects/{project['id']}/gold"


def import_texts(client, team, project, texts: dict[str, str]) -> dict[str, int]:
    body = {"items": [{"text": t, "external_id": e} for e, t in texts.items()]}
    answer = client.post(
        f"/api/v1/projects/{project['id']}/items", json=body, headers=team.manager.headers
    )
    assert answer.status_code == 201, answer.text
    listing = client.get(
        f"/api/v1/projects/{project['id']}/items", headers=team.manager.headers
    ).json()["items"]
    return {i["external_id"]: i["id"] for i in listing}


def test_gold_by_external_id_and_item_id_then_update(client, team):
    project = new_project(client, team, "text_classification")
    ids = import_texts(client, team, project, {"a": "Motor hums", "b": "Oil on floor"})
    body = {
        "items": [
            {"external_id": "a", "answer": {"label": "electrical_fault"}},
            {"item_id": ids["b"], "answer": {"label": "other"}},
        ]
    }
    answer = client.post(gold_url(project), json=body, headers=team.manager.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"created": 2, "updated": 0, "errors": []}

    update = {"items": [{"external_id": "b", "answer": {"label": "mechanical_wear"}}]}
    again = client.post(gold_url(project), json=update, headers=team.owner.headers)
    assert again.json() == {"created": 0, "updated": 1, "errors": []}

    listing = client.get(gold_url(project), headers=team.reviewer.headers)
    assert listing.status_code == 200
    assert listing.headers["x-total-count"] == "2"
    answers = {g["external_id"]: g["answer"] for g in listing.json()}
    assert answers == {"a": {"label": "electrical_fault"}, "b": {"label": "mechanical_wear"}}
    items = client.get(
        f"/api/v1/projects/{project['id']}/items?gold=true", headers=team.manager.headers
    )
    assert sorted(i["id"] for i in items.json()["items"]) == sorted(ids.values())


def test_unknown_label_in_gold_names_row_and_field_and_changes_nothing(client, team):
    project = new_project(client, team, "text_classification")
    import_texts(client, team, project, {"a": "Motor hums"})
    body = {"items": [{"external_id": "a", "answer": {"label": "alien"}}]}
    answer = client.post(gold_url(project), json=body, headers=team.manager.headers)
    assert answer.status_code == 422
    error = answer.json()["detail"][0]
    assert error["row"] == 0
    assert error["loc"] == ["body", "items", 0, "answer", "label"]
    assert "'alien'" in error["msg"]
    assert client.get(gold_url(project), headers=team.manager.headers).json() == []
    listing = client.get(f"/api/v1/projects/{project['id']}/items", headers=team.manager.headers)
    assert [i["is_gold"] for i in listing.json()["items"]] == [False]


def test_gold_box_outside_the_image_and_unknown_item_are_row_errors(client, team):
    project = new_project(client, team, "image_boxes")
    buffer = io.BytesIO()
    Image.new("RGB", (50, 40), "gray").save(buffer, "PNG")
    body = {
        "items": [
            {"image_base64": base64.b64encode(buffer.getvalue()).decode(), "external_id": "p"}
        ]
    }
    client.post(f"/api/v1/projects/{project['id']}/items", json=body, headers=team.manager.headers)
    box = {"label": "dent", "x": 40, "y": 5, "w": 20, "h": 5}
    gold = {
        "items": [
            {"external_id": "p", "answer": {"boxes": [box]}},
            {"external_id": "ghost", "answer": {"boxes": []}},
            {"external_id": "p", "answer": {"boxes": [{**box, "x": 1}]}},
        ]
    }
    answer = client.post(gold_url(project), json=gold, headers=team.manager.headers)
    assert answer.status_code == 200
    result = answer.json()
    assert result["created"] == 1
    errors = {e["row"]: e for e in result["errors"]}
    assert errors[0]["loc"] == ["answer", "boxes", 0, "w"]
    assert "past the image width 50" in errors[0]["message"]
    assert errors[1]["loc"] == ["external_id"]


def test_gold_is_for_managers_and_stays_in_the_organization(client, team):
    project = new_project(client, team, "text_classification")
    import_texts(client, team, project, {"a": "Motor hums"})
    body = {"items": [{"external_id": "a", "answer": {"label": "other"}}]}
    annotator = team.annotators[0]
    assert client.post(gold_url(project), json=body, headers=annotator.headers).status_code == 403
    assert client.get(gold_url(project), headers=annotator.headers).status_code == 403
    stranger = new_team(client, annotators=0)
    assert (
        client.post(gold_url(project), json=body, headers=stranger.owner.headers).status_code == 404
    )
    assert client.get(gold_url(project), headers=stranger.owner.headers).status_code == 404
    both = {"items": [{"external_id": "a", "item_id": 1, "answer": {"label": "other"}}]}
    shape = client.post(gold_url(project), json=both, headers=team.manager.headers)
    assert shape.status_code == 422
