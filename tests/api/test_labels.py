"""Safe label changes: a rename rewrites every stored result in one transaction, a removal of a
label in use is refused with its count unless a mapping says where its answers go, and colours
and hotkeys never touch results (issue 18, part 5)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlmodel import Session, select

from backend.assignments.models import Annotation
from backend.audit.models import AuditEvent
from backend.consensus.models import Consensus, ProjectQuality
from backend.consensus.recompute import recompute_project
from backend.db import get_engine
from backend.items.models import GoldAnswer, Item
from support.export_seed import (
    add_item,
    annotate,
    build_now,
    create_version,
    download,
    set_consensus,
    set_gold,
)
from support.factories import new_project, new_team

LABELS = [
    {"name": "leak", "color": "#e6194b", "hotkey": "1"},
    {"name": "crack", "color": "#3cb44b", "hotkey": "2"},
    {"name": "other", "color": "#4363d8", "hotkey": "3"},
]
OLD_NAME = re.compile(rb"(?<![A-Za-z_])leak(?![A-Za-z_])")  # "leak", not "fluid_leak"


def _seeded(client, team):
    """Four answers say ``leak`` (issue 18's case), with consensus, a gold answer, a prelabel."""
    project = new_project(client, team, "text_classification", labels=LABELS)
    voters = [team.annotators[0].id, team.annotators[1].id]
    first = add_item(project, text="hydraulic hose drips under the press")
    second = add_item(project, text="housing shows a hairline fracture")
    for who in voters:
        annotate(project, first, who, {"label": "leak"})
    annotate(project, second, voters[0], {"label": "leak"})
    annotate(project, second, voters[1], {"label": "crack"})
    set_consensus(project, first, {"label": "leak"}, 0.9)
    set_consensus(project, second, {"label": "crack"}, 0.5)
    gold = add_item(project, text="oil on the floor near pump 3", is_gold=True)
    set_gold(project, gold, {"label": "leak"})
    prelabelled = add_item(project, text="seal weeps after a shift")
    with Session(get_engine()) as session:
        session.get(Item, prelabelled).prelabel = {"label": "leak"}
        session.commit()
    return project


def _stored(project_id):
    with Session(get_engine()) as session:
        return {
            "annotations": sorted(
                a.result["label"]
                for a in session.exec(select(Annotation).where(Annotation.project_id == project_id))
            ),
            "consensus": sorted(
                c.result["label"]
                for c in session.exec(select(Consensus).where(Consensus.project_id == project_id))
            ),
            "gold": [
                g.answer
                for g in session.exec(select(GoldAnswer).where(GoldAnswer.project_id == project_id))
            ],
            "prelabels": [
                i.prelabel
                for i in session.exec(select(Item).where(Item.project_id == project_id))
                if i.prelabel
            ],
        }


def _export(client, team, project, fmt):
    version = create_version(client, project, team.manager.headers, format=fmt)
    ready = build_now(client, version["id"], team.manager.headers)
    return ready, download(client, version["id"], team.manager.headers)


def test_a_rename_reaches_results_consensus_gold_prelabels_and_a_new_export(client):
    team = new_team(client)
    project = _seeded(client, team)
    pid = project["id"]

    answer = client.post(
        f"/api/v1/projects/{pid}/labels/rename",
        json={"from": "leak", "to": "fluid_leak"},
        headers=team.manager.headers,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["rewritten"] == {"annotations": 3, "gold": 1, "prelabels": 1, "consensus": 1}
    assert body["project"]["labels_revision"] == project["labels_revision"] + 1
    assert body["project"]["labels"][0] == {"name": "fluid_leak", "color": "#e6194b", "hotkey": "1"}

    assert _stored(pid) == {
        "annotations": ["crack", "fluid_leak", "fluid_leak", "fluid_leak"],
        "consensus": ["crack", "fluid_leak"],
        "gold": [{"label": "fluid_leak"}],
        "prelabels": [{"label": "fluid_leak"}],
    }
    with Session(get_engine()) as session:
        flagged = session.get(ProjectQuality, pid)
        assert flagged is not None and flagged.requested_at is not None  # a recompute is due
        audit = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "labels.change", AuditEvent.target_id == str(pid)
            )
        ).one()
        assert audit.actor_id == team.manager.id
        assert audit.data["mapping"] == {"leak": "fluid_leak"}
        # Agreement counts the renamed answers (they used to drop out of it).
        recompute_project(session=session, project_id=pid)
        figures = session.get(ProjectQuality, pid).figures
    # fluid_leak pairs: 2 of 2 agree on the first item, 0 of 1 on the second.
    assert figures["agreement"]["per_label"]["fluid_leak"] == pytest.approx(2 / 3)
    assert "leak" not in figures["agreement"]["per_label"]

    for fmt in ("jsonl", "csv", "raw_jsonl"):
        ready, data = _export(client, team, project, fmt)
        assert ready["manifest"]["project"]["labels_revision"] == body["project"]["labels_revision"]
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            found = [n for n in names if OLD_NAME.search(archive.read(n))]
            assert found == [], (fmt, found)
            everything = b"".join(archive.read(n) for n in names)
        assert b"fluid_leak" in everything
        assert b"Label set revision 2." in archive_readme(data)


