"""A lease has a stage: only ``annotate`` is built, and every path keeps to the stage it serves.

Review and acceptance leases (issue 19) will share the table, the locks and the paths; until
then a lease of another stage must be invisible to the annotate routes on every path: not handed
back by ``next`` as a held lease, and not found (404) by ``submit`` and ``skip``. On SQLite and
PostgreSQL (where the lease's context is remembered from the function's ``next``).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session

from backend.assignments.models import Assignment
from backend.assignments.stages import ACCEPTANCE, ANNOTATE, REVIEW, Stage, rules_for
from backend.db import get_engine
from backend.orgs.models import Role
from support.factories import new_project, new_team
from support.seed import seed_items

pytestmark = pytest.mark.usefixtures("client")


def test_every_stage_is_built():
    assert rules_for(Stage.annotate) is ANNOTATE
    assert ANNOTATE.roles == {Role.annotator, Role.manager, Role.owner}
    assert ANNOTATE.role_names == ("annotator", "manager", "owner")
    assert rules_for(Stage.review) is REVIEW
    assert REVIEW.role_names == ("manager", "owner", "reviewer")
    assert rules_for(Stage.acceptance) is ACCEPTANCE
    assert ACCEPTANCE.role_names == ("client", "manager", "owner", "reviewer")


def _next(client, who, project_id):
    return client.post(f"/api/v1/projects/{project_id}/next", headers=who.headers)


def test_leases_are_annotate_and_a_lease_of_another_stage_is_invisible(client):
    team = new_team(client, annotators=1)
    annotator = team.annotators[0]
    project = new_project(client, team, "text_classification", gold_rate=0.0)
    seed_items(project_id=project["id"], count=3)
    _next(client, annotator, project["id"])  # creates the state row
    held = _next(client, annotator, project["id"]).json()  # PostgreSQL: the function's "held"
    with Session(get_engine()) as session:
        assert session.get(Assignment, held["assignment_id"]).stage == "annotate"
        session.execute(
            text("UPDATE assignments SET stage = 'review' WHERE id = :a"),
            {"a": held["assignment_id"]},
        )
        session.commit()

    fresh = _next(client, annotator, project["id"])
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["assignment_id"] != held["assignment_id"]
    assert fresh.json()["item"]["id"] != held["item"]["id"]
    submitted = client.post(
        f"/api/v1/assignments/{held['assignment_id']}/submit",
        json={"result": {"label": "other"}, "duration_ms": 500},
        headers=annotator.headers,
    )
    assert (submitted.status_code, submitted.json()) == (
        404,
        {"detail": "assignment not found", "code": "not_found"},
    )
    skipped = client.post(
        f"/api/v1/assignments/{held['assignment_id']}/skip", headers=annotator.headers
    )
    assert skipped.status_code == 404
    with Session(get_engine()) as session:
        row = session.get(Assignment, held["assignment_id"])
        stages = session.execute(
            text("SELECT DISTINCT stage FROM assignments WHERE project_id = :p"),
            {"p": project["id"]},
        ).scalars()
        assert (row.stage, row.status) == ("review", "leased")
        assert sorted(stages) == ["annotate", "review"]
