"""The ``image_polygons`` kind through the API: import, next, submit (bad input refused with the
polygon and point named), consensus by pixel vote, agreement, gold scoring, and the OK/NG flag
of the image kinds."""

from __future__ import annotations

import base64
import io
import json
import math
import zipfile

import numpy as np
import pytest
from PIL import Image
from pycocotools.coco import COCO
from sqlmodel import Session

from backend.consensus.recompute import recompute_project
from backend.db import get_engine
from quality.polygons import rasterize
from support.export_seed import build_now, create_version, download
from support.factories import new_project, new_team

W, H = 64, 48
SQUARE = [[5, 5], [30, 5], [30, 20], [5, 20]]
# Three annotators on image A (scratch outlines differ a little, one has a hole, one a dent
# nobody else drew) and image B (OK, empty, a dent).
ANSWERS = {
    "A": [
        {"polygons": [{"label": "scratch", "points": SQUARE}]},
        {
            "polygons": [
                {"label": "scratch", "points": [[6, 4.5], [31, 6], [29, 21], [5, 19]]},
                {"label": "dent", "points": [[40, 30], [50, 30], [45, 40]]},
            ]
        },
        {
            "polygons": [
                {
                    "label": "scratch",
                    "points": [[4, 6], [29, 5], [31, 19], [6, 21]],
                    "holes": [[[10, 10], [14, 10], [14, 14], [10, 14]]],
                }
            ],
            "ok": False,
        },
    ],
    "B": [
        {"ok": True},
        {"polygons": []},
        {"polygons": [{"label": "dent", "points": [[10, 10], [20, 10], [15, 18]]}]},
    ],
}


def _png(width: int = W, height: int = H) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 120, 120)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _project(client, team, **settings):
    project = new_project(client, team, "image_polygons", **{"gold_rate": 0.0, **settings})
    rows = [
        {"image_base64": _png(W, H), "external_id": "A"},
        {"image_base64": _png(W + 1, H), "external_id": "B"},
    ]
    imported = client.post(
        f"/api/v1/projects/{project['id']}/items",
        json={"items": rows},
        headers=team.manager.headers,
    )
    assert imported.json()["created"] == 2, imported.text
    items = client.get(f"/api/v1/projects/{project['id']}/items", headers=team.manager.headers)
    return project, {i["external_id"]: i["id"] for i in items.json()["items"]}


def _lease(client, who, project_id):
    lease = client.post(f"/api/v1/projects/{project_id}/next", headers=who.headers)
    assert lease.status_code == 200, lease.text
    return lease.json()


def _submit(client, who, assignment_id, result):
    """Sent as Python's json writes it: NaN and Infinity included, as a careless client does."""
    return client.post(
        f"/api/v1/assignments/{assignment_id}/submit",
        content=json.dumps({"result": result, "duration_ms": 1500}),
        headers={**who.headers, "Content-Type": "application/json"},
    )


def _label_all(client, team, project_id, ids):
    by_id = {v: k for k, v in ids.items()}
    for n, annotator in enumerate(team.annotators):
        for _ in range(2):
            lease = _lease(client, annotator, project_id)
            key = by_id[lease["item"]["id"]]
            assert lease["item"]["kind"] == "image_polygons"
            done = _submit(client, annotator, lease["assignment_id"], ANSWERS[key][n])
            assert done.status_code == 201, done.text


def _majority(results, label, height, width):
    """Pixels covered by polygons of ``label`` in more than half of the answers."""
    votes = np.zeros((height, width), dtype=int)
    for result in results:
        mine = [p for p in result.get("polygons", []) if p["label"] == label]
        if mine:
            votes += rasterize(mine, height=height, width=width)
    return votes * 2 > len(results)


