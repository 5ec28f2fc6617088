"""Quality in the loop, end to end: a simulated crowd labels through the API while a real
worker process scores annotators, pauses the spammer, infers consensus and raises overlap."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest
from sqlmodel import Session, select

from backend.consensus.models import ProjectQuality
from backend.db import get_engine
from backend.items.models import Item
from backend.queue import get_celery
from backend.settings import get_settings
from quality import agreement, inference
from support.crowd_simulator import AnnotatorProfile, make_crowd, run_crowd
from support.factories import Team, new_project, new_team
from support.fixtures import start_worker, stop_process

LABELS = ["electrical_fault", "mechanical_wear", "leak", "other"]


def _import_texts(client, team: Team, project_id: int, n: int, seed: int) -> dict[int, dict]:
    """Import n texts with random true labels; returns truth by item id."""
    rng = np.random.default_rng(seed)
    truth_by_external = {f"t{i}": LABELS[int(rng.integers(len(LABELS)))] for i in range(n)}
    body = {
        "items": [
            {"text": f"工单 {key}: 设备异常记录 #{key}", "external_id": key}
            for key in truth_by_external
        ]
    }
    answer = client.post(
        f"/api/v1/projects/{project_id}/items", json=body, headers=team.manager.headers
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["created"] == n
    with Session(get_engine()) as session:
        rows = session.exec(
            select(Item.id, Item.external_id).where(Item.project_id == project_id)
        ).all()
    return {item_id: {"label": truth_by_external[ext]} for item_id, ext in rows}


def _mark_gold(
    client, team: Team, project_id: int, truth: dict[int, dict], share: float
) -> set[int]:
    ids = sorted(truth)[: max(1, int(len(truth) * share))]
    body = {"items": [{"item_id": i, "answer": truth[i]} for i in ids]}
    answer = client.post(
        f"/api/v1/projects/{project_id}/gold", json=body, headers=team.manager.headers
    )
    assert answer.status_code in (200, 201), answer.text
    return set(ids)


def _wait_quality(client, team: Team, project_id: int, after: float, timeout: float = 90) -> dict:
    """The stored report once a recompute finished after ``after`` and none is pending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = client.get(f"/api/v1/projects/{project_id}/quality", headers=team.manager.headers)
        assert report.status_code == 200
        body = report.json()
        computed = body["computed_at"]
        if computed and not body["pending"] and _epoch(computed) >= after:
            return body
        time.sleep(0.3)
    raise AssertionError(f"no recompute finished in {timeout}s: {body}")


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


@pytest.fixture
def crowd_team(client) -> Team:
    return new_team(client, annotators=4)


