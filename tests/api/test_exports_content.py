"""What goes into a version: splits, determinism, filters, gold, paused annotators, diffs."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import Counter

import pytest

from backend.db import get_engine
from backend.exports.build import build_archive
from backend.exports.config import export_settings
from support.export_seed import (
    add_item,
    annotate,
    build_now,
    create_version,
    download,
    pause,
    set_consensus,
    set_gold,
)
from support.factories import new_project

SPLIT = {"train": 0.6, "val": 0.2, "test": 0.2}
SIZES = {"electrical_fault": 50, "mechanical_wear": 30, "other": 10}


def _classes_project(client, team):
    project = new_project(client, team, "text_classification")
    for label, n in SIZES.items():
        for i in range(n):
            item = add_item(project, text=f"{label} report {i}")
            set_consensus(project, item, {"label": label}, 0.5 + (i % 5) / 10)
    return project


def _index(data: bytes) -> list[dict]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [json.loads(x) for x in archive.read("index.jsonl").splitlines()]


def _version(client, team, project, **body):
    version = create_version(client, project, team.manager.headers, **body)
    ready = build_now(client, version["id"], team.manager.headers)
    return ready, download(client, version["id"], team.manager.headers)


def test_splits_are_stratified_by_label(client, team):
    project = _classes_project(client, team)
    ready, data = _version(client, team, project, format="jsonl", split=SPLIT, seed=11)
    per = Counter((x["split"], x["labels"][0]) for x in _index(data))
    for label, n in SIZES.items():
        for split, fraction in SPLIT.items():
            assert abs(per[split, label] - fraction * n) < 2, (split, label, per)
    labels = ready["manifest"]["counts"]["labels"]
    assert labels["test"]["other"] == per["test", "other"]
    assert sum(ready["counts"]["items"].values()) == sum(SIZES.values())


def test_same_seed_gives_a_byte_identical_zip_and_another_seed_another_split(
    client, team, tmp_path
):
    project = _classes_project(client, team)
    ready, data = _version(client, team, project, format="jsonl", split=SPLIT, seed=5)
    rebuilt = []
    for n in range(2):
        out = tmp_path / f"rebuild-{n}.zip"
        build_archive(
            engine=get_engine(),
            version_id=ready["id"],
            out=out,
            work_dir=tmp_path / f"work-{n}",
            config=export_settings(),
        )
        rebuilt.append(out.read_bytes())
    assert rebuilt[0] == rebuilt[1] == data
    assert hashlib.sha256(data).hexdigest() == ready["sha256"]
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)

    twin, _ = _version(client, team, project, format="jsonl", split=SPLIT, seed=5)
    files = ready["manifest"]["files"]
    assert twin["manifest"]["files"].keys() == files.keys()
    for name in files:
        if name != "README.md":  # the data card names the version number
            assert twin["manifest"]["files"][name] == files[name], name

    _, other = _version(client, team, project, format="jsonl", split=SPLIT, seed=6)
    splits = {x["item_id"]: x["split"] for x in _index(data)}
    other_splits = {x["item_id"]: x["split"] for x in _index(other)}
    assert splits.keys() == other_splits.keys() and splits != other_splits


def test_min_confidence_removes_exactly_the_items_below_it(client, team):
    project = _classes_project(client, team)
    ready, data = _version(client, team, project, format="jsonl", min_confidence=0.75)
    kept = {x["item_id"] for x in _index(data)}
    # confidences cycle 0.5, 0.6, 0.7, 0.8, 0.9: two in five are at least 0.75
    assert len(kept) == sum(SIZES.values()) * 2 // 5
    assert ready["counts"]["skipped"] == {"below_min_confidence": sum(SIZES.values()) * 3 // 5}
    lines = zipfile.ZipFile(io.BytesIO(data)).read("train.jsonl").decode().splitlines()
    assert all(json.loads(line)["confidence"] >= 0.75 for line in lines)


def test_gold_items_in_or_out_and_paused_annotators_never_count(client, team):
    project = new_project(client, team, "text_classification")
    good, paused = team.annotators[0].id, team.annotators[1].id
    normal = add_item(project, text="breaker trips")
    annotate(project, normal, good, {"label": "electrical_fault"})
    annotate(project, normal, paused, {"label": "other"})
    only_paused = add_item(project, text="belt squeaks")
    annotate(project, only_paused, paused, {"label": "mechanical_wear"})
    gold = add_item(project, text="fuse blown", is_gold=True)
    set_gold(project, gold, {"label": "electrical_fault"})
    annotate(project, gold, good, {"label": "other"})
    pause(project, paused)

    ready, data = _version(client, team, project, format="raw_jsonl")
    assert [x["item_id"] for x in _index(data)] == [normal]
    assert ready["counts"]["skipped"] == {"unlabeled": 1}
    assert ready["manifest"]["filter"]["paused_annotators_excluded"] == 1

    ready, data = _version(client, team, project, format="jsonl", include_gold=True)
    index = {x["item_id"]: x["labels"] for x in _index(data)}
    assert index == {normal: ["electrical_fault"], gold: ["electrical_fault"]}
    assert ready["manifest"]["quality"]["truth_origin"] == {"gold": 1, "majority_fallback": 1}


def test_items_and_annotations_after_creation_are_not_in_the_version(client, team):
    project = new_project(client, team, "text_classification")
    item = add_item(project, text="relay chatter")
    annotate(project, item, team.annotators[0].id, {"label": "electrical_fault"})
    version = create_version(client, project, team.manager.headers, format="jsonl")
    later = add_item(project, text="added later")
    annotate(project, later, team.annotators[0].id, {"label": "other"})
    annotate(project, item, team.annotators[1].id, {"label": "other"})
    build_now(client, version["id"], team.manager.headers)
    data = download(client, version["id"], team.manager.headers)
    assert [(x["item_id"], x["labels"]) for x in _index(data)] == [(item, ["electrical_fault"])]


def test_diff_lists_items_added_removed_and_relabelled(client, team):
    project = new_project(client, team, "text_classification")
    items = [add_item(project, text=f"log {i}") for i in range(4)]
    for item in items[:3]:
        set_consensus(project, item, {"label": "other"}, 0.9)
    first, _ = _version(client, team, project, format="jsonl")
    set_consensus(project, items[0], {"label": "electrical_fault"}, 0.9)  # relabelled
    set_consensus(project, items[1], {"label": "other"}, 0.1)  # falls under the filter
    set_consensus(project, items[3], {"label": "other"}, 0.9)  # newly labelled
    second, _ = _version(client, team, project, format="jsonl", min_confidence=0.5)
    answer = client.get(
        f"/api/v1/versions/{first['id']}/diff/{second['id']}", headers=team.reviewer.headers
    )
    assert answer.status_code == 200, answer.text
    diff = answer.json()
    assert diff["added"] == {"count": 1, "item_ids": [items[3]]}
    assert diff["removed"] == {"count": 1, "item_ids": [items[1]]}
    assert diff["changed_count"] == 1
    assert diff["changed"] == [
        {"item_id": items[0], "labels_before": ["other"], "labels_after": ["electrical_fault"]}
    ]
    assert diff["unchanged_count"] == 1


@pytest.mark.parametrize(
    ("kind", "answers", "expected"),
    [
        (
            "text_classification",
            [{"label": "other"}] * 2 + [{"label": "electrical_fault"}],
            "other",
        ),
        (
            "text_spans",
            [{"spans": [{"label": "PART", "start": 0, "end": 4}]}] * 2 + [{"spans": []}],
            "PART",
        ),
    ],
)
def test_without_consensus_rows_a_majority_vote_is_exported(client, team, kind, answers, expected):
    project = new_project(client, team, kind)
    item = add_item(project, text="pump seal worn")
    annotators = [*team.annotators, team.manager]
    for who, result in zip(annotators, answers, strict=True):
        annotate(project, item, who.id, result)
    ready, data = _version(client, team, project, format="raw_jsonl")
    assert _index(data)[0]["labels"] == [expected]
    assert ready["manifest"]["quality"]["confidence"]["mean"] == pytest.approx(2 / 3, abs=1e-6)


def test_consensus_rows_of_the_quality_workers_are_the_truth_the_vote_only_fills_gaps(client, team):
    from sqlmodel import Session, select

    from backend.consensus.models import Consensus
    from backend.consensus.recompute import recompute_project

    project = new_project(client, team, "text_classification")
    voters = [team.annotators[0].id, team.annotators[1].id, team.manager.id]
    items = [add_item(project, text=f"vibration log {i}") for i in range(4)]
    for n, item in enumerate(items[:3]):
        labels = ["electrical_fault", "electrical_fault", "other"] if n else ["other"] * 3
        for who, label in zip(voters, labels, strict=True):
            annotate(project, item, who, {"label": label})
    with Session(get_engine()) as session:
        recompute_project(session=session, project_id=project["id"])
        stored = {
            row.item_id: (row.result["label"], row.confidence)
            for row in session.exec(
                select(Consensus).where(Consensus.project_id == project["id"])
            ).all()
        }
    assert sorted(stored) == items[:3]
    # The fourth item is annotated after the recompute: no consensus row, so the plain vote.
    for who in voters:
        annotate(project, items[3], who, {"label": "mechanical_wear"})

    ready, data = _version(client, team, project, format="jsonl", split={"train": 1.0})
    assert ready["manifest"]["quality"]["truth_origin"] == {"consensus": 3, "majority_fallback": 1}
    lines = zipfile.ZipFile(io.BytesIO(data)).read("train.jsonl").decode().splitlines()
    exported = {x["id"]: (x["label"], x["confidence"]) for x in map(json.loads, lines)}
    for item, (label, confidence) in stored.items():
        assert exported[item][0] == label
        assert exported[item][1] == pytest.approx(confidence)
    assert exported[items[3]] == ("mechanical_wear", 1.0)
