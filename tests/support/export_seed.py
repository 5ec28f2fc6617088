"""Rows for export tests, written with the ORM (until the import and distribution endpoints are
the way to make them): items with real image files, annotations, consensus, gold, pauses.

It also builds versions in the test process (``build_now``): the same ``run_build`` a worker
runs, so format tests do not wait on a broker; the worker tests use the real process.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from PIL import Image
from sqlmodel import Session

from backend.assignments.models import Annotation, AnnotatorState, Assignment
from backend.consensus.models import Consensus
from backend.db import get_engine
from backend.exports.config import export_settings
from backend.exports.jobs import run_build
from backend.items.models import GoldAnswer, Item
from backend.settings import get_settings


def add_item(
    project: dict[str, Any],
    *,
    text: str | None = None,
    size: tuple[int, int] | None = None,
    external_id: str | None = None,
    is_gold: bool = False,
    write_image: bool = True,
) -> int:
    """One item; an image item gets a real PNG of ``size`` under the media root."""
    token = uuid.uuid4().hex
    media_key = None
    if size is not None:
        media_key = f"test/{project['id']}/{token}.png"
        if write_image:
            path = get_settings().media_root / media_key
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", size, (int(token[:2], 16), 90, 160)).save(path)
    item = Item(
        project_id=project["id"],
        org_id=project["org_id"],
        external_id=external_id,
        text=text,
        media_key=media_key,
        media_type="image/png" if size else None,
        width=size[0] if size else None,
        height=size[1] if size else None,
        content_hash=hashlib.sha256(token.encode()).hexdigest(),
        is_gold=is_gold,
        random_key=int(token[:15], 16),
    )
    with Session(get_engine()) as session:
        session.add(item)
        session.commit()
        return item.id


def annotate(
    project: dict[str, Any], item_id: int, annotator_id: int, result: dict[str, Any]
) -> int:
    now = datetime.now(UTC)
    with Session(get_engine()) as session:
        assignment = Assignment(
            project_id=project["id"],
            item_id=item_id,
            annotator_id=annotator_id,
            status="submitted",
            expires_at=now + timedelta(minutes=10),
            finished_at=now,
        )
        session.add(assignment)
        session.flush()
        annotation = Annotation(
            assignment_id=assignment.id,
            project_id=project["id"],
            item_id=item_id,
            annotator_id=annotator_id,
            result=result,
            duration_ms=1000,
        )
        session.add(annotation)
        session.commit()
        return annotation.id


def set_consensus(
    project: dict[str, Any], item_id: int, result: dict[str, Any], confidence: float
) -> None:
    with Session(get_engine()) as session:
        session.merge(
            Consensus(
                item_id=item_id,
                project_id=project["id"],
                result=result,
                confidence=confidence,
                n_annotations=1,
                method="test",
            )
        )
        session.commit()


def set_gold(project: dict[str, Any], item_id: int, answer: dict[str, Any]) -> None:
    with Session(get_engine()) as session:
        session.add(GoldAnswer(item_id=item_id, project_id=project["id"], answer=answer))
        session.commit()


def pause(project: dict[str, Any], user_id: int) -> None:
    with Session(get_engine()) as session:
        session.merge(
            AnnotatorState(
                project_id=project["id"], user_id=user_id, status="paused", paused_reason="test"
            )
        )
        session.commit()


def create_version(
    client: httpx.Client, project: dict[str, Any], headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    # seeded consensus rows often have no annotations behind them: keep them unless a test
    # asks for the default (min_answers = the project's overlap) by passing min_answers=None
    body.setdefault("min_answers", 0)
    body = {k: v for k, v in body.items() if v is not None or k != "min_answers"}
    answer = client.post(f"/api/v1/projects/{project['id']}/versions", json=body, headers=headers)
    assert answer.status_code == 202, answer.text
    return answer.json()


def build_now(
    client: httpx.Client, version_id: int, headers: dict[str, str], timeout: float = 60
) -> dict[str, Any]:
    """Build in this process (or wait for a worker that claimed it first); the ready version."""
    run_build(engine=get_engine(), version_id=version_id, config=export_settings())
    return wait_ready(client, version_id, headers, timeout=timeout)


def wait_ready(
    client: httpx.Client, version_id: int, headers: dict[str, str], timeout: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/api/v1/versions/{version_id}", headers=headers).json()
        if body["status"] in ("ready", "failed") or time.monotonic() > deadline:
            assert body["status"] == "ready", body
            return body
        time.sleep(0.2)


def download(client: httpx.Client, version_id: int, headers: dict[str, str]) -> bytes:
    answer = client.get(f"/api/v1/versions/{version_id}/download", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.content


def add_labelled_texts(project: dict[str, Any], n: int, annotator_id: int) -> None:
    """``n`` text items, each with one annotation, in one transaction (bigger projects, fast)."""
    now = datetime.now(UTC)
    labels = ["electrical_fault", "mechanical_wear", "other"]
    with Session(get_engine()) as session:
        items = [
            Item(
                project_id=project["id"],
                org_id=project["org_id"],
                text=f"maintenance log {i}: spindle drive noise",
                content_hash=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
            )
            for i in range(n)
        ]
        session.add_all(items)
        session.flush()
        assignments = [
            Assignment(
                project_id=project["id"],
                item_id=item.id,
                annotator_id=annotator_id,
                status="submitted",
                expires_at=now,
            )
            for item in items
        ]
        session.add_all(assignments)
        session.flush()
        session.add_all(
            Annotation(
                assignment_id=a.id,
                project_id=project["id"],
                item_id=a.item_id,
                annotator_id=annotator_id,
                result={"label": labels[i % 3]},
            )
            for i, a in enumerate(assignments)
        )
        session.commit()


def queued_version(project_id: int, **body: Any) -> int:
    """A queued version row with real params and no message sent (the caller sends it).
    Seeded items have one answer each: ``min_answers`` 0 keeps them unless a test says else."""
    body.setdefault("min_answers", 0)
    from backend.exports.models import DatasetVersion
    from backend.exports.schemas import VersionCreate
    from backend.exports.service import version_params
    from backend.projects.models import Project

    with Session(get_engine()) as session:
        project = session.get(Project, project_id)
        params = version_params(
            session=session,
            project=project,
            body=VersionCreate(**body),
            media_base_url="http://testserver",
        )
        number = int(time.time() * 1000) % 1_000_000_000
        version = DatasetVersion(
            project_id=project.id,
            org_id=project.org_id,
            number=number,
            format=body["format"],
            params=params,
        )
        session.add(version)
        session.commit()
        return version.id
