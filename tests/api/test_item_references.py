"""Template images for template-vs-test inspection: stored on import (``reference_image``) or
named in ``meta.reference_item``; members of the item's organization read them, nobody else."""

from __future__ import annotations

import base64
import io

from PIL import Image

from support.factories import new_project, new_team


def _png(color: tuple[int, int, int], size: tuple[int, int] = (32, 24)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _items(client, team, project):
    listed = client.get(f"/api/v1/projects/{project['id']}/items", headers=team.manager.headers)
    return {i["external_id"]: i["id"] for i in listed.json()["items"]}


def test_reference_on_import_and_by_meta_and_never_across_organizations(client):
    team = new_team(client, annotators=1)
    other = new_team(client, annotators=0)
    project = new_project(client, team, "image_polygons", gold_rate=0.0)
    elsewhere = new_project(client, other, "image_boxes", gold_rate=0.0)
    foreign = client.post(
        f"/api/v1/projects/{elsewhere['id']}/items",
        json={"items": [{"image_base64": _b64(_png((1, 2, 3))), "external_id": "theirs"}]},
        headers=other.manager.headers,
    )
    assert foreign.status_code == 201
    foreign_id = _items(client, other, elsewhere)["theirs"]

    template = _png((200, 200, 200))
    rows = [
        {
            "image_base64": _b64(_png((10, 10, 10))),
            "external_id": "test-1",
            "reference_image": "data:image/png;base64," + _b64(template),
        },
        {"image_base64": _b64(_png((20, 20, 20))), "external_id": "golden"},
        {
            "image_base64": _b64(_png((30, 30, 30))),
            "external_id": "test-2",
            "meta": {"reference_item": "golden"},
        },
        {
            "image_base64": _b64(_png((40, 40, 40))),
            "external_id": "test-3",
            "meta": {"reference_item": foreign_id},
        },
        {"image_base64": _b64(_png((50, 50, 50))), "external_id": "plain"},
        {
            "image_base64": _b64(_png((60, 60, 60))),
            "external_id": "broken",
            "reference_image": "data:image/png;base64," + _b64(b"not an image"),
        },
    ]
    imported = client.post(
        f"/api/v1/projects/{project['id']}/items",
        json={"items": rows},
        headers=team.manager.headers,
    )
    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert body["created"] == 5
    (error,) = body["errors"]
    assert error["row"] == 5 and error["loc"] == ["reference_image"]
    assert error["message"].startswith("reference_image: not an image")
    ids = _items(client, team, project)
    assert "broken" not in ids

    annotator = team.annotators[0]

    def reference(item_id, who=annotator):
        return client.get(f"/api/v1/items/{item_id}/reference", headers=who.headers)

    stored = reference(ids["test-1"])
    assert stored.status_code == 200 and stored.content == template
    assert stored.headers["content-type"] == "image/png"
    named = reference(ids["test-2"])
    media = client.get(f"/api/v1/items/{ids['golden']}/media", headers=annotator.headers)
    assert named.status_code == 200 and named.content == media.content
    # another organization's item named as the reference: 404, as if it did not exist
    refused = reference(ids["test-3"])
    assert refused.status_code == 404 and refused.json()["code"] == "no_reference"
    none = reference(ids["plain"])
    assert none.status_code == 404 and none.json()["code"] == "no_reference"
    # a member of another organization learns nothing about this item
    outsider = reference(ids["test-1"], other.manager)
    assert outsider.status_code == 404 and outsider.json()["code"] == "not_found"
    # and cannot read their own item's template through a foreign item id either
    assert reference(foreign_id).status_code == 404