def test_import_next_submit_consensus_equals_the_pixel_majority_and_exports(client, tmp_path):
    team = new_team(client, annotators=3)
    project, ids = _project(client, team, overlap=3)
    _label_all(client, team, project["id"], ids)
    with Session(get_engine(), expire_on_commit=False) as session:
        summary = recompute_project(session=session, project_id=project["id"])
    assert summary["annotations"] == 6
    rows = client.get(
        f"/api/v1/projects/{project['id']}/consensus", headers=team.manager.headers
    ).json()
    by_item = {row["item_id"]: row for row in rows}
    a, b = by_item[ids["A"]], by_item[ids["B"]]
    assert a["method"] == "pixel_vote" and a["n_annotations"] == 3
    # image A: one scratch, exactly the pixels two of three annotators covered; no dent
    assert {p["label"] for p in a["result"]["polygons"]} == {"scratch"}
    assert a["result"]["ok"] is False
    got = rasterize(a["result"]["polygons"], height=H, width=W)
    assert np.array_equal(got, _majority(ANSWERS["A"], "scratch", H, W))
    assert 0 < a["result"]["polygons"][0]["confidence"] <= 1
    # each annotator matched the scratch (F1 1 for two, 2/3 for the one with an extra dent)
    assert a["confidence"] == pytest.approx((1 + 2 / 3 + 1) / 3, abs=1e-9)
    # image B: two "no defect" answers outvote one dent
    assert b["result"] == {"polygons": [], "ok": True}
    assert b["confidence"] == pytest.approx(2 / 3, abs=1e-9)

    report = client.get(
        f"/api/v1/projects/{project['id']}/quality", headers=team.manager.headers
    ).json()
    agreement = report["figures"]["agreement"]
    assert agreement["items_with_2plus"] == 2 and agreement["iou_threshold"] == 0.5
    # A: pairs (0,1) 2/3, (0,2) 1, (1,2) 2/3; B: (0,1) 1, (0,2) 0, (1,2) 0
    assert agreement["pairwise_f1"] == pytest.approx(((2 / 3 + 1 + 2 / 3) / 3 + 1 / 3) / 2)
    assert set(agreement["per_label"]) == {"scratch", "dent", "stain"}

    # export: the consensus outlines as COCO segmentation, read back by pycocotools
    version = create_version(client, project, team.manager.headers, format="coco")
    build_now(client, version["id"], team.manager.headers)
    archive = zipfile.ZipFile(io.BytesIO(download(client, version["id"], team.manager.headers)))
    archive.extractall(tmp_path)
    coco = COCO(str(tmp_path / "annotations/instances_train.json"))
    (ann,) = coco.loadAnns(coco.getAnnIds(imgIds=[ids["A"]]))
    assert np.array_equal(coco.annToMask(ann).astype(bool), got)
    assert coco.getAnnIds(imgIds=[ids["B"]]) == []


def test_gold_answers_score_by_polygon_f1(client):
    team = new_team(client, annotators=1)
    project, ids = _project(client, team, overlap=1, qualification_count=2)
    gold = {"polygons": [{"label": "scratch", "points": SQUARE}]}
    stored = client.post(
        f"/api/v1/projects/{project['id']}/gold",
        json={
            "items": [
                {"external_id": "A", "answer": gold},
                {"external_id": "B", "answer": {"ok": True}},
            ]
        },
        headers=team.manager.headers,
    )
    assert stored.json()["created"] == 2, stored.text
    who = team.annotators[0]
    answers = {
        ids["A"]: {
            "polygons": [{"label": "scratch", "points": [[6, 5], [30, 6], [30, 20], [5, 19]]}]
        },
        ids["B"]: {"polygons": [{"label": "dent", "points": [[1, 1], [9, 1], [5, 8]]}]},
    }
    scores = {}
    for _ in range(2):
        lease = _lease(client, who, project["id"])
        done = _submit(client, who, lease["assignment_id"], answers[lease["item"]["id"]])
        assert done.status_code == 201, done.text
        scores[lease["item"]["id"]] = done.json()["gold_feedback"]
    assert scores[ids["A"]]["correct"] is True and scores[ids["A"]]["score"] == 1.0
    assert scores[ids["B"]]["correct"] is False and scores[ids["B"]]["score"] == 0.0
    assert scores[ids["B"]]["expected"] == {"polygons": [], "ok": True}


