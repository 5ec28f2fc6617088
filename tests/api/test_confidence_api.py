"""Consensus confidence through the API: incomplete items, calibrated confidence of one answer,
gold rows, the inference method setting, the method chosen by gold, and ``min_answers``."""

from __future__ import annotations

import numpy as np
import pytest
from sqlmodel import Session

from backend.consensus.recompute import recompute_project
from backend.consensus.scheduling import claim_recompute
from backend.db import get_engine
from backend.projects.schemas import InferenceMethod
from quality.confidence import METHODS
from support.export_seed import add_item, annotate, build_now, create_version, set_gold
from support.factories import new_project, new_team

LABELS = ["electrical_fault", "mechanical_wear", "other"]


def _recompute(project: dict) -> dict:
    """What the quality job does: claim the run (its bookkeeping row), then recompute."""
    with Session(get_engine(), expire_on_commit=False) as session:
        claim_recompute(session=session, project_id=project["id"], force=True)
        return recompute_project(session=session, project_id=project["id"])


def _rows(client, team, project: dict, **query) -> list[dict]:
    answer = client.get(
        f"/api/v1/projects/{project['id']}/consensus",
        params={"limit": 500, **query},
        headers=team.manager.headers,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _report(client, team, project: dict) -> dict:
    answer = client.get(f"/api/v1/projects/{project['id']}/quality", headers=team.manager.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _crowd(project: dict, voters: list[int], *, n_items: int, seed: int, gold: int = 0):
    """Items answered by every voter with one-coin noise (accuracies 0.9, 0.8, 0.7, …)."""
    rng = np.random.default_rng(seed)
    truth, gold_items = {}, []
    for n in range(n_items):
        item = add_item(project, text=f"report {n}", is_gold=n < gold)
        truth[item] = LABELS[int(rng.integers(3))]
        if n < gold:
            set_gold(project, item, {"label": truth[item]})
            gold_items.append(item)
        for rank, who in enumerate(voters):
            right = rng.random() < 0.9 - 0.1 * rank
            wrong = [x for x in LABELS if x != truth[item]][int(rng.integers(2))]
            annotate(project, item, who, {"label": truth[item] if right else wrong})
    return truth, gold_items


def test_one_answer_items_are_incomplete_and_worth_their_annotators_accuracy(client):
    team = new_team(client, annotators=3)
    project = new_project(client, team, overlap=2, max_overlap=2, gold_rate=0.0)
    voters = [a.id for a in team.annotators]
    _crowd(project, voters, n_items=40, seed=1)
    single = [add_item(project, text=f"short {n}") for n in range(4)]
    for item in single:  # one answer each, from the most accurate annotator
        annotate(project, item, voters[0], {"label": "other"})
    _recompute(project)

    rows = {r["item_id"]: r for r in _rows(client, team, project)}
    assert len(rows) == 44
    for item in single:
        assert rows[item]["n_annotations"] == 1 and rows[item]["complete"] is False
        assert 0.55 < rows[item]["confidence"] < 0.99  # not 1.0 from one answer
    assert all(r["complete"] for i, r in rows.items() if i not in single)
    incomplete = _rows(client, team, project, complete="false")
    assert sorted(r["item_id"] for r in incomplete) == sorted(single)
    assert len(_rows(client, team, project, complete="true")) == 40

    delivered = _report(client, team, project)["figures"]["delivered"]
    assert delivered["incomplete"] == 4
    assert delivered["answers_per_item_all"] == pytest.approx((40 * 3 + 4) / 44)


def test_versions_leave_out_items_with_fewer_answers_than_min_answers(client):
    team = new_team(client, annotators=2)
    project = new_project(client, team, overlap=2, max_overlap=2, gold_rate=0.0)
    voters = [a.id for a in team.annotators]
    for n in range(6):
        item = add_item(project, text=f"log {n}")
        for who in voters[: 1 + (n % 2)]:  # three items with one answer, three with two
            annotate(project, item, who, {"label": "other"})
    _recompute(project)
    headers = team.manager.headers
    default = build_now(
        client,
        create_version(client, project, headers, format="jsonl", min_answers=None)["id"],
        headers,
    )
    assert default["params"]["min_answers"] == 2  # the project's overlap
    assert default["manifest"]["counts"]["skipped"] == {"fewer_answers_than_min": 3}
    assert sum(default["manifest"]["counts"]["items"].values()) == 3
    every = build_now(
        client,
        create_version(client, project, headers, format="jsonl", min_answers=1)["id"],
        headers,
    )
    assert sum(every["manifest"]["counts"]["items"].values()) == 6


def test_gold_rows_are_marked_gold_and_complete(client):
    team = new_team(client, annotators=2)
    project = new_project(client, team, overlap=3, gold_rate=0.0)
    item = add_item(project, text="known", is_gold=True)
    set_gold(project, item, {"label": "other"})
    annotate(project, item, team.annotators[0].id, {"label": "other"})
    _recompute(project)
    (row,) = _rows(client, team, project)
    assert row["gold"] is True and row["complete"] is True
    assert row["confidence"] == 1.0


def test_the_inference_method_setting_is_used_and_named_in_the_report(client):
    team = new_team(client, annotators=3)
    project = new_project(client, team, gold_rate=0.0)
    assert project["inference_method"] == "auto"
    _crowd(project, [a.id for a in team.annotators], n_items=20, seed=2)
    _recompute(project)
    report = _report(client, team, project)
    assert report["method"] == "dawid_skene"
    assert report["figures"]["method_choice"]["chosen_by"] == "default"
    assert report["method_scores"] is None

    url = f"/api/v1/projects/{project['id']}"
    bad = client.patch(url, json={"inference_method": "astrology"}, headers=team.manager.headers)
    assert bad.status_code == 422
    changed = client.patch(url, json={"inference_method": "mace"}, headers=team.manager.headers)
    assert changed.status_code == 200 and changed.json()["inference_method"] == "mace"
    _recompute(project)
    report = _report(client, team, project)
    assert report["method"] == "mace" and "inference_method" in report["method_reason"]
    assert {r["method"] for r in _rows(client, team, project)} == {"mace"}


def test_auto_chooses_the_method_by_gold_once_there_is_enough(client):
    team = new_team(client, annotators=4)
    project = new_project(client, team, gold_rate=0.0, method_choice_min_gold=100)
    voters = [a.id for a in team.annotators]
    _crowd(project, voters, n_items=60, seed=3, gold=30)  # 30 gold items × 4 answers
    summary = _recompute(project)
    report = _report(client, team, project)
    choice = report["figures"]["method_choice"]
    assert choice["chosen_by"] == "gold" and choice["gold_answers"] == 120
    assert set(report["method_scores"]) == set(METHODS)
    best = max(report["method_scores"].values())
    assert report["method_scores"][report["method"]] == best
    assert report["method"] in report["method_reason"]
    assert "method" in summary["timings_ms"]
    # not enough gold for the setting: the default, and why
    client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"method_choice_min_gold": 1000},
        headers=team.manager.headers,
    )
    _recompute(project)
    report = _report(client, team, project)
    assert report["method"] == "dawid_skene"
    assert "120 gold answers" in report["method_reason"]