def test_spammer_is_paused_and_consensus_is_no_worse_than_majority_vote(client, worker, crowd_team):
    team = crowd_team
    project = new_project(
        client,
        team,
        "text_classification",
        labels=[{"name": n} for n in LABELS],
        overlap=3,
        max_overlap=3,
        gold_rate=0.25,
        gold_min_count=8,
        min_gold_accuracy=0.4,
    )
    truth = _import_texts(client, team, project["id"], 320, seed=11)
    gold_ids = _mark_gold(client, team, project["id"], truth, share=0.2)
    # The spammer starts first and works until the gold questions catch it; the three good
    # annotators then finish the project. One thread; the run still varies, since the server draws
    # gold items at random.
    profiles = [
        AnnotatorProfile.preset("spammer", name="spammer"),
        AnnotatorProfile.preset("expert", name="expert", accuracy=0.95),
        AnnotatorProfile.preset("average", name="average-1", accuracy=0.8),
        AnnotatorProfile.preset("average", name="average-2", accuracy=0.75),
    ]
    accounts = [(a.email, a.password) for a in team.annotators]
    crowd = make_crowd(
        client, accounts, profiles, project_id=project["id"], truth_for=truth.__getitem__, seed=5
    )
    started = time.time()
    report = run_crowd(crowd, threads=1)
    spammer = crowd[0].stats
    assert spammer.paused, "the spammer was never told it is paused"

    quality = _wait_quality(client, team, project["id"], after=started)
    rows = {row["user_id"]: row for row in quality["annotators"]}
    spammer_row = rows[team.annotators[0].id]
    assert spammer_row["status"] == "paused"
    assert spammer_row["gold_answered"] >= 8
    assert "gold" in spammer_row["paused_reason"]
    for good in team.annotators[1:]:
        assert rows[good.id]["status"] == "active"
    blocked = client.post(
        f"/api/v1/projects/{project['id']}/next", headers=team.annotators[0].headers
    )
    assert blocked.status_code == 403
    assert "paused" in blocked.json()["detail"]

    # consensus against the truth, next to majority vote over the very same answers
    answers = [
        (a.item_id, s.name, a.result["label"])
        for s in report.stats
        for a in s.answers
        if a.status in (200, 201)
    ]
    consensus = {}
    offset = 0
    while True:
        page = client.get(
            f"/api/v1/projects/{project['id']}/consensus?offset={offset}&limit=500",
            headers=team.manager.headers,
        ).json()
        consensus.update({row["item_id"]: row["result"]["label"] for row in page})
        if len(page) < 500:
            break
        offset += 500
    scored = [i for i in truth if i not in gold_ids and i in consensus]
    assert len(scored) > 200
    mv = inference.MajorityVote().fit(answers).labels_dict()
    ours_acc = np.mean([consensus[i] == truth[i]["label"] for i in scored])
    mv_acc = np.mean([mv[i] == truth[i]["label"] for i in scored])
    print(
        f"\nconsensus accuracy {ours_acc:.3f} vs majority vote {mv_acc:.3f} on {len(scored)} items"
    )
    # Usually 2-6 items better (0.934 against 0.910-0.926 in isolation); level when the gold draws
    # catch the spammer within its first few items, so that it spoilt almost nothing (0.953 both),
    # and once one item worse (0.941 against 0.945 on 256 items, 2026-12-04). The server's gold
    # draws are random: caught early, the spammer leaves the two methods to differ only in how
    # they settle the honest annotators' close calls. What must hold is that pausing and
    # weighting never cost more than a close call or two.
    assert ours_acc >= mv_acc - 2 / len(scored)
    assert ours_acc > 0.9


def test_stored_agreement_equals_the_quality_function(client, worker, crowd_team):
    team = crowd_team
    project = new_project(
        client,
        team,
        "text_classification",
        labels=[{"name": n} for n in LABELS],
        overlap=3,
        max_overlap=3,
        gold_rate=0.0,
    )
    truth = _import_texts(client, team, project["id"], 40, seed=3)
    profiles = [AnnotatorProfile.preset("average", name=f"a{i}", accuracy=0.75) for i in range(3)]
    accounts = [(a.email, a.password) for a in team.annotators[:3]]
    crowd = make_crowd(
        client, accounts, profiles, project_id=project["id"], truth_for=truth.__getitem__, seed=9
    )
    started = time.time()
    report = run_crowd(crowd, threads=3)
    quality = _wait_quality(client, team, project["id"], after=started)

    annotators = [s.name for s in report.stats]
    items = sorted(truth)
    ratings = np.full((len(annotators), len(items)), np.nan)
    for j, stats in enumerate(report.stats):
        for a in stats.answers:
            if a.status == 201:
                ratings[j, items.index(a.item_id)] = LABELS.index(a.result["label"])
    figures = quality["figures"]["agreement"]
    assert figures["krippendorff_alpha"] == pytest.approx(
        agreement.krippendorff_alpha(ratings, level="nominal"), abs=1e-9
    )
    assert figures["percent_agreement"] == pytest.approx(
        agreement.percent_agreement(ratings), abs=1e-9
    )


