"""Serving media and thumbnails: same-org only, exact bytes, ETag and 304, worker thumbnails."""

from __future__ import annotations

import hashlib
import io
import time

from PIL import Image

from support.factories import new_project, new_team


def png(size=(120, 80), color=(30, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def import_one(client, team, project, name: str, data: bytes, media_type: str) -> dict:
    answer = client.post(
        f"/api/v1/projects/{project['id']}/items",
        files=[("files", (name, data, media_type))],
        headers=team.manager.headers,
    )
    assert answer.status_code == 201, answer.text
    items = client.get(
        f"/api/v1/projects/{project['id']}/items", headers=team.manager.headers
    ).json()["items"]
    return next(i for i in items if i["external_id"] == name)


def test_media_is_byte_identical_with_type_etag_and_cache_headers(client, team):
    project = new_project(client, team, "image_classification")
    data = png()
    jpeg = io.BytesIO()
    Image.new("RGB", (64, 64), "orange").save(jpeg, "JPEG")
    for name, payload, media_type in (
        ("p.png", data, "image/png"),
        ("j.jpg", jpeg.getvalue(), "image/jpeg"),
    ):
        item = import_one(client, team, project, name, payload, media_type)
        answer = client.get(item["media_url"], headers=team.annotators[0].headers)
        assert answer.status_code == 200
        assert answer.content == payload
        assert answer.headers["content-type"] == media_type
        etag = f'"{hashlib.sha256(payload).hexdigest()}"'
        assert answer.headers["etag"] == etag
        assert item["content_hash"] == hashlib.sha256(payload).hexdigest()
        assert answer.headers["cache-control"] == "private, max-age=86400"
        cached = client.get(
            item["media_url"], headers={**team.annotators[0].headers, "If-None-Match": etag}
        )
        assert cached.status_code == 304
        assert cached.content == b""
        assert cached.headers["etag"] == etag
        weak = client.get(
            item["media_url"], headers={**team.manager.headers, "If-None-Match": f'"x", W/{etag}'}
        )
        assert weak.status_code == 304
        stale = client.get(
            item["media_url"], headers={**team.manager.headers, "If-None-Match": '"x"'}
        )
        assert stale.status_code == 200


def test_media_of_another_organization_is_404_like_a_missing_item(client, team):
    project = new_project(client, team, "image_classification")
    item = import_one(client, team, project, "p.png", png(), "image/png")
    stranger = new_team(client, annotators=0)
    other = client.get(item["media_url"], headers=stranger.owner.headers)
    missing = client.get("/api/v1/items/99999999/media", headers=stranger.owner.headers)
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    thumb = client.get(item["thumbnail_url"], headers=stranger.owner.headers)
    assert thumb.status_code == 404
    assert client.get(item["media_url"]).status_code == 401


def test_text_items_have_no_media(client, team):
    project = new_project(client, team, "text_classification")
    client.post(
        f"/api/v1/projects/{project['id']}/items",
        json={"items": [{"text": "hello"}]},
        headers=team.manager.headers,
    )
    (item,) = client.get(
        f"/api/v1/projects/{project['id']}/items", headers=team.manager.headers
    ).json()["items"]
    assert item["media_url"] is None
    answer = client.get(f"/api/v1/items/{item['id']}/media", headers=team.manager.headers)
    assert answer.status_code == 404
    assert "text" in answer.json()["detail"]


def test_thumbnails_are_made_by_the_worker(client, team, worker):
    project = new_project(client, team, "image_boxes")
    item = import_one(client, team, project, "wide.png", png((1200, 400)), "image/png")
    url = f"/api/v1/projects/{project['id']}/items"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        (row,) = client.get(url, headers=team.manager.headers).json()["items"]
        if row["has_thumbnail"]:
            break
        time.sleep(0.2)
    assert row["has_thumbnail"], "the worker did not make the thumbnail within 60 s"
    answer = client.get(item["thumbnail_url"], headers=team.annotators[1].headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/webp"
    thumb = Image.open(io.BytesIO(answer.content))
    assert thumb.format == "WEBP"
    assert thumb.size == (320, 107)
    etag = answer.headers["etag"]
    assert etag == f'"{hashlib.sha256(answer.content).hexdigest()}"'
    again = client.get(
        item["thumbnail_url"], headers={**team.manager.headers, "If-None-Match": etag}
    )
    assert again.status_code == 304


def test_thumbnail_not_made_yet_is_made_on_request(client, team):
    project = new_project(client, team, "image_classification")
    item = import_one(client, team, project, "sq.png", png((500, 500)), "image/png")
    answer = client.get(item["thumbnail_url"], headers=team.manager.headers)
    assert answer.status_code == 200
    assert Image.open(io.BytesIO(answer.content)).size == (320, 320)


def test_a_broker_failure_after_commit_keeps_the_media(client, team, monkeypatch):
    from backend.items import importer

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(importer, "enqueue", broker_down)
    project = new_project(client, team, "image_classification")
    data = png((30, 30))
    item = import_one(client, team, project, "kept.png", data, "image/png")
    assert client.get(item["media_url"], headers=team.manager.headers).content == data
    thumb = client.get(item["thumbnail_url"], headers=team.manager.headers)
    assert thumb.status_code == 200
