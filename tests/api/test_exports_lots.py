"""Versions limited to accepted lots, and the acceptance record (验收) in manifest and data card.
On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from support.export_seed import build_now, create_version, download
from support.factories import new_project
from support.lot_flow import inspect_all
from support.lot_seed import finished_items
from support.review_flow import label_all, recompute, review_next, verdict
from support.seed import seed_items

pytestmark = pytest.mark.usefixtures("client")


def _judged_lot(client, team, project, item_ids, *, defects: int) -> dict:
    """A lot of ``item_ids`` (10 items: 100 % inspection, Ac 0 at AQL 1.0)."""
    made = client.post(
        f"/api/v1/projects/{project['id']}/lots",
        json={"item_ids": item_ids, "aql": "1.0"},
        headers=team.manager.headers,
    )
    assert made.status_code == 201, made.text
    lot = made.json()
    inspect_all(
        client, lot["id"], team.reviewer, decide=lambda p: "reject" if p < defects else "accept"
    )
    return client.get(f"/api/v1/lots/{lot['id']}", headers=team.manager.headers).json()


def _zip(client, version_id, headers) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(download(client, version_id, headers)))


def _ids(archive: zipfile.ZipFile) -> set[int]:
    found = set()
    for name in archive.namelist():
        if name.endswith(".jsonl") and name != "index.jsonl":
            found |= {json.loads(line)["id"] for line in archive.read(name).decode().splitlines()}
    return found


def test_a_version_limited_to_accepted_lots_holds_only_their_items(client, team):
    project = new_project(client, team, "text_classification")
    ids = finished_items(project, 30, [a.id for a in team.annotators])
    accepted = _judged_lot(client, team, project, ids[:10], defects=0)
    rejected = _judged_lot(client, team, project, ids[10:20], defects=1)
    assert (accepted["status"], rejected["status"]) == ("accepted", "rejected")
    headers = team.manager.headers

    limited = create_version(client, project, headers, format="jsonl", only_accepted_lots=True)
    limited = build_now(client, limited["id"], headers)
    everything = create_version(client, project, headers, format="jsonl")
    everything = build_now(client, everything["id"], headers)

    with _zip(client, limited["id"], headers) as archive:
        assert _ids(archive) == set(ids[:10])
        manifest = json.loads(archive.read("manifest.json"))
        card = archive.read("README.md").decode()
    with _zip(client, everything["id"], headers) as archive:
        assert _ids(archive) == set(ids)
        full_manifest = json.loads(archive.read("manifest.json"))

    assert manifest["filter"]["only_accepted_lots"] is True
    assert manifest["filter"]["accepted_lots"] == [accepted["id"]]
    record = manifest["quality_checks"]["acceptance"]
    assert (record["lots_accepted"], record["lots_rejected"], record["lots_inspecting"]) == (
        1,
        1,
        0,
    )
    assert record["items_in_accepted_lots"] == 10
    assert record["standard"].startswith("ISO 2859-1")
    shown = {lot["id"]: lot for lot in record["lots"]}
    assert shown[rejected["id"]] | {"decided_at": None} == {
        "id": rejected["id"],
        "size": 10,
        "status": "rejected",
        "round": 1,
        "level": "II",
        "aql": "1.0",
        "severity": "normal",
        "code_letter": "E",
        "sample_size": 10,
        "accept": 0,
        "reject": 1,
        "inspected": 10,
        "defects": 1,
        "decided_at": None,
    }
    assert full_manifest["quality_checks"] == manifest["quality_checks"]
    assert full_manifest["filter"]["only_accepted_lots"] is False
    assert "## How it was checked" in card
    assert "1 lots accepted, 1 rejected" in card
    assert f"| {rejected['id']} | 10 | rejected | 1 | II | 1.0 | normal | E | 10 | 0 | 1 |" in card
    assert "only the items of the accepted lots" in card


def test_a_lot_accepted_after_the_version_was_made_does_not_change_it(client, team):
    project = new_project(client, team, "text_classification")
    ids = finished_items(project, 20, [team.annotators[0].id])
    _judged_lot(client, team, project, ids[:10], defects=0)
    headers = team.manager.headers
    version = create_version(client, project, headers, format="jsonl", only_accepted_lots=True)
    _judged_lot(client, team, project, ids[10:], defects=0)  # accepted before the build runs
    version = build_now(client, version["id"], headers)
    with _zip(client, version["id"], headers) as archive:
        assert _ids(archive) == set(ids[:10])


def test_a_version_limited_to_reviewed_items_and_the_review_record(client, team):
    """Reviewed: accept and fix are in (the fix's answer is the reviewer's), a reject is not."""
    project = new_project(
        client,
        team,
        "text_classification",
        gold_rate=0.0,
        overlap=1,
        max_overlap=1,
        review_mode="all",
    )
    seed_items(project_id=project["id"], count=4)
    label_all(client, team.annotators[0], project["id"], lambda _i, _lease: {"label": "other"})
    recompute(project["id"])
    judged = {}
    for decision in ("accept", "fix", "reject"):
        lease = review_next(client, team.reviewer, project["id"]).json()
        body = {"decision": decision}
        if decision == "fix":
            body["result"] = {"label": "mechanical_wear"}
        assert verdict(client, team.reviewer, lease["review_id"], **body).status_code == 201
        judged[decision] = lease["item"]["id"]
    headers = team.manager.headers
    version = create_version(client, project, headers, format="jsonl", only_reviewed=True)
    version = build_now(client, version["id"], headers)
    with _zip(client, version["id"], headers) as archive:
        labels = {}
        for name in archive.namelist():
            if name.endswith(".jsonl") and name != "index.jsonl":
                for line in archive.read(name).decode().splitlines():
                    row = json.loads(line)
                    labels[row["id"]] = row["label"]
        manifest = json.loads(archive.read("manifest.json"))
        card = archive.read("README.md").decode()
    assert labels == {judged["accept"]: "other", judged["fix"]: "mechanical_wear"}
    review = manifest["quality_checks"]["review"]
    assert (review["items"], review["items_reviewed"], review["share_reviewed"]) == (4, 3, 0.75)
    assert review["decisions"]["review"] == {"accept": 1, "fix": 1, "reject": 1}
    assert manifest["filter"]["only_reviewed"] is True
    assert "3 of 4 items reviewed (75.0%)" in card