def archive_readme(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("README.md")


def test_a_rename_reaches_a_model_made_prelabel_and_keeps_its_score(client):
    """A model's pre-label wraps its result (``{result, score, model_version}``): the label is
    renamed inside, the score and the model version stay, and a removal counts it as a use."""
    team = new_team(client)
    project = new_project(client, team, "text_classification", labels=LABELS)
    pid = project["id"]
    item_id = add_item(project, text="seal weeps after a shift")
    made = {"result": {"label": "leak"}, "score": 0.81, "model_version": 3}
    with Session(get_engine()) as session:
        session.get(Item, item_id).prelabel = made
        session.commit()

    refused = client.patch(
        f"/api/v1/projects/{pid}",
        json={"labels": [label for label in LABELS if label["name"] != "leak"]},
        headers=team.manager.headers,
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "label_in_use"
    assert refused.json()["prelabels"] == 1

    answer = client.post(
        f"/api/v1/projects/{pid}/labels/rename",
        json={"from": "leak", "to": "fluid_leak"},
        headers=team.manager.headers,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["rewritten"]["prelabels"] == 1
    assert _stored(pid)["prelabels"] == [
        {"result": {"label": "fluid_leak"}, "score": 0.81, "model_version": 3}
    ]


def test_removing_a_label_in_use_is_refused_with_the_count(client):
    team = new_team(client)
    project = _seeded(client, team)
    pid = project["id"]
    without_leak = LABELS[1:]
    refused = client.patch(
        f"/api/v1/projects/{pid}", json={"labels": without_leak}, headers=team.manager.headers
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "label_in_use"
    assert refused.json()["count"] == 3
    assert refused.json()["labels"] == {"leak": 3}
    after = client.get(f"/api/v1/projects/{pid}", headers=team.manager.headers).json()
    assert [label["name"] for label in after["labels"]] == ["leak", "crack", "other"]
    assert after["labels_revision"] == project["labels_revision"]

    # A rename through PATCH (a new name with the old one left out) is the same removal.
    renamed_silently = [{"name": "fluid_leak"}, *LABELS[1:]]
    refused = client.patch(
        f"/api/v1/projects/{pid}", json={"labels": renamed_silently}, headers=team.manager.headers
    )
    assert refused.status_code == 409 and refused.json()["count"] == 3


def test_colours_hotkeys_and_new_labels_never_touch_results(client):
    team = new_team(client)
    project = _seeded(client, team)
    pid = project["id"]
    before = _stored(pid)
    recoloured = [{**label, "color": "#000000", "hotkey": None} for label in LABELS]
    answer = client.patch(
        f"/api/v1/projects/{pid}", json={"labels": recoloured}, headers=team.manager.headers
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["labels_revision"] == project["labels_revision"]
    assert answer.json()["labels"][0]["color"] == "#000000"
    added = client.patch(
        f"/api/v1/projects/{pid}",
        json={"labels": [*recoloured, {"name": "corrosion"}]},
        headers=team.manager.headers,
    )
    assert added.status_code == 200, added.text
    assert added.json()["labels_revision"] == project["labels_revision"] + 1
    unused_removed = client.patch(
        f"/api/v1/projects/{pid}", json={"labels": recoloured}, headers=team.manager.headers
    )
    assert unused_removed.status_code == 200, unused_removed.text
    assert _stored(pid) == before


def test_a_rename_onto_another_label_is_refused_and_a_merge_is_a_mapping(client):
    team = new_team(client)
    project = _seeded(client, team)
    pid = project["id"]
    refused = client.post(
        f"/api/v1/projects/{pid}/labels/rename",
        json={"from": "leak", "to": "crack"},
        headers=team.manager.headers,
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "label_exists"
    assert "label_map" in refused.json()["detail"]
    assert _stored(pid)["annotations"] == ["crack", "leak", "leak", "leak"]

    merged = client.patch(
        f"/api/v1/projects/{pid}",
        json={"labels": LABELS[1:], "label_map": {"leak": "crack"}},
        headers=team.manager.headers,
    )
    assert merged.status_code == 200, merged.text
    stored = _stored(pid)
    assert stored["annotations"] == ["crack"] * 4
    assert stored["gold"] == [{"label": "crack"}]


def test_label_map_entries_are_checked(client):
    team = new_team(client)
    project = _seeded(client, team)
    pid = project["id"]
    cases = [
        ({"crack": "other"}, ["body", "label_map", "crack"]),  # crack is not removed
        ({"leak": "nowhere"}, ["body", "label_map", "leak"]),  # not among the new labels
        ({"leak": None}, ["body", "label_map", "leak"]),  # a classification answer is its label
    ]
    for label_map, loc in cases:
        answer = client.patch(
            f"/api/v1/projects/{pid}",
            json={"labels": LABELS[1:], "label_map": label_map},
            headers=team.manager.headers,
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"][0]["loc"] == loc
    assert _stored(pid)["annotations"] == ["crack", "leak", "leak", "leak"]


def test_dropping_a_span_label_with_a_null_mapping_removes_its_spans(client):
    team = new_team(client)
    project = new_project(client, team, "text_spans")
    item = add_item(project, text="PUMP 3 leaks oil at the seal")
    spans = [
        {"label": "PART", "start": 0, "end": 6},
        {"label": "DEFECT", "start": 7, "end": 12},
    ]
    annotate(project, item, team.annotators[0].id, {"spans": spans})
    answer = client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"labels": [{"name": "PART"}, {"name": "LOCATION"}], "label_map": {"DEFECT": None}},
        headers=team.manager.headers,
    )
    assert answer.status_code == 200, answer.text
    with Session(get_engine()) as session:
        stored = session.exec(select(Annotation).where(Annotation.item_id == item)).one()
    assert stored.result == {"spans": spans[:1]}


def test_who_may_rename(client):
    team = new_team(client)
    project = _seeded(client, team)
    url = f"/api/v1/projects/{project['id']}/labels/rename"
    body = {"from": "leak", "to": "fluid_leak"}
    assert client.post(url, json=body, headers=team.annotators[0].headers).status_code == 403
    stranger = new_team(client, annotators=0)
    assert client.post(url, json=body, headers=stranger.manager.headers).status_code == 404
    unknown = client.post(url, json={"from": "nope", "to": "x"}, headers=team.manager.headers)
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "from"]
    assert _stored(project["id"])["annotations"] == ["crack", "leak", "leak", "leak"]


def test_a_span_label_renamed_is_gone_from_every_span_format(client):
    team = new_team(client)
    labels = [{"name": "LEAK"}, {"name": "PART"}]
    project = new_project(client, team, "text_spans", labels=labels)
    text = "pump seal drips oil"
    item = add_item(project, text=text)
    spans = {
        "spans": [
            {"label": "PART", "start": 0, "end": 9},
            {"label": "LEAK", "start": 10, "end": 15},
        ]
    }
    for who in (team.annotators[0].id, team.annotators[1].id):
        annotate(project, item, who, spans)
    set_consensus(project, item, spans, 0.8)
    renamed = client.post(
        f"/api/v1/projects/{project['id']}/labels/rename",
        json={"from": "LEAK", "to": "FLUID_LEAK"},
        headers=team.manager.headers,
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["rewritten"]["annotations"] == 2
    old = re.compile(rb"(?<![A-Za-z_])LEAK(?![A-Za-z_])")  # B-LEAK or "LEAK", not FLUID_LEAK
    for fmt in ("conll", "spacy", "raw_jsonl"):
        _, data = _export(client, team, project, fmt)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            found = [n for n in archive.namelist() if old.search(archive.read(n))]
            assert found == [], (fmt, found)
            assert any(b"FLUID_LEAK" in archive.read(n) for n in archive.namelist()), fmt
