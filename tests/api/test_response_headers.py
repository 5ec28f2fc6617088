"""Every answer carries ``X-Request-ID`` and the security headers (issue 23, SPEC "Operations")."""

from __future__ import annotations

import base64
import hashlib
import io
import re

import pytest
from PIL import Image

from support.factories import new_project

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _assert_secured(answer) -> None:
    for name, value in EXPECTED.items():
        assert answer.headers[name] == value, (answer.request.url, name)
    policy = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"])


def test_api_ui_static_error_and_media_answers_are_all_secured(client, team) -> None:
    project = new_project(client, team, "image_classification")
    imported = client.post(
        f"/api/v1/projects/{project['id']}/items",
        files=[("files", ("p.png", _png(), "image/png"))],
        headers=team.manager.headers,
    )
    assert imported.status_code == 201, imported.text
    media_url = next(
        row["media_url"]
        for row in _item_rows(client, team, project["id"])
        if row["external_id"] == "p.png"
    )
    answers = {
        "api": client.get("/api/v1/me", headers=team.owner.headers),
        "error": client.get("/api/v1/projects/999999", headers=team.owner.headers),
        "unauthenticated": client.get("/api/v1/me"),
        "ui page": client.get("/"),
        "ui script": client.get("/js/main.js"),
        "health": client.get("/healthz"),
        "media": client.get(media_url, headers=team.annotators[0].headers),
    }
    statuses = [answer.status_code for answer in answers.values()]
    assert statuses == [200, 404, 401, 200, 200, 200, 200]
    for answer in answers.values():
        _assert_secured(answer)
    assert answers["media"].headers["content-type"] == "image/png"


def _item_rows(client, team, project_id: int) -> list[dict]:
    body = client.get(f"/api/v1/projects/{project_id}/items", headers=team.manager.headers).json()
    return body["items"] if isinstance(body, dict) else body


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("req-2026.12.06:abc_DEF-1", True),
        ("has space", False),
        ("<script>", False),
        ("x" * 129, False),
    ],
)
def test_a_request_id_is_kept_only_when_it_looks_like_one(client, sent, kept) -> None:
    answer = client.get("/healthz", headers={"X-Request-ID": sent})
    if kept:
        assert answer.headers["x-request-id"] == sent
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"])


def test_each_request_gets_its_own_id(client) -> None:
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_the_docs_page_admits_exactly_its_own_inline_script_by_hash(client) -> None:
    answer = client.get("/docs")
    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    inline = re.findall(r"<script>(.*?)</script>", answer.text, re.DOTALL)
    assert inline, "Swagger UI starts from an inline script"
    for code in inline:
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_bytes_that_are_not_an_image_never_become_media(client, team) -> None:
    project = new_project(client, team, "image_classification")
    for name, payload, claimed in (
        ("evil.png", b"<html><script>alert(1)</script></html>", "image/png"),
        (
            "evil.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "image/svg+xml",
        ),
    ):
        answer = client.post(
            f"/api/v1/projects/{project['id']}/items",
            files=[("files", (name, payload, claimed))],
            headers=team.manager.headers,
        )
        assert answer.status_code in (413, 422), answer.text
    assert _item_rows(client, team, project["id"]) == []


def test_a_stored_type_outside_the_image_list_is_served_as_a_download(tmp_path) -> None:
    from starlette.requests import Request

    from backend.items.responses import media_response

    stored = tmp_path / "blob.bin"
    stored.write_bytes(b"<html>hi</html>")
    request = Request({"type": "http", "method": "GET", "headers": [], "path": "/"})
    answer = media_response(request, path=stored, sha256="ab", media_type="text/html")
    assert answer.media_type == "application/octet-stream"
    assert answer.headers["content-disposition"] == 'attachment; filename="blob.bin"'
