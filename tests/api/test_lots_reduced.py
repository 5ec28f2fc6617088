"""Reduced inspection in a project's switching (ISO 2859-1:1999 clause 9.3.3-9.3.4), through the
public API on SQLite and PostgreSQL.

Lots of 2 items at AQL 1.0 are inspected 100 % with Ac = 0 on every severity (Table 1 letter A,
arrows down to E in Tables 2-A and 2-C), so on normal inspection each accepted lot adds 2 to the
switching score (9.3.3.2, Ac 0 or 1): 15 accepted lots reach 30. Normal -> reduced needs the
score, steady production and the authority's consent (``reduced_inspection``); reduced -> normal
on a lot not accepted, or as soon as either setting is switched off.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

from backend.db import get_engine
from backend.lots.models import AcceptanceSwitching
from support.factories import add_member, new_project, new_team, new_user
from support.lot_flow import inspect_all
from support.lot_seed import finished_items

pytestmark = pytest.mark.usefixtures("client")
N, R = "normal", "reduced"


def _setup(client, **settings):
    team = new_team(client, annotators=1)
    customer = new_user(client, name="Client Person")
    add_member(client, team.org_id, team.owner, customer, "client")
    return team, customer, new_project(client, team, **settings)


def _lot(client, team, customer, project, *, rejected: bool = False) -> dict:
    ids = finished_items(project, 2, [team.annotators[0].id])
    made = client.post(
        f"/api/v1/projects/{project['id']}/lots",
        json={"item_ids": ids, "aql": "1.0"},
        headers=team.manager.headers,
    )
    assert made.status_code == 201, made.text
    lot = made.json()
    inspect_all(
        client,
        lot["id"],
        customer,
        decide=lambda p: "reject" if rejected and p == 0 else "accept",
    )
    return client.get(f"/api/v1/lots/{lot['id']}", headers=customer.headers).json()


def _switching(client, customer, project) -> dict:
    url = f"/api/v1/projects/{project['id']}/lots"
    return client.get(url, headers=customer.headers).json()["switching"]


def _patch(client, team, project, **settings) -> dict:
    answer = client.patch(
        f"/api/v1/projects/{project['id']}", json=settings, headers=team.manager.headers
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_normal_to_reduced_needs_a_score_of_30_and_the_authority_then_back_on_a_rejection(client):
    team, customer, project = _setup(client)
    assert (project["reduced_inspection"], project["production_steady"]) == (False, True)
    for count in range(1, 16):
        lot = _lot(client, team, customer, project)
        assert (lot["status"], lot["plan"]["severity"], lot["plan"]["accept"]) == ("accepted", N, 0)
        assert _switching(client, customer, project)["switching_score"] == 2 * count
    # Score 30, but the authority has not allowed reduced inspection (9.3.3 c): still normal.
    assert _switching(client, customer, project)["severity"] == N
    _patch(client, team, project, reduced_inspection=True)
    lot = _lot(client, team, customer, project)  # score 32 >= 30, production steady
    assert lot["plan"]["severity"] == N
    assert _switching(client, customer, project) == {
        "severity": R,
        "history": [],
        "switching_score": 0,
    }
    on_reduced = _lot(client, team, customer, project)
    plan = on_reduced["plan"]
    # Table 2-C: lot of 2, letter A, arrow down to E (n = 5 >= 2: 100 %), Ac 0, Re 1.
    assert (plan["severity"], plan["code_letter"], plan["accept"], plan["reject"]) == (
        R,
        "E",
        0,
        1,
    )
    assert plan["full_inspection"] is True and on_reduced["status"] == "accepted"
    assert _switching(client, customer, project)["severity"] == R
    rejected = _lot(client, team, customer, project, rejected=True)
    assert (rejected["status"], rejected["plan"]["severity"]) == ("rejected", R)
    # 9.3.4 a): a lot not accepted on reduced inspection reinstates normal inspection.
    assert _switching(client, customer, project) == {
        "severity": N,
        "history": [],
        "switching_score": 0,
    }
    assert _lot(client, team, customer, project)["plan"]["severity"] == N


@pytest.mark.parametrize(
    "withdrawn", [{"production_steady": False}, {"reduced_inspection": False}], ids=str
)
def test_reduced_ends_at_once_when_production_is_irregular_or_the_authority_withdraws(
    client, withdrawn
):
    team, customer, project = _setup(client, reduced_inspection=True)
    with Session(get_engine()) as session:  # a project that reached reduced inspection
        session.add(AcceptanceSwitching(project_id=project["id"], severity=R, history=[True, True]))
        session.commit()
    assert _lot(client, team, customer, project)["plan"]["severity"] == R
    unchanged = _patch(client, team, project, overlap=2)  # other settings change nothing
    assert unchanged["reduced_inspection"] is True
    assert _switching(client, customer, project)["severity"] == R
    changed = _patch(client, team, project, **withdrawn)
    assert all(changed[key] == value for key, value in withdrawn.items())
    assert _switching(client, customer, project)["severity"] == N  # 9.3.4 b) / c)
    assert _lot(client, team, customer, project)["plan"]["severity"] == N
    # Null leaves a setting as it is.
    kept = _patch(client, team, project, production_steady=None, reduced_inspection=None)
    assert {k: kept[k] for k in withdrawn} == withdrawn


def test_switching_settings_are_validated(client):
    team, _customer, project = _setup(client)
    bad = client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"final_when": "someday"},
        headers=team.manager.headers,
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "final_when"
    annotator = client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"reduced_inspection": True},
        headers=team.annotators[0].headers,
    )
    assert annotator.status_code in (403, 404)
