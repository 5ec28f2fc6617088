"""Training in a real worker process: ``POST …/models/train`` → broker → worker → a ready
version whose model another process (this one) loads from the database, and pre-labels on the
open items; a blob that cannot be loaded is retrained by the worker, which keeps running."""

from __future__ import annotations

import time

from sqlalchemy import update
from sqlmodel import Session

from backend.db import get_engine
from backend.models.models import ModelVersion
from backend.models.training import load_current
from backend.projects.models import Project
from backend.queue import enqueue_for_result
from support.factories import new_team
from support.models_data import load_project, prelabels_of, sample


def _wait_version(client, team, project_id: int, version: int, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = client.get(
            f"/api/v1/projects/{project_id}/models", headers=team.manager.headers
        ).json()
        mine = [r for r in rows if r["version"] == version]
        if mine and mine[0]["status"] not in ("queued", "training"):
            return mine[0]
        time.sleep(0.3)
    raise AssertionError(f"version {version} not trained in {timeout}s: {rows}")


def test_the_worker_trains_and_every_process_loads_the_model(client, worker):
    data = sample(300, 150)
    team = new_team(client, annotators=1)
    loaded = load_project(
        client, team, "text_classification", data["texts"][:150], n_gold=100, prelabels=True
    )
    project_id = loaded.project["id"]
    answer = client.post(
        f"/api/v1/projects/{project_id}/models/train", headers=team.manager.headers
    )
    assert answer.status_code == 202
    first = _wait_version(client, team, project_id, answer.json()["version"])
    assert first["status"] == "ready" and first["trained_on"] == 100, first
    assert first["prelabelled"] >= 50
    pre = prelabels_of(loaded.open_ids)
    assert all(p and p["model_version"] == first["version"] for p in pre.values())
    with Session(get_engine()) as session:
        model, number = load_current(session=session, project=session.get(Project, project_id))
        assert number == first["version"] and len(model.classes_) >= 2
        # damage the stored model: the worker's refresh retrains instead of crashing
        session.execute(
            update(ModelVersion)
            .where(ModelVersion.project_id == project_id)
            .values(blob=b"JINBIAO-MODEL\nnot a header\n")
        )
        session.commit()
    refreshed = enqueue_for_result("jinbiao.models.refresh", project_id).get(timeout=60)
    assert refreshed["model"] is False and refreshed["written"] == 0
    second = _wait_version(client, team, project_id, first["version"] + 1)
    assert second["status"] == "ready" and second["trained_on"] == 100
    statuses = {
        r["version"]: r["status"]
        for r in client.get(
            f"/api/v1/projects/{project_id}/models", headers=team.manager.headers
        ).json()
    }
    assert statuses[first["version"]] == "unloadable"
    assert (
        enqueue_for_result("jinbiao.system.ping", "still here").get(timeout=30)["pid"] == worker.pid
    )
