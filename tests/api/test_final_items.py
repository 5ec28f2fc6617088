"""When items become final (``backend/review/finality.py``), on SQLite and PostgreSQL.

An item no review picks is final once finished (``final_when: "finished"``, the default): pay
earns on it in a ``payable_when: "final"`` project, and its author can no longer correct it. A
reviewed item is final when the reviewer accepts or fixes it. With ``final_when:
"lot_accepted"`` nothing is final before an accepted lot holds it; a rejected lot reopens final
items for rework. Everything goes through the public API and the real recompute and ledger.
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, select

from backend.db import get_engine
from backend.items.final_models import FinalItem
from backend.items.finals import mark_final
from backend.items.models import Item
from backend.items.progress import raise_wanted
from backend.review.selection import sample_draw
from support.factories import add_member, new_project, new_team, new_user
from support.lot_flow import inspect_all
from support.lot_seed import finished_items
from support.pay_helpers import build, entries
from support.review_flow import label_all, recompute, review_next, review_states, verdict
from support.seed import seed_items


def _finals(project_id: int) -> set[int]:
    with Session(get_engine()) as session:
        rows = session.exec(select(FinalItem.item_id).where(FinalItem.project_id == project_id))
        return set(rows.all())


def _project(client, team, *, items: int, **settings):
    body = {
        "gold_rate": 0.0,
        "overlap": 1,
        "max_overlap": 1,
        "pay": {"per_item": "0.05", "payable_when": "final"},
        **settings,
    }
    project = new_project(client, team, **body)
    seed_items(project_id=project["id"], count=items)
    return project


def _mine(client, who, project_id: int) -> dict[int, int]:
    """The caller's annotations: item id → annotation id."""
    listed = client.get(
        "/api/v1/me/annotations", params={"project_id": project_id}, headers=who.headers
    )
    assert listed.status_code == 200, listed.text
    return {row["item_id"]: row["id"] for row in listed.json()}


def _correct(client, who, annotation_id: int):
    return client.patch(
        f"/api/v1/annotations/{annotation_id}",
        json={"result": {"label": "electrical_fault"}},
        headers=who.headers,
    )


def test_without_review_a_finished_item_is_final_paid_and_no_longer_corrected(client):
    team = new_team(client, annotators=1)
    annotator = team.annotators[0]
    project = _project(client, team, items=3, review_mode="none")
    pid = project["id"]
    labelled = label_all(client, annotator, pid, lambda _i, _lease: {"label": "other"})
    mine = _mine(client, annotator, pid)
    # Finished but not yet recomputed: not final, corrections still allowed.
    assert _finals(pid) == set()
    early = _correct(client, annotator, mine[labelled[0]])
    assert early.status_code == 200, early.text
    recompute(pid)
    assert _finals(pid) == set(labelled)
    build(pid)
    earned = sorted(a for a, _, kind, _, _ in entries(pid) if kind == "earn")
    assert earned == sorted(mine.values())
    assert {m for *_, kind, _, m in entries(pid) if kind == "earn"} == {Decimal("0.05")}
    refused = _correct(client, annotator, mine[labelled[1]])
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "item_final"
    listed = client.get(
        "/api/v1/me/annotations", params={"project_id": pid}, headers=annotator.headers
    ).json()
    assert all(row["can_correct"] is False for row in listed)
    recompute(pid)  # finished again: still final once, nothing paid twice, nothing in review
    build(pid)
    assert len([e for e in entries(pid) if e[2] == "earn"]) == 3
    assert review_states(pid) == {}


def test_items_the_sample_skips_are_final_the_reviewed_ones_once_accepted(client):
    team = new_team(client, annotators=1)
    annotator = team.annotators[0]
    project = _project(client, team, items=30, review_mode="sample", review_rate=0.3)
    pid = project["id"]
    labelled = label_all(client, annotator, pid, lambda _i, _lease: {"label": "other"})
    recompute(pid)
    drawn = {i for i in labelled if sample_draw(pid, i) < 0.3}
    assert drawn and drawn != set(labelled)
    assert set(review_states(pid)) == drawn
    assert _finals(pid) == set(labelled) - drawn
    build(pid)
    mine = _mine(client, annotator, pid)
    paid = {a for a, _, kind, _, _ in entries(pid) if kind == "earn"}
    assert paid == {mine[i] for i in set(labelled) - drawn}
    waiting = sorted(drawn)[0]
    assert _correct(client, annotator, mine[waiting]).status_code == 200  # in review: not final
    lease = review_next(client, team.reviewer, pid).json()
    accepted = verdict(client, team.reviewer, lease["review_id"], decision="accept")
    assert accepted.status_code == 201, accepted.text
    assert lease["item"]["id"] in _finals(pid)
    build(pid)
    assert mine[lease["item"]["id"]] in {a for a, _, kind, _, _ in entries(pid) if kind == "earn"}
    refused = _correct(client, annotator, mine[lease["item"]["id"]])
    assert refused.status_code == 409 and refused.json()["code"] == "item_final"


