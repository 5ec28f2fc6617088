"""The version endpoints: who may call them, what they accept, numbering, listing, download."""

from __future__ import annotations

import hashlib
import io
import zipfile

from sqlmodel import Session

from backend.db import get_engine
from backend.exports.models import DatasetVersion
from support.export_seed import add_item, annotate, build_now, create_version, download
from support.factories import new_project, new_team


def _text_project(client, team, n=4):
    project = new_project(client, team, "text_classification")
    for i in range(n):
        item = add_item(project, text=f"motor {i} overheats", external_id=f"t{i}")
        annotate(project, item, team.annotators[0].id, {"label": "electrical_fault"})
    return project


def test_create_answers_202_with_the_next_number_and_queued(client, team):
    project = _text_project(client, team)
    first = create_version(client, project, team.manager.headers, format="jsonl")
    second = create_version(client, project, team.owner.headers, format="csv", seed=7)
    assert (first["number"], second["number"]) == (1, 2)
    assert first["status"] in ("queued", "building", "ready")
    assert first["params"]["watermark"]["item_id"] > 0
    assert second["params"]["seed"] == 7


def test_only_owners_and_managers_create(client, team):
    project = _text_project(client, team, n=1)
    url = f"/api/v1/projects/{project['id']}/versions"
    for account in (team.reviewer, team.annotators[0]):
        answer = client.post(url, json={"format": "jsonl"}, headers=account.headers)
        assert answer.status_code == 403, answer.text
    assert client.post(url, json={"format": "jsonl"}).status_code == 401


def test_invalid_requests_name_the_field(client, team):
    project = _text_project(client, team, n=1)
    url = f"/api/v1/projects/{project['id']}/versions"
    cases = [
        ({"format": "coco"}, "format"),
        ({"format": "nope"}, "format"),
        ({"format": "jsonl", "split": {"train": 0.5, "val": 0.2}}, "split"),
        ({"format": "jsonl", "min_confidence": 1.5}, "min_confidence"),
        ({"format": "jsonl", "source": "everything"}, "source"),
    ]
    for body, field in cases:
        answer = client.post(url, json=body, headers=team.manager.headers)
        assert answer.status_code == 422, (body, answer.text)
        assert field in answer.json()["detail"][0]["loc"], answer.text
    boxes = new_project(client, team, "image_boxes")
    answer = client.post(
        f"/api/v1/projects/{boxes['id']}/versions",
        json={"format": "yolo", "source": "raw"},
        headers=team.manager.headers,
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "source"]


def test_another_organizations_version_is_404_everywhere(client, team):
    project = _text_project(client, team, n=2)
    version = create_version(client, project, team.manager.headers, format="jsonl")
    build_now(client, version["id"], team.manager.headers)
    mine = create_version(client, project, team.manager.headers, format="csv")
    build_now(client, mine["id"], team.manager.headers)
    stranger = new_team(client, annotators=0)
    vid = version["id"]
    for path in (
        f"/api/v1/versions/{vid}",
        f"/api/v1/versions/{vid}/download",
        f"/api/v1/versions/{vid}/diff/{mine['id']}",
        f"/api/v1/projects/{project['id']}/versions",
        "/api/v1/versions/999999999",
    ):
        answer = client.get(path, headers=stranger.owner.headers)
        assert answer.status_code == 404, (path, answer.text)
    answer = client.post(
        f"/api/v1/projects/{project['id']}/versions",
        json={"format": "jsonl"},
        headers=stranger.owner.headers,
    )
    assert answer.status_code == 404
    # an annotator of the same organization is told it is the wrong role
    answer = client.get(f"/api/v1/versions/{vid}", headers=team.annotators[0].headers)
    assert answer.status_code == 403


def test_download_is_409_until_ready_then_the_zip_with_its_sha256_as_etag(client, team):
    project = _text_project(client, team, n=3)
    with Session(get_engine()) as session:  # a version whose build has not run yet
        pending = DatasetVersion(
            project_id=project["id"], org_id=project["org_id"], number=99, format="jsonl"
        )
        session.add(pending)
        session.commit()
        pending_id = pending.id
    answer = client.get(f"/api/v1/versions/{pending_id}/download", headers=team.manager.headers)
    assert answer.status_code == 409

    version = create_version(client, project, team.manager.headers, format="jsonl")
    ready = build_now(client, version["id"], team.manager.headers)
    answer = client.get(f"/api/v1/versions/{version['id']}/download", headers=team.reviewer.headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    digest = hashlib.sha256(answer.content).hexdigest()
    assert answer.headers["etag"] == f'"{digest}"' == f'"{ready["sha256"]}"'
    assert ready["size_bytes"] == len(answer.content)
    assert zipfile.ZipFile(io.BytesIO(answer.content)).testzip() is None
    again = client.get(
        f"/api/v1/versions/{version['id']}/download",
        headers={**team.reviewer.headers, "If-None-Match": answer.headers["etag"]},
    )
    assert again.status_code == 304


def test_versions_are_listed_newest_first_with_the_total(client, team):
    project = _text_project(client, team, n=1)
    for _ in range(3):
        create_version(client, project, team.manager.headers, format="jsonl")
    answer = client.get(
        f"/api/v1/projects/{project['id']}/versions?limit=2", headers=team.reviewer.headers
    )
    assert answer.status_code == 200
    assert answer.headers["x-total-count"] == "3"
    assert [v["number"] for v in answer.json()] == [3, 2]


def test_the_version_answer_has_progress_counts_and_manifest(client, team):
    project = _text_project(client, team, n=4)
    version = create_version(client, project, team.manager.headers, format="jsonl")
    ready = build_now(client, version["id"], team.manager.headers)
    assert ready["progress"] == 1.0
    assert ready["counts"]["items"] == {"train": 4}
    assert ready["manifest"]["counts"]["labels"]["train"] == {"electrical_fault": 4}
    assert ready["manifest"]["time"] == ready["manifest"]["version"]["created_at"]
    files = zipfile.ZipFile(io.BytesIO(download(client, version["id"], team.manager.headers)))
    assert {"README.md", "manifest.json", "index.jsonl", "train.jsonl"} <= set(files.namelist())
