"""Corrections (issue 18, part 6): an annotator lists their own answers, changes one while its
item is not settled, and the old result is kept; consensus and exports follow the change."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from backend.audit.models import AuditEvent
from backend.consensus.models import Consensus, ProjectQuality
from backend.consensus.recompute import recompute_project
from backend.corrections import finality
from backend.db import get_engine
from backend.items.states import ItemState
from support.export_seed import build_now, create_version, download
from support.factories import new_project, new_team
from support.seed import seed_items


def _submit(client, annotator, project_id, pick=None):
    """Lease the next item and answer it; ``pick(labels_left)`` chooses the label."""
    lease = client.post(f"/api/v1/projects/{project_id}/next", headers=annotator.headers)
    assert lease.status_code == 200, lease.text
    label = pick or "other"
    answer = client.post(
        f"/api/v1/assignments/{lease.json()['assignment_id']}/submit",
        json={"result": {"label": label}, "duration_ms": 500},
        headers=annotator.headers,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture
def one_answer_project(client):
    """One answer per item, no gold: an annotator's answer is the item's consensus."""
    team = new_team(client, annotators=2)
    project = new_project(client, team, "text_classification", overlap=1, gold_rate=0.0)
    seed_items(project_id=project["id"], count=3)
    return team, project


def test_an_annotator_corrects_an_answer_and_consensus_history_and_export_follow(
    client, one_answer_project
):
    team, project = one_answer_project
    annotator = team.annotators[0]
    pid = project["id"]
    first = _submit(client, annotator, pid, "other")
    second = _submit(client, annotator, pid, "other")

    listed = client.get(
        "/api/v1/me/annotations", params={"project_id": pid}, headers=annotator.headers
    )
    assert listed.status_code == 200, listed.text
    assert listed.headers["X-Total-Count"] == "2"
    rows = listed.json()
    assert [r["id"] for r in rows] == [second["id"], first["id"]]  # newest first
    assert rows[0]["can_correct"] and rows[0]["item"]["text"] and rows[0]["corrections"] == 0
    # Someone else's list does not show them.
    theirs = client.get(
        "/api/v1/me/annotations", params={"project_id": pid}, headers=team.annotators[1].headers
    )
    assert theirs.json() == []

    with Session(get_engine()) as session:  # as if the submits' recompute had run
        session.execute(
            update(ProjectQuality).where(ProjectQuality.project_id == pid).values(requested_at=None)
        )
        session.commit()
    corrected = client.patch(
        f"/api/v1/annotations/{first['id']}",
        json={"result": {"label": "electrical_fault"}},
        headers=annotator.headers,
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["result"] == {"label": "electrical_fault"}
    again = client.patch(
        f"/api/v1/annotations/{first['id']}",
        json={"result": {"label": "electrical_fault"}},
        headers=annotator.headers,
    )
    assert again.status_code == 200  # the same result again: nothing new in the history

    history = client.get(
        f"/api/v1/annotations/{first['id']}/history", headers=annotator.headers
    ).json()
    assert history["current"] == {"label": "electrical_fault"}
    assert [h["result"] for h in history["history"]] == [{"label": "other"}]
    assert history["history"][0]["replaced_by"] == annotator.id
    manager_view = client.get(
        f"/api/v1/annotations/{first['id']}/history", headers=team.manager.headers
    )
    assert manager_view.status_code == 200

    with Session(get_engine()) as session:
        # The correction asked for a recompute.
        assert session.get(ProjectQuality, pid).requested_at is not None
        assert (
            session.exec(
                select(AuditEvent).where(
                    AuditEvent.action == "annotation.correct",
                    AuditEvent.target_id == str(first["id"]),
                )
            )
            .one()
            .actor_id
            == annotator.id
        )
        recompute_project(session=session, project_id=pid)
        consensus = session.get(Consensus, first["item_id"])
    assert consensus.result == {"label": "electrical_fault"}

    version = create_version(
        client, project, team.manager.headers, format="jsonl", split={"train": 1.0}
    )
    build_now(client, version["id"], team.manager.headers)
    data = download(client, version["id"], team.manager.headers)
    lines = zipfile.ZipFile(io.BytesIO(data)).read("train.jsonl").decode().splitlines()
    exported = {x["id"]: x["label"] for x in map(json.loads, lines)}
    assert exported[first["item_id"]] == "electrical_fault"
    assert exported[second["item_id"]] == "other"


def test_only_the_author_may_correct(client, one_answer_project):
    team, project = one_answer_project
    mine = _submit(client, team.annotators[0], project["id"])
    url = f"/api/v1/annotations/{mine['id']}"
    body = {"result": {"label": "electrical_fault"}}
    for other in (team.annotators[1], team.manager):
        refused = client.patch(url, json=body, headers=other.headers)
        assert refused.status_code == 404, refused.text
    assert client.get(f"{url}/history", headers=team.annotators[1].headers).status_code == 404
    stranger = new_team(client, annotators=1)
    foreign = client.get(f"{url}/history", headers=stranger.owner.headers)
    missing = client.get("/api/v1/annotations/999999999/history", headers=stranger.owner.headers)
    assert foreign.status_code == 404
    assert foreign.json() == missing.json()  # the answer does not tell that the id exists
    assert (
        client.get(
            "/api/v1/me/annotations",
            params={"project_id": project["id"]},
            headers=stranger.annotators[0].headers,
        ).status_code
        == 404
    )
    assert (
        client.patch(
            "/api/v1/annotations/999999999", json=body, headers=team.annotators[0].headers
        ).status_code
        == 404
    )


def test_a_correction_is_validated_by_the_kind(client, one_answer_project):
    team, project = one_answer_project
    mine = _submit(client, team.annotators[0], project["id"])
    refused = client.patch(
        f"/api/v1/annotations/{mine['id']}",
        json={"result": {"label": "no_such_label"}},
        headers=team.annotators[0].headers,
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "result", "label"]


@pytest.mark.parametrize("state", [ItemState.reviewed, ItemState.final])
def test_a_settled_item_refuses_corrections(client, one_answer_project, state):
    """The review and lot stages store these states; they reach corrections through the hook."""
    team, project = one_answer_project
    mine = _submit(client, team.annotators[0], project["id"])

    def settled(session, item):
        return state if item.id == mine["item_id"] else None

    finality.register_settled_check(settled)
    try:
        refused = client.patch(
            f"/api/v1/annotations/{mine['id']}",
            json={"result": {"label": "electrical_fault"}},
            headers=team.annotators[0].headers,
        )
        listed = client.get(
            "/api/v1/me/annotations",
            params={"project_id": project["id"]},
            headers=team.annotators[0].headers,
        ).json()
    finally:
        finality.unregister_settled_check(settled)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "item_final"
    assert listed[0]["can_correct"] is False and state.value in listed[0]["settled_reason"]
    history = client.get(
        f"/api/v1/annotations/{mine['id']}/history", headers=team.annotators[0].headers
    ).json()
    assert history["history"] == [] and history["current"] == {"label": "other"}


def test_a_gold_answer_cannot_be_corrected(client):
    team = new_team(client, annotators=1)
    project = new_project(client, team, "text_classification", gold_rate=0.0, qualification_count=1)
    seed_items(project_id=project["id"], count=2, gold=1)
    mine = _submit(client, team.annotators[0], project["id"])  # the qualification item is gold
    refused = client.patch(
        f"/api/v1/annotations/{mine['id']}",
        json={"result": {"label": "electrical_fault"}},
        headers=team.annotators[0].headers,
    )
    assert refused.status_code == 409 and refused.json()["code"] == "item_final"
