"""A lot made from a data-manager filter (SQLite and PostgreSQL): the same filters select the
same items as ``GET /projects/{id}/items``; only finished items in no open lot go in; a name
that is not a filter is 422 ``unknown_filter``."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from backend.audit.models import AuditEvent
from backend.db import get_engine
from backend.lots.models import LotItem
from support.factories import add_member, new_project, new_team, new_user
from support.lot_flow import inspect_all
from support.lot_seed import LABELS, finished_items

pytestmark = pytest.mark.usefixtures("client")


def _team_with_client(client):
    team = new_team(client, annotators=2)
    customer = new_user(client, name="Client Person")
    add_member(client, team.org_id, team.owner, customer, "client")
    return team, customer


def _lot(client, project, who, **body):
    return client.post(f"/api/v1/projects/{project['id']}/lots", json=body, headers=who.headers)


def _listed(client, project, who, **filters) -> set[int]:
    """Every item the data manager lists under ``filters`` (all pages)."""
    found: set[int] = set()
    cursor = None
    while True:
        params = {**filters, "limit": 200, **({"cursor": cursor} if cursor else {})}
        page = client.get(
            f"/api/v1/projects/{project['id']}/items", params=params, headers=who.headers
        )
        assert page.status_code == 200, page.text
        found |= {row["id"] for row in page.json()["items"]}
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return found


def _lot_items(lot_id: int) -> set[int]:
    with Session(get_engine()) as session:
        return set(session.exec(select(LotItem.item_id).where(LotItem.lot_id == lot_id)).all())


def test_a_lot_of_a_label_filter_takes_the_finished_items_the_data_manager_lists(client):
    team, customer = _team_with_client(client)
    project = new_project(client, team)
    annotators = [a.id for a in team.annotators]
    done = finished_items(project, 12, annotators)  # labels cycle through LABELS
    finished_items(project, 3, annotators, finished=False)  # no consensus: never in a lot
    label = LABELS[2]
    listed = _listed(client, project, team.manager, label=label)
    assert listed == {item for n, item in enumerate(done) if n % len(LABELS) == 2}
    made = _lot(client, project, customer, filter={"label": label}, aql="1.0")
    assert made.status_code == 201, made.text
    lot = made.json()
    assert lot["source"] == "filter" and lot["size"] == len(listed) == 4
    assert _lot_items(lot["id"]) == listed
    # The same filter again: its items are in an open lot now, nothing is left.
    again = _lot(client, project, customer, filter={"label": label}, aql="1.0")
    assert again.status_code == 409 and again.json()["code"] == "lot_empty"
    # Filters combine with AND, values as the query string gives them or typed.
    both = _lot(
        client,
        project,
        team.manager,
        filter={"label": LABELS[0], "confidence_min": "0.5", "gold": False},
        aql="1.0",
    )
    assert both.status_code == 201, both.text
    assert _lot_items(both.json()["id"]) == _listed(
        client, project, team.manager, label=LABELS[0], confidence_min=0.5, gold="false"
    )
    none_left = _lot(client, project, team.manager, filter={"confidence_max": 0.5}, aql="1.0")
    assert none_left.status_code == 409 and none_left.json()["code"] == "lot_empty"
    with Session(get_engine()) as session:
        audited = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "lot.create", AuditEvent.target_id == lot["id"]
            )
        ).one()
    assert audited.data["filter"] == {"label": label}
    # The lot keeps its filter, as given, and the list shows it (other sources: none).
    lots = client.get(f"/api/v1/projects/{project['id']}/lots", headers=team.manager.headers)
    assert lots.status_code == 200, lots.text
    shown = {found["id"]: found["filter"] for found in lots.json()["lots"]}
    assert shown[lot["id"]] == {"label": label}
    assert shown[both.json()["id"]] == {"label": LABELS[0], "confidence_min": "0.5", "gold": False}
    assert lot["filter"] == {"label": label}


def test_a_filter_that_selects_unfinished_items_takes_only_the_finished_ones(client):
    team, customer = _team_with_client(client)
    project = new_project(client, team)
    annotators = [team.annotators[0].id]
    done = finished_items(project, 5, annotators)
    waiting = finished_items(project, 4, annotators, finished=False)
    everything = _listed(client, project, team.manager, q="spindle")
    assert everything == set(done) | set(waiting)
    made = _lot(client, project, customer, filter={"q": "spindle"}, aql="1.0")
    assert made.status_code == 201, made.text
    assert _lot_items(made.json()["id"]) == set(done)


@pytest.mark.parametrize(
    ("flt", "status", "code", "loc"),
    [
        ({"colour": "red"}, 422, "unknown_filter", ["body", "filter", "colour"]),
        ({"label": "x", "sort": "-id"}, 422, "unknown_filter", ["body", "filter", "sort"]),
        ({"cursor": "abc"}, 422, "unknown_filter", ["body", "filter", "cursor"]),
        ({"confidence_min": 2}, 422, "invalid_input", ["body", "filter", "confidence_min"]),
        ({"status": "lost"}, 422, "invalid_input", ["body", "filter", "status"]),
    ],
)
def test_a_filter_the_data_manager_would_refuse_is_refused(client, flt, status, code, loc):
    team, customer = _team_with_client(client)
    project = new_project(client, team)
    finished_items(project, 3, [team.annotators[0].id])
    answer = _lot(client, project, customer, filter=flt, aql="1.0")
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code
    assert answer.json()["detail"][0]["loc"] == loc
    # Nothing was made: every finished item still makes a lot.
    assert _lot(client, project, customer, all_finished=True, aql="1.0").status_code == 201


def test_a_filter_is_one_source_among_the_others_and_for_deciders_only(client):
    team, customer = _team_with_client(client)
    project = new_project(client, team)
    ids = finished_items(project, 3, [team.annotators[0].id])
    both = _lot(client, project, customer, filter={}, all_finished=True, aql="1.0")
    assert both.status_code == 422
    with_ids = _lot(client, project, customer, filter={"gold": False}, item_ids=ids, aql="1.0")
    assert with_ids.status_code == 422
    denied = _lot(client, project, team.annotators[0], filter={}, aql="1.0")
    assert denied.status_code == 403
    stranger = new_team(client, annotators=0)
    assert _lot(client, project, stranger.manager, filter={}, aql="1.0").status_code == 404
    everything = _lot(client, project, customer, filter={}, aql="1.0")  # no filter: all finished
    assert everything.status_code == 201 and _lot_items(everything.json()["id"]) == set(ids)


def test_items_of_an_accepted_lot_go_into_no_second_lot(client):
    """ "Every finished item not yet in a lot": an accepted lot delivered its items."""
    team, customer = _team_with_client(client)
    project = new_project(client, team)
    ids = finished_items(project, 3, [team.annotators[0].id])
    lot = _lot(client, project, customer, item_ids=ids, aql="1.0").json()  # 100 %, Ac 0
    inspect_all(client, lot["id"], customer, decide=lambda _p: "accept")
    shown = client.get(f"/api/v1/lots/{lot['id']}", headers=customer.headers).json()
    assert shown["status"] == "accepted"
    for body in ({"all_finished": True}, {"filter": {}}, {"filter": {"q": "spindle"}}):
        again = _lot(client, project, customer, aql="1.0", **body)
        assert again.status_code == 409 and again.json()["code"] == "lot_empty", again.text
    named = _lot(client, project, customer, item_ids=ids, aql="1.0")
    assert named.status_code == 409 and named.json()["code"] == "item_not_finished"
    assert sorted(named.json()["item_ids"]) == sorted(ids)
    fresh = finished_items(project, 2, [team.annotators[0].id])
    made = _lot(client, project, customer, all_finished=True, aql="1.0")
    assert made.status_code == 201 and _lot_items(made.json()["id"]) == set(fresh)
