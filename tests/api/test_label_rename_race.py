"""A submit racing a label rename never stores an answer under the old name (PostgreSQL).

The rename locks the project row ``FOR UPDATE`` and rewrites every stored answer. A submit holds
the same row ``FOR KEY SHARE`` before it validates (``jinbiao_submit`` since revision
0021_label_lock, and both Python paths), so a submit that arrives while a rename runs waits for it
and is then validated against the new names. The test holds the rename's lock, lets the submit
reach the database and wait (seen in ``pg_stat_activity``), then runs the real rename in that
transaction: the answer under the old name is refused (422), nothing is stored under it, and the
same lease then takes the answer under the new name.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from backend.accounts.deps import Bearer
from backend.assignments import fast_path, general_path
from backend.assignments.models import Annotation
from backend.assignments.stages import ANNOTATE
from backend.assignments.submitting import Answer
from backend.db import get_engine
from backend.errors import ApiError
from backend.labels.service import rename
from backend.orgs.models import Membership
from backend.projects.models import Project
from support.factories import new_project, new_team
from support.seed import seed_items

LABELS = [{"name": "leak"}, {"name": "crack"}]


@pytest.fixture(autouse=True)
def _postgresql_only(is_postgres):
    if not is_postgres:
        pytest.skip("SQLite serialises every write transaction: there is no window to close")


def _wait_for_a_lock_waiter(deadline_s: float = 20.0) -> None:
    """Until a backend of this database waits for a lock (the submit, behind the rename)."""
    stop = time.monotonic() + deadline_s
    with get_engine().connect() as connection:
        while time.monotonic() < stop:
            waiting = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            if waiting:
                return
            connection.rollback()
            time.sleep(0.05)
    raise AssertionError("the submit never waited for the rename's lock")


def _submit_over_http(client, annotator, assignment_id, label):
    return client.post(
        f"/api/v1/assignments/{assignment_id}/submit",
        json={"result": {"label": label}, "duration_ms": 500},
        headers=annotator.headers,
    )


def _submit_in_python(path, annotator, assignment_id, label):
    with Session(get_engine(), expire_on_commit=False) as session:
        arguments = {
            "session": session,
            "rules": ANNOTATE,
            "assignment_id": assignment_id,
            "answer": Answer({"label": label}, duration_ms=500),
        }
        try:
            if path == "fast path":
                fast_path.submit(user_id=annotator.id, generation=0, **arguments)
            else:
                bearer = Bearer(annotator.headers["Authorization"].split()[1], annotator.id)
                general_path.submit(bearer=bearer, **arguments)
        except ApiError as exc:
            return exc.status_code
    return 201


@pytest.mark.parametrize("path", ["sql function", "fast path", "general path"])
def test_a_submit_during_a_rename_is_validated_against_the_new_names(client, path):
    team = new_team(client, annotators=1)
    annotator = team.annotators[0]
    project = new_project(client, team, "text_classification", labels=LABELS)
    pid = project["id"]
    seed_items(project_id=pid, count=1)
    lease = client.post(f"/api/v1/projects/{pid}/next", headers=annotator.headers)
    assert lease.status_code == 200, lease.text
    assignment_id = lease.json()["assignment_id"]

    outcome: dict[str, int] = {}

    def submit() -> None:
        if path == "sql function":
            outcome["status"] = _submit_over_http(
                client, annotator, assignment_id, "leak"
            ).status_code
        else:
            outcome["status"] = _submit_in_python(path, annotator, assignment_id, "leak")

    with Session(get_engine()) as session:
        session.exec(select(Project).where(Project.id == pid).with_for_update()).one()
        submitter = threading.Thread(target=submit)
        submitter.start()
        _wait_for_a_lock_waiter()
        actor = session.exec(
            select(Membership).where(
                Membership.org_id == team.org_id, Membership.user_id == team.manager.id
            )
        ).one()
        rename(session=session, project_id=pid, old="leak", new="fluid_leak", actor=actor)
    submitter.join(timeout=30)
    assert not submitter.is_alive()

    assert outcome["status"] == 422  # "leak" is no label of the project any more
    with Session(get_engine()) as session:
        stored = session.exec(select(Annotation).where(Annotation.project_id == pid)).all()
    assert stored == []
    again = _submit_over_http(client, annotator, assignment_id, "fluid_leak")
    assert again.status_code == 201, again.text
    with Session(get_engine()) as session:
        labels = [
            a.result["label"]
            for a in session.exec(select(Annotation).where(Annotation.project_id == pid))
        ]
    assert labels == ["fluid_leak"]