def _team_with_client(client):
    team = new_team(client, annotators=1)
    customer = new_user(client, name="Client Person")
    add_member(client, team.org_id, team.owner, customer, "client")
    return team, customer


def test_lot_accepted_projects_make_items_final_only_in_an_accepted_lot(client):
    team, customer = _team_with_client(client)
    annotator = team.annotators[0]
    project = _project(client, team, items=4, review_mode="none", final_when="lot_accepted")
    assert project["final_when"] == "lot_accepted"
    pid = project["id"]
    labelled = label_all(client, annotator, pid, lambda _i, _lease: {"label": "other"})
    recompute(pid)
    build(pid)
    assert _finals(pid) == set() and entries(pid) == []  # finished is not final here
    mine = _mine(client, annotator, pid)
    assert _correct(client, annotator, mine[labelled[0]]).status_code == 200
    lot = client.post(
        f"/api/v1/projects/{pid}/lots",
        json={"all_finished": True, "aql": "1.0"},
        headers=customer.headers,
    ).json()
    inspect_all(client, lot["id"], customer, decide=lambda _p: "accept")
    shown = client.get(f"/api/v1/lots/{lot['id']}", headers=customer.headers).json()
    assert shown["status"] == "accepted"
    assert _finals(pid) == set(labelled)
    build(pid)
    assert {a for a, _, kind, _, _ in entries(pid) if kind == "earn"} == set(mine.values())
    refused = _correct(client, annotator, mine[labelled[1]])
    assert refused.status_code == 409 and refused.json()["code"] == "item_final"


def test_a_reviewed_item_waiting_for_its_lot_is_settled_but_not_final(client):
    team = new_team(client, annotators=1)
    annotator = team.annotators[0]
    project = _project(client, team, items=1, review_mode="all", final_when="lot_accepted")
    pid = project["id"]
    (item_id,) = label_all(client, annotator, pid, lambda _i, _lease: {"label": "other"})
    recompute(pid)
    lease = review_next(client, team.reviewer, pid).json()
    assert verdict(client, team.reviewer, lease["review_id"], decision="accept").status_code == 201
    assert _finals(pid) == set()
    build(pid)
    assert entries(pid) == []
    refused = _correct(client, annotator, _mine(client, annotator, pid)[item_id])
    assert refused.status_code == 409 and refused.json()["code"] == "item_final"
    assert "reviewed" in refused.json()["detail"]


def test_a_rejected_lot_reopens_final_items_for_rework(client):
    team, customer = _team_with_client(client)
    annotator = team.annotators[0]
    project = _project(client, team, items=3, review_mode="none")
    pid = project["id"]
    labelled = label_all(client, annotator, pid, lambda _i, _lease: {"label": "other"})
    recompute(pid)
    assert _finals(pid) == set(labelled)
    lot = client.post(
        f"/api/v1/projects/{pid}/lots",
        json={"item_ids": labelled, "aql": "1.0"},
        headers=customer.headers,
    ).json()
    defective = inspect_all(
        client, lot["id"], customer, decide=lambda p: "reject" if p == 0 else "accept"
    )[0]
    sent = client.post(
        f"/api/v1/lots/{lot['id']}/rework", json={"scope": "defective"}, headers=customer.headers
    )
    assert sent.status_code == 200, sent.text
    assert _finals(pid) == set(labelled) - {defective}
    assert review_states(pid)[defective][0] == "rework"


def test_adaptive_overlap_never_asks_a_final_item_for_another_answer(client):
    team = new_team(client, annotators=1)
    project = new_project(client, team, gold_rate=0.0, overlap=1, max_overlap=3)
    settled, open_ = finished_items(project, 2, [team.annotators[0].id])
    with Session(get_engine()) as session:
        mark_final(session=session, project_id=project["id"], item_ids=[settled])
        raised = raise_wanted(session=session, item_ids=[settled, open_], up_to=3, final_too=False)
        session.commit()
        wanted = {i: session.get(Item, i).wanted for i in (settled, open_)}
        # A manager's requeue (the data manager's bulk action) still asks it for one more.
        requeued = raise_wanted(session=session, item_ids=[settled], up_to=3)
        session.commit()
    assert raised == 1 and wanted == {settled: 1, open_: 2} and requeued == 1
