"""A worker process started alone still recomputes after a submit made by a process that never
imported the API's routes: the submit reaches the quality job through the listeners that
``backend.wiring.wire`` subscribes at start-up, not through an import's side effect."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from sqlmodel import Session, select

from backend.consensus.models import Consensus
from backend.db import get_engine
from support.factories import new_project, new_team
from support.fixtures import REPO_ROOT
from support.seed import seed_items

ROUTES = "m == 'backend.api' or m.endswith('.routes') or m == 'backend.app'"

# What a worker process imports: the Celery app and every task module it includes.
WORKER_IMPORTS = f"""
import importlib, json, sys
from workers.celery_app import app
for name in app.conf.include:
    importlib.import_module(name)
from backend import events
print(json.dumps({{
    "routes": sorted(m for m in sys.modules if m.startswith('backend') and ({ROUTES})),
    "listeners": [f.__qualname__ for f in events.listeners_of(events.AnnotationSubmitted)],
}}))
"""

# A submitting process that is not the API: wire, take a lease, submit, through the services.
SUBMITTER = f"""
import json, sys
import backend.all_models
from backend.wiring import wire
wire()
from sqlmodel import Session
from backend.assignments.leasing import next_assignment
from backend.assignments.stages import ANNOTATE
from backend.assignments.submitting import Answer, submit_annotation
from backend.db import get_engine
from backend.projects.models import Project

project_id, user_id, label = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with Session(get_engine(), expire_on_commit=False) as session:
    lease = next_assignment(
        session=session,
        rules=ANNOTATE,
        project=session.get(Project, project_id),
        annotator_id=user_id,
    )
with Session(get_engine(), expire_on_commit=False) as session:
    stored = submit_annotation(
        session=session,
        rules=ANNOTATE,
        assignment_id=lease.assignment_id,
        user_id=user_id,
        answer=Answer({{"label": label}}, 1200),
    )
print(json.dumps({{
    "item_id": lease.item.id,
    "annotation_id": stored.id,
    "routes": sorted(m for m in sys.modules if m.startswith('backend') and ({ROUTES})),
}}))
"""


def _python(code: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_worker_process_imports_no_routes_and_is_wired():
    seen = _python(WORKER_IMPORTS)
    assert seen["routes"] == []
    assert "_on_submit" in seen["listeners"]  # the recompute flag (models listens too)


def test_a_submit_from_a_process_without_routes_is_recomputed_by_the_worker(client, worker):
    team = new_team(client, annotators=1)
    project = new_project(client, team, gold_rate=0.0, overlap=1, max_overlap=1)
    seed_items(project_id=project["id"], count=2)
    (annotator,) = team.annotators

    submitted = _python(SUBMITTER, str(project["id"]), str(annotator.id), "mechanical_wear")
    assert submitted["routes"] == []

    deadline = time.monotonic() + 60
    row = None
    while row is None and time.monotonic() < deadline:
        with Session(get_engine()) as session:
            row = session.exec(
                select(Consensus).where(Consensus.item_id == submitted["item_id"])
            ).first()
        if row is None:
            time.sleep(0.2)
    assert row is not None, "the worker never recomputed after the submit"
    assert row.project_id == project["id"]
    assert row.result == {"label": "mechanical_wear"}
    assert row.n_annotations == 1