def _submit(client, account, project_id: int, label_for: dict[int, str]) -> int:
    nxt = client.post(f"/api/v1/projects/{project_id}/next", headers=account.headers)
    assert nxt.status_code == 200, nxt.text
    item_id = nxt.json()["item"]["id"]
    done = client.post(
        f"/api/v1/assignments/{nxt.json()['assignment_id']}/submit",
        json={"result": {"label": label_for[item_id]}, "duration_ms": 900},
        headers=account.headers,
    )
    assert done.status_code == 201, done.text
    return item_id


def test_adaptive_overlap_asks_for_a_fourth_answer_only_on_the_contested_item(client, worker):
    team = new_team(client, annotators=4)
    project = new_project(
        client,
        team,
        "text_classification",
        labels=[{"name": n} for n in LABELS],
        overlap=3,
        max_overlap=4,
        agreement_target=0.9,
        gold_rate=0.0,
    )
    truth = _import_texts(client, team, project["id"], 2, seed=1)
    clear, contested = sorted(truth)
    started = time.time()
    for k, annotator in enumerate(team.annotators[:3]):
        answers = {clear: LABELS[0], contested: LABELS[k]}
        for _ in range(2):
            _submit(client, annotator, project["id"], answers)
    _wait_quality(client, team, project["id"], after=started)
    with Session(get_engine()) as session:
        wanted = dict(
            session.exec(select(Item.id, Item.wanted).where(Item.project_id == project["id"])).all()
        )
    assert wanted == {clear: 3, contested: 4}
    fourth = client.post(
        f"/api/v1/projects/{project['id']}/next", headers=team.annotators[3].headers
    )
    assert fourth.status_code == 200
    assert fourth.json()["item"]["id"] == contested


def test_sigkill_mid_recompute_loses_nothing(client, worker, crowd_team):
    """A worker killed with SIGKILL in the middle of a recompute: the job runs again and the
    result arrives (redelivery on Redis; the database-side sweep on any broker)."""
    team = crowd_team
    project = new_project(
        client,
        team,
        "text_classification",
        labels=[{"name": n} for n in LABELS],
        overlap=1,
        max_overlap=1,
        gold_rate=0.0,
    )
    truth = _import_texts(client, team, project["id"], 3, seed=2)
    queue = f"sigkill-{os.getpid()}"
    slow_env = {"JINBIAO_QUALITY_FAULT_DELAY_SECONDS": "30"}
    victim = start_worker("-Q", queue, name="victim", env=slow_env)
    try:
        with Session(get_engine()) as session:
            session.merge(ProjectQuality(project_id=project["id"]))
            session.commit()
        label_for = {i: t["label"] for i, t in truth.items()}
        _submit(client, team.annotators[0], project["id"], label_for)
        get_celery().send_task(
            "jinbiao.quality.recompute_project", args=(project["id"], True), queue=queue
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with Session(get_engine()) as session:
                row = session.get(ProjectQuality, project["id"])
                if (
                    row is not None
                    and row.started_at is not None
                    and (row.computed_at is None or row.started_at > row.computed_at)
                ):
                    killed_run_started = row.started_at
                    break
            time.sleep(0.2)
        else:
            raise AssertionError("the slow recompute never started")
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
    finally:
        stop_process(victim)
    rescuer = start_worker("-Q", f"{get_settings().queue_name},{queue}", name="rescuer")
    try:
        get_celery().send_task("jinbiao.quality.sweep", args=(0,), queue=queue)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with Session(get_engine()) as session:
                row = session.get(ProjectQuality, project["id"])
                if row.computed_at is not None and row.computed_at > killed_run_started:
                    break
            time.sleep(0.3)
        else:
            raise AssertionError("the recompute never finished after the SIGKILL")
        consensus = client.get(
            f"/api/v1/projects/{project['id']}/consensus", headers=team.manager.headers
        ).json()
        assert len(consensus) == 1
        assert consensus[0]["n_annotations"] == 1
    finally:
        stop_process(rescuer)
