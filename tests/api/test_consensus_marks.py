"""Consensus for boxes and spans: submitted through the API, recomputed, read back."""

from __future__ import annotations

import base64
import io
import math

import pytest
from PIL import Image
from sqlmodel import Session

from backend.consensus.recompute import recompute_project
from backend.db import get_engine
from support.factories import new_project, new_team


def _png(width: int, height: int) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 120, 120)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _label_one_item(client, team, project_id: int, results: list[dict]) -> int:
    item_ids = set()
    for annotator, result in zip(team.annotators, results, strict=True):
        lease = client.post(f"/api/v1/projects/{project_id}/next", headers=annotator.headers)
        assert lease.status_code == 200, lease.text
        item_ids.add(lease.json()["item"]["id"])
        done = client.post(
            f"/api/v1/assignments/{lease.json()['assignment_id']}/submit",
            json={"result": result, "duration_ms": 1000},
            headers=annotator.headers,
        )
        assert done.status_code == 201, done.text
    assert len(item_ids) == 1
    return item_ids.pop()


def _recompute_and_read(client, team, project_id: int) -> tuple[list[dict], dict]:
    with Session(get_engine(), expire_on_commit=False) as session:
        recompute_project(session=session, project_id=project_id)
    rows = client.get(
        f"/api/v1/projects/{project_id}/consensus", headers=team.manager.headers
    ).json()
    report = client.get(f"/api/v1/projects/{project_id}/quality", headers=team.manager.headers)
    return rows, report.json()


def test_boxes_are_fused_and_an_outlier_box_is_dropped(client):
    team = new_team(client, annotators=3)
    project = new_project(client, team, "image_boxes", gold_rate=0.0)
    imported = client.post(
        f"/api/v1/projects/{project['id']}/items",
        json={"items": [{"image_base64": _png(200, 100), "external_id": "panel-1"}]},
        headers=team.manager.headers,
    )
    assert imported.json()["created"] == 1
    box = {"label": "scratch", "y": 10.0, "w": 40.0, "h": 20.0}
    results = [
        {"boxes": [{**box, "x": 10.0}]},
        {"boxes": [{**box, "x": 12.0}]},
        {"boxes": [{**box, "x": 14.0}, {"label": "dent", "x": 150, "y": 50, "w": 20, "h": 20}]},
    ]
    item_id = _label_one_item(client, team, project["id"], results)
    rows, report = _recompute_and_read(client, team, project["id"])
    assert [r["item_id"] for r in rows] == [item_id]
    fused = rows[0]["result"]["boxes"]
    assert len(fused) == 1  # the dent only one of three annotators drew is not kept
    assert fused[0]["label"] == "scratch"
    assert fused[0]["x"] == pytest.approx(12.0)
    assert fused[0]["w"] == pytest.approx(40.0)
    # two answers match the consensus exactly, the third has one extra box: F1 = 2/3. No gold:
    # every annotator counts at the crowd's agreement with the consensus, (1 + 1 + 2/3 + 1) / 5,
    # and votes with its log-odds scaled by 2·F1 - 1 (calibrated confidence; the one kept box
    # is supported by all three, which is surer than the vote)
    prior = (1 + 1 + 2 / 3 + 1) / 5
    vote = 1 / (1 + math.exp(-(1 + 1 + 1 / 3) * math.log(prior / (1 - prior))))
    assert rows[0]["confidence"] == pytest.approx(vote)
    assert rows[0]["n_annotations"] == 3
    agreement = report["figures"]["agreement"]
    assert agreement["items_with_2plus"] == 1
    assert agreement["pairwise_f1"] == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)


def test_chinese_spans_are_voted_per_code_point(client):
    team = new_team(client, annotators=3)
    project = new_project(client, team, "text_spans", gold_rate=0.0)
    text = "3号冲压机的左侧导轨出现2处划痕"
    client.post(
        f"/api/v1/projects/{project['id']}/items",
        json={"items": [{"text": text}]},
        headers=team.manager.headers,
    )
    machine = {"label": "PART", "start": 0, "end": 5}  # "3号冲压机"
    assert text[0:5] == "3号冲压机"
    results = [
        {"spans": [machine, {"label": "DEFECT", "start": 14, "end": 16}]},
        {"spans": [machine, {"label": "DEFECT", "start": 14, "end": 16}]},
        {"spans": [{"label": "PART", "start": 1, "end": 5}]},
    ]
    _label_one_item(client, team, project["id"], results)
    rows, report = _recompute_and_read(client, team, project["id"])
    spans = rows[0]["result"]["spans"]
    assert spans == [machine, {"label": "DEFECT", "start": 14, "end": 16}]
    assert text[spans[1]["start"] : spans[1]["end"]] == "划痕"
    assert report["figures"]["agreement"]["pairwise_f1_exact"] == pytest.approx(1 / 3)
