"""A kind registered from the test suite flows through import, next, submit, consensus and a
JSONL export, with no file of the platform knowing it: the registry is the only place a kind
lives. The kind (``support.rating_kind``) rates a text from 1 to 5; its consensus is the median.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile

import krippendorff
import pytest
from PIL import Image

from backend.exports.formats import FORMATS, formats_for
from backend.kinds import BUILT_IN_KINDS, KINDS, register_kind, unregister_kind
from support.export_seed import build_now, download, queued_version
from support.factories import new_project, new_team
from support.rating_kind import TEXT_RATING

TEXTS = {
    "g": "Pump seal replaced, no leak.",
    "t1": "Bearing noise at 3000 rpm.",
    "t2": "Conveyor stopped twice in one shift.",
    "t3": "Operator wiped the camera lens.",
}
GOLD = {"rating": 4}
PRELABELS = {TEXTS["t3"]: {"rating": 3}}
# Each annotator's ratings by item; the gold item comes first (qualification_count=1).
RATINGS = [
    {"g": 4, "t1": 5, "t2": 1, "t3": 3},
    {"g": 3, "t1": 5, "t2": 2, "t3": 3},
    {"g": 2, "t1": 4, "t2": 5, "t3": 3},
]


@pytest.fixture
def rating_kind():
    register_kind(TEXT_RATING)
    yield TEXT_RATING
    unregister_kind(TEXT_RATING.name)


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "gray").save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _import(client, team, project, rows):
    answer = client.post(
        f"/api/v1/projects/{project['id']}/items",
        json={"items": rows},
        headers=team.manager.headers,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def _annotate(client, who, project_id, ratings_by_text):
    """next -> submit until nothing is left; the gold feedback received, in order."""
    feedback = []
    while True:
        lease = client.post(f"/api/v1/projects/{project_id}/next", headers=who.headers)
        if lease.status_code == 204:
            return feedback
        assert lease.status_code == 200, lease.text
        body = lease.json()
        assert body["item"]["kind"] == "text_rating"
        # next answers {result, score, model_version}; an imported pre-label has no model
        prelabel = body.get("prelabel") or {}
        assert prelabel.get("result") == PRELABELS.get(body["item"]["text"])
        assert prelabel.get("model_version") is None
        rating = ratings_by_text[body["item"]["text"]]
        answer = client.post(
            f"/api/v1/assignments/{body['assignment_id']}/submit",
            json={"result": {"rating": rating}, "duration_ms": 900},
            headers=who.headers,
        )
        assert answer.status_code == 201, answer.text
        if "gold_feedback" in answer.json():
            feedback.append(answer.json()["gold_feedback"])


def test_an_unregistered_kind_is_refused_by_the_project_schema(client, team):
    body = {"name": "p", "kind": "text_rating", "labels": [{"name": "score"}]}
    answer = client.post(
        f"/api/v1/orgs/{team.org_id}/projects", json=body, headers=team.manager.headers
    )
    assert answer.status_code == 422
    error = answer.json()["detail"][0]
    assert error["loc"] == ["body", "kind"]
    assert "unknown kind 'text_rating'" in error["msg"]


def test_a_kind_of_the_test_suite_from_import_to_export(client, rating_kind):
    from workers.tasks.quality import recompute_project

    team = new_team(client, annotators=3)
    listed = client.get("/api/v1/kinds", headers=team.annotators[0].headers).json()
    rating = {
        "name": "text_rating",
        "media": "text",
        "tool": "rating",
        "formats": ["raw_jsonl"],
        "whole_label": False,  # a rating holds no label: nothing to map when one is removed
        "mark_rate": None,  # paid per item
    }
    assert rating in listed
    project = new_project(
        client,
        team,
        "text_rating",
        labels=[{"name": "score"}],
        overlap=3,
        gold_rate=0.0,
        qualification_count=1,
    )

    # import: rows are checked against the kind (its media, its validation of a prelabel)
    rows = [{"text": text, "external_id": key} for key, text in TEXTS.items()]
    rows[3]["prelabel"] = PRELABELS[TEXTS["t3"]]
    rows += [{"image_base64": _png()}, {"text": "Oil on the floor.", "prelabel": {"rating": 9}}]
    imported = _import(client, team, project, rows)
    assert imported["created"] == 4
    errors = {e["row"]: e for e in imported["errors"]}
    assert set(errors) == {4, 5}
    assert "cannot go into a text_rating project (it labels texts)" in errors[4]["message"]
    assert errors[5]["loc"] == ["prelabel", "rating"]
    items = {
        i["external_id"]: i["id"]
        for i in client.get(
            f"/api/v1/projects/{project['id']}/items", headers=team.manager.headers
        ).json()["items"]
    }
    gold_url = f"/api/v1/projects/{project['id']}/gold"
    refused = client.post(
        gold_url,
        json={"items": [{"external_id": "g", "answer": {"rating": 0}}]},
        headers=team.manager.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "items", 0, "answer", "rating"]
    stored = client.post(
        gold_url,
        json={"items": [{"external_id": "g", "answer": GOLD}]},
        headers=team.manager.headers,
    )
    assert stored.json() == {"created": 1, "updated": 0, "errors": []}

    # next and submit: the kind validates the answer and scores the gold one
    first = team.annotators[0]
    lease = client.post(f"/api/v1/projects/{project['id']}/next", headers=first.headers).json()
    assert lease["item"]["id"] == items["g"]
    for wrong, field in (({"rating": 6}, "rating"), ({"rating": 4, "label": "x"}, "label")):
        answer = client.post(
            f"/api/v1/assignments/{lease['assignment_id']}/submit",
            json={"result": wrong, "duration_ms": 900},
            headers=first.headers,
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"][0]["loc"] == ["body", "result", field]
    feedback = [
        _annotate(client, who, project["id"], {TEXTS[k]: r for k, r in ratings.items()})
        for who, ratings in zip(team.annotators, RATINGS, strict=True)
    ]
    assert [[(f["score"], f["correct"]) for f in fs] for fs in feedback] == [
        [(1.0, True)],
        [(0.75, False)],
        [(0.5, False)],
    ]
    assert all(fs[0]["expected"] == GOLD for fs in feedback)

    # consensus: a real recompute, as the worker runs it (forced: a worker process of the test
    # session may have taken the job first and refused it, never having registered the kind)
    summary = recompute_project(project["id"], True)
    assert summary["annotations"] == 12
    consensus = {
        row["item_id"]: row
        for row in client.get(
            f"/api/v1/projects/{project['id']}/consensus", headers=team.manager.headers
        ).json()
    }
    expected = {  # median; confidence: mean of 1 - |answer - median| / 4
        "g": ({"rating": 4}, 1.0),
        "t1": ({"rating": 5}, (1 + 1 + 0.75) / 3),
        "t2": ({"rating": 2}, (0.75 + 1 + 0.25) / 3),
        "t3": ({"rating": 3}, 1.0),
    }
    for key, (result, confidence) in expected.items():
        row = consensus[items[key]]
        assert row["result"] == result, key
        assert row["confidence"] == pytest.approx(confidence, abs=1e-9), key
        assert (row["n_annotations"], row["method"]) == (3, "median")
    report = client.get(
        f"/api/v1/projects/{project['id']}/quality", headers=team.manager.headers
    ).json()
    reference = krippendorff.alpha(
        reliability_data=[[r[k] for k in ("t1", "t2", "t3")] for r in RATINGS],
        level_of_measurement="interval",
    )
    assert report["figures"]["agreement"]["items_with_2plus"] == 3
    assert report["figures"]["agreement"]["krippendorff_alpha_interval"] == pytest.approx(
        reference, abs=1e-9
    )
    by_user = {row["user_id"]: row for row in report["annotators"]}
    # gold accuracy: (score + 1) / (1 + 2) under the Beta(1, 1) prior; agreement: mean closeness
    for who, gold_accuracy, agreement in zip(
        team.annotators, (2 / 3, 1.75 / 3, 1.5 / 3), (2.75 / 3, 1.0, 2 / 3), strict=True
    ):
        assert by_user[who.id]["gold_accuracy"] == pytest.approx(gold_accuracy, abs=1e-9)
        assert by_user[who.id]["agreement"] == pytest.approx(agreement, abs=1e-9)

    # an item answered after the recompute has no consensus row: the kind's fallback vote
    _import(client, team, project, [{"text": "Gearbox oil topped up.", "external_id": "t4"}])
    for who, rating in zip(team.annotators[:2], (2, 4), strict=True):
        _annotate(client, who, project["id"], {"Gearbox oil topped up.": rating})

    # export: the kind names its formats, and raw JSONL holds it
    assert formats_for("text_rating") == ["raw_jsonl"] and "raw_jsonl" in FORMATS
    refused = client.post(
        f"/api/v1/projects/{project['id']}/versions",
        json={"format": "csv"},
        headers=team.manager.headers,
    )
    assert refused.status_code == 422
    assert "a text_rating project exports as one of: raw_jsonl" in refused.text
    # The version is checked and frozen as the endpoint does it, then built here: a worker
    # process of the test session never registered the kind (registering it is per process).
    # t4 has 2 answers, fewer than the overlap: min_answers=2 keeps it (the default would not)
    version_id = queued_version(project["id"], format="raw_jsonl", min_answers=2)
    ready = build_now(client, version_id, team.manager.headers)
    assert ready["manifest"]["quality"]["truth_origin"] == {"consensus": 3, "majority_fallback": 1}
    archive = zipfile.ZipFile(io.BytesIO(download(client, version_id, team.manager.headers)))
    lines = {
        line["item"]["external_id"]: line
        for line in map(json.loads, archive.read("train.jsonl").decode().splitlines())
    }
    assert sorted(lines) == ["t1", "t2", "t3", "t4"]  # gold items stay out by default
    for key in ("t1", "t2", "t3"):
        truth, confidence = expected[key]
        assert lines[key]["consensus"]["result"] == truth
        assert lines[key]["consensus"]["confidence"] == pytest.approx(confidence, abs=1e-9)
        assert lines[key]["consensus"]["origin"] == "consensus"
        assert [a["result"]["rating"] for a in lines[key]["annotations"]] == [
            r[key] for r in RATINGS
        ]
    assert lines["t4"]["consensus"] == {  # the median of 2 and 4; each answer is 1 off it
        "result": {"rating": 3},
        "confidence": pytest.approx(0.75, abs=1e-9),
        "origin": "majority_fallback",
    }
    index = [json.loads(line) for line in archive.read("index.jsonl").decode().splitlines()]
    labels = {row["item_id"]: row["labels"] for row in index}  # the kind's labels_of
    assert [labels[lines[key]["item"]["id"]] for key in ("t1", "t2", "t3", "t4")] == [
        ["5"],
        ["2"],
        ["3"],
        ["3"],
    ]


def test_a_kind_is_registered_once_and_forgotten_when_unregistered(client, team):
    register_kind(TEXT_RATING)
    try:
        with pytest.raises(ValueError, match="'text_rating' is registered already"):
            register_kind(TEXT_RATING)
        assert KINDS["text_rating"] is TEXT_RATING
    finally:
        unregister_kind(TEXT_RATING.name)
    names = [k["name"] for k in client.get("/api/v1/kinds", headers=team.owner.headers).json()]
    assert names == list(BUILT_IN_KINDS)
