"""``POST /projects/{id}/lots/count``: the size a lot made now from a source would have (the
new-lot form previews its plan with it). Only finished items in no lot count; nothing is
written; the roles that may make a lot may ask. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from backend.db import get_engine
from backend.lots.models import Lot
from support.factories import add_member, new_project, new_team, new_user
from support.lot_seed import LABELS, finished_items

pytestmark = pytest.mark.usefixtures("client")


def _count(client, project, who, **body):
    return client.post(
        f"/api/v1/projects/{project['id']}/lots/count", json=body, headers=who.headers
    )


def _lots(project_id: int) -> int:
    with Session(get_engine()) as session:
        return session.exec(
            select(func.count()).select_from(Lot).where(Lot.project_id == project_id)
        ).one()


def test_the_count_is_the_size_of_the_lot_made_next(client):
    team = new_team(client, annotators=2)
    customer = new_user(client, name="Client Person")
    add_member(client, team.org_id, team.owner, customer, "client")
    project = new_project(client, team)
    annotators = [a.id for a in team.annotators]
    done = finished_items(project, 24, annotators)
    unfinished = finished_items(project, 5, annotators, finished=False)

    every = _count(client, project, team.manager, all_finished=True)
    assert every.status_code == 200, every.text
    assert every.json() == {"count": 24}
    assert _count(client, project, customer, all_finished=True).json() == {"count": 24}
    label = LABELS[1]
    labelled = sum(1 for n in range(24) if n % len(LABELS) == 1)
    assert _count(client, project, team.manager, filter={"label": label}).json() == {
        "count": labelled
    }
    # Of explicit ids, the project's finished ones count (the lot itself refuses the rest).
    ids = _count(client, project, team.manager, item_ids=[*done[:3], *unfinished[:2], 10**9])
    assert ids.json() == {"count": 3}
    assert _lots(project["id"]) == 0  # asking writes nothing

    made = client.post(
        f"/api/v1/projects/{project['id']}/lots",
        json={"all_finished": True, "aql": "1.0"},
        headers=team.manager.headers,
    )
    assert made.status_code == 201 and made.json()["size"] == 24
    # Everything finished is in a lot now: 0, where making another answers 409 lot_empty.
    assert _count(client, project, team.manager, all_finished=True).json() == {"count": 0}
    assert _count(client, project, team.manager, batch_id=1).json() == {"count": 0}


def test_who_may_ask_and_what_is_refused(client):
    team = new_team(client, annotators=1)
    project = new_project(client, team)
    finished_items(project, 3, [team.annotators[0].id])
    assert _count(client, project, team.owner, all_finished=True).json() == {"count": 3}
    for who in (team.reviewer, team.annotators[0]):
        assert _count(client, project, who, all_finished=True).status_code == 403
    stranger = new_team(client, annotators=0).manager
    assert _count(client, project, stranger, all_finished=True).status_code == 404
    both = _count(client, project, team.manager, all_finished=True, batch_id=1)
    assert both.status_code == 422
    assert _count(client, project, team.manager).status_code == 422
    unknown = _count(client, project, team.manager, filter={"colour": "red"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_filter"
    extra = _count(client, project, team.manager, all_finished=True, aql="1.0")
    assert extra.status_code == 422  # a count takes the source alone
