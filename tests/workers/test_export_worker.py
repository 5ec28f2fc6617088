"""Builds in real Celery worker processes: the normal path, a build error, and a worker killed
with SIGKILL in the middle of a build."""

from __future__ import annotations

import io
import json
import os
import signal
import time
import uuid
import zipfile
from datetime import timedelta

import pytest
from sqlmodel import Session

from backend import clock
from backend.db import get_engine
from backend.exports.build import build_archive
from backend.exports.config import export_settings
from backend.exports.jobs import BUILD_JOB, final_path, run_build
from backend.exports.models import DatasetVersion
from backend.queue import get_celery
from support.export_seed import (
    add_labelled_texts,
    create_version,
    download,
    queued_version,
    wait_ready,
)
from support.factories import new_project
from support.fixtures import start_worker, stop_process

pytestmark = pytest.mark.worker


def _row(version_id: int) -> DatasetVersion:
    with Session(get_engine()) as session:
        return session.get(DatasetVersion, version_id)


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _check_zip(data: bytes, items: int) -> dict:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["counts"]["items_total"] == items
    assert len(archive.read("train.jsonl").splitlines()) == items
    return manifest


def test_the_worker_builds_a_version_sent_by_the_api(client, team, worker):
    project = new_project(client, team, "text_classification")
    add_labelled_texts(project, 25, team.annotators[0].id)
    version = create_version(client, project, team.manager.headers, format="jsonl")
    ready = wait_ready(client, version["id"], team.manager.headers, timeout=60)
    assert ready["attempts"] == 1
    _check_zip(download(client, version["id"], team.manager.headers), 25)


def test_a_build_that_raises_is_marked_failed_with_the_reason(client, team, worker):
    project = new_project(client, team, "text_classification")
    version_id = queued_version(project["id"], format="jsonl")
    with Session(get_engine()) as session:  # a format that cannot exist: the build raises
        row = session.get(DatasetVersion, version_id)
        row.params = {**row.params, "format": "no-such-format"}
        session.add(row)
        session.commit()
    get_celery().send_task(BUILD_JOB, args=[version_id])
    failed = _wait(lambda: _row(version_id).status == "failed" and _row(version_id), 60, "failed")
    assert "no-such-format" in failed.error
    answer = client.get(f"/api/v1/versions/{version_id}/download", headers=team.manager.headers)
    assert answer.status_code == 409


def test_a_version_whose_builds_keep_dying_is_marked_failed(client, team):
    project = new_project(client, team, "text_classification")
    version_id = queued_version(project["id"], format="jsonl")
    config = export_settings()
    with Session(get_engine()) as session:
        row = session.get(DatasetVersion, version_id)
        row.status, row.attempts = "building", config.max_attempts
        row.heartbeat_at = clock.now() - timedelta(seconds=config.stale_seconds + 5)
        session.add(row)
        session.commit()
    assert run_build(engine=get_engine(), version_id=version_id, config=config) == "skipped"
    row = _row(version_id)
    assert row.status == "failed" and "interrupted" in row.error


def test_sigkill_mid_build_then_another_worker_rebuilds_it(client, team, monkeypatch, tmp_path):
    project = new_project(client, team, "text_classification")
    add_labelled_texts(project, 300, team.annotators[0].id)
    version_id = queued_version(project["id"], format="jsonl", split={"train": 1.0})
    queue = f"export-kill-{uuid.uuid4().hex[:8]}"  # only this test's workers listen here

    monkeypatch.setenv("JINBIAO_EXPORT_CHUNK_SIZE", "10")
    monkeypatch.setenv("JINBIAO_EXPORT_TEST_DELAY_SECONDS", "0.3")  # 30 chunks: about 9 s
    first = start_worker("-Q", queue, name="export-victim")
    try:
        get_celery().send_task(BUILD_JOB, args=[version_id], queue=queue)
        _wait(lambda: _row(version_id).progress >= 0.2, 90, "the build to get going")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop_process(first)
    killed = _row(version_id)
    assert killed.status == "building" and killed.attempts == 1 and killed.progress < 0.9
    assert not final_path(killed).exists()  # nothing to serve, not even half a zip
    answer = client.get(f"/api/v1/versions/{version_id}/download", headers=team.manager.headers)
    assert answer.status_code == 409

    monkeypatch.delenv("JINBIAO_EXPORT_TEST_DELAY_SECONDS")
    monkeypatch.setenv("JINBIAO_EXPORT_STALE_SECONDS", "2")
    second = start_worker("-Q", queue, name="export-rescuer")
    try:
        _wait(lambda: _row(version_id).status in ("ready", "failed"), 120, "the rebuild")
    finally:
        stop_process(second)
    rebuilt = _row(version_id)
    assert rebuilt.status == "ready", rebuilt.error
    assert rebuilt.attempts == 2
    data = download(client, version_id, team.manager.headers)
    _check_zip(data, 300)
    fresh = tmp_path / "fresh.zip"
    build_archive(
        engine=get_engine(),
        version_id=version_id,
        out=fresh,
        work_dir=tmp_path / "work",
        config=export_settings(),
    )
    assert fresh.read_bytes() == data  # the rescued build is the build