TRIANGLE = [[1, 1], [9, 1], [5, 8]]
BAD = [
    (
        {"polygons": [{"label": "scratch", "points": [[1, 1], [9, 1]]}]},
        ["polygons", 0, "points"],
        "fewer than 3",
    ),
    (
        {
            "polygons": [
                {"label": "scratch", "points": TRIANGLE},
                {"label": "dent", "points": [[1, 1], [70, 1], [5, 8]]},
            ]
        },
        ["polygons", 1, "points", 1],
        "polygon 1, point 1 (70, 1) is outside",
    ),
    (
        {"polygons": [{"label": "scratch", "points": [[0, 0], [10, 10], [10, 0], [0, 10]]}]},
        ["polygons", 0, "points", 0],
        "meets the edge from point 2",
    ),
    (
        {"polygons": [{"label": "scratch", "points": [[1, 1], ["9", 1], [5, 8]]}]},
        ["polygons", 0, "points", 1],
        "must be numbers",
    ),
    (
        {
            "polygons": [
                {"label": "scratch", "points": [[1 + i % 2, 1 + i / 100] for i in range(1001)]}
            ]
        },
        ["polygons", 0, "points", 1000],
        "more than 1000 points",
    ),
    (
        {"polygons": [{"label": "scratch", "points": TRIANGLE}] * 501},
        ["polygons", 500],
        "more than 500 polygons",
    ),
    (
        {"polygons": [{"label": "rust", "points": TRIANGLE}]},
        ["polygons", 0, "label"],
        "not one of the project's",
    ),
    (
        {"polygons": [{"label": "scratch", "points": TRIANGLE, "score": 1}]},
        ["polygons", 0, "score"],
        "unknown key",
    ),
    (
        {"polygons": [{"label": "scratch", "points": SQUARE, "holes": [[[2, 2], [4, 2], [4, 4]]]}]},
        ["polygons", 0, "holes", 0, 0],
        "outside the polygon",
    ),
    (
        {"polygons": [{"label": "scratch", "points": TRIANGLE}], "ok": True},
        ["ok"],
        "marks 1 polygons",
    ),
    ({"ok": "yes"}, ["ok"], "true (no defect) or false"),
    ({"boxes": []}, ["boxes"], "unknown key"),
    ({}, ["polygons"], "Field required"),
]


def test_bad_polygons_are_refused_naming_the_polygon_and_point(client):
    team = new_team(client, annotators=1)
    project, _ = _project(client, team, overlap=1)
    who = team.annotators[0]
    lease = _lease(client, who, project["id"])
    for result, loc, message in BAD:
        answer = _submit(client, who, lease["assignment_id"], result)
        assert answer.status_code == 422, (result, answer.text)
        error = answer.json()["detail"][0]
        assert error["loc"] == ["body", "result", *loc], (loc, error)
        assert message in error["msg"], (message, error)
    done = _submit(client, who, lease["assignment_id"], {"ok": True})
    assert done.status_code == 201, done.text
    assert done.json()["result"] == {"polygons": [], "ok": True}


def test_nan_and_infinity_are_refused_when_the_body_is_read_naming_the_point(client):
    """Python's json writes NaN and Infinity, which JSON has not: refused before the kind sees
    the answer (``backend.strict_input``), the message naming the coordinate."""
    team = new_team(client, annotators=1)
    project, _ = _project(client, team, overlap=1)
    who = team.annotators[0]
    lease = _lease(client, who, project["id"])
    for points, constant, where in (
        ([[1, 1], [math.nan, 1], [5, 8]], "NaN", "result.polygons.0.points.1.0"),
        ([[1, 1], [9, math.inf], [5, 8]], "Infinity", "result.polygons.0.points.1.1"),
    ):
        result = {"polygons": [{"label": "scratch", "points": points}]}
        answer = _submit(client, who, lease["assignment_id"], result)
        assert answer.status_code == 422, answer.text
        error = answer.json()["detail"][0]
        assert error["type"] == "json_invalid"
        assert error["ctx"]["error"] == f"{where} holds {constant}, which is not a JSON number"


def test_ok_flag_on_boxes_one_key_means_no_defect(client):
    team = new_team(client, annotators=1)
    project = new_project(client, team, "image_boxes", gold_rate=0.0, overlap=1)
    client.post(
        f"/api/v1/projects/{project['id']}/items",
        json={
            "items": [
                {"image_base64": _png(), "external_id": "p"},
                {"image_base64": _png(W, H + 1)},
            ]
        },
        headers=team.manager.headers,
    )
    who = team.annotators[0]
    lease = _lease(client, who, project["id"])
    box = {"label": "scratch", "x": 1, "y": 1, "w": 5, "h": 5}
    refused = _submit(client, who, lease["assignment_id"], {"boxes": [box], "ok": True})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "result", "ok"]
    done = _submit(client, who, lease["assignment_id"], {"ok": True})
    assert done.json()["result"] == {"boxes": [], "ok": True}
    lease = _lease(client, who, project["id"])
    done = _submit(client, who, lease["assignment_id"], {"boxes": [box], "ok": False})
    assert done.status_code == 201, done.text
    assert done.json()["result"]["ok"] is False