def test_the_setting_lists_exactly_the_quality_methods() -> None:
    assert set(InferenceMethod.__args__) == {"auto", *METHODS}


def test_box_fusion_prefers_the_annotator_with_better_gold_evidence(client):
    """The issue's case: two annotators disagree on 12 images; one answered 9 gold images (8
    right), the other none. Before, the one without gold weighed 1 and won every image."""
    from sqlmodel import select

    from backend.assignments.models import Annotation

    team = new_team(client, annotators=2)
    project = new_project(client, team, "image_boxes", gold_rate=0.0)
    proven, unknown = (a.id for a in team.annotators)
    box = {"label": "scratch", "w": 20.0, "h": 20.0}
    scores = {}
    for n in range(9):
        item = add_item(project, size=(300, 200), is_gold=True, write_image=False)
        set_gold(project, item, {"boxes": [{**box, "x": 10.0, "y": 10.0}]})
        right = n < 8
        drawn = {**box, "x": 10.0 if right else 200.0, "y": 10.0}
        scores[annotate(project, item, proven, {"boxes": [drawn]})] = 1.0 if right else 0.0
    with Session(get_engine()) as session:
        for annotation in session.exec(select(Annotation).where(Annotation.id.in_(scores))):
            annotation.gold_score = scores[annotation.id]
            session.add(annotation)
        session.commit()
    contested = []
    for n in range(12):
        item = add_item(project, size=(300, 200), write_image=False)
        annotate(project, item, proven, {"boxes": [{**box, "x": 10.0 + n, "y": 10.0}]})
        annotate(project, item, unknown, {"boxes": [{**box, "x": 200.0, "y": 150.0}]})
        contested.append(item)
    _recompute(project)
    rows = {r["item_id"]: r for r in _rows(client, team, project)}
    for n, item in enumerate(contested):
        fused = rows[item]["result"]["boxes"]
        assert [(b["x"], b["y"]) for b in fused] == [(10.0 + n, 10.0)]
        assert 0.5 < rows[item]["confidence"] < 0.7  # one for, one against: a little over even
