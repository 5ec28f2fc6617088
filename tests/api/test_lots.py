"""Lots and acceptance sampling (验收): the plan route, making lots, inspecting, the verdict,
switching between normal and tightened inspection. On SQLite and PostgreSQL.

Judgments go through ``tests/support/lot_flow.judge``: the route ``POST /reviews/{id}/submit``
once the review stage is merged, the same service until then.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from backend import events
from backend.db import get_engine
from backend.lots.models import LotItem, LotSample
from backend.lots.sampling import draw_sample
from quality.acceptance import AQLS, LEVELS, single_sampling_plan
from support.factories import add_member, new_project, new_team, new_user
from support.lot_flow import inspect_all, judge, next_sample
from support.lot_seed import finished_items
from support.review_flow import consensus_of, label_all, recompute, review_next, verdict
from support.seed import seed_items

pytestmark = pytest.mark.usefixtures("client")

N, T, R = "normal", "tightened", "reduced"
# (lot size, level, AQL, severity) -> (plan letter, n used, Ac, Re); published values, the same
# cases as tests/quality/test_acceptance.py with their sources (NIBS: MIL-STD-105E Tables
# II-A/II-B reproduced at nibs.org; SEED: GB/T 2828.1-2012 transcription checked against SQC
# Online; VERIFY: public GB/T 2828.1-2012 Table 2-A points; PLOS: Jenkins et al. 2023).
PUBLISHED = [
    ((1000, "II", "1.0", N), ("J", 80, 2, 3)),  # NIBS, VERIFY, SEED
    ((150, "II", "1.0", N), ("E", 13, 0, 1)),  # arrow up
    ((500, "II", "0.65", N), ("J", 80, 1, 2)),  # arrow down
    ((80, "II", "0.65", N), ("F", 20, 0, 1)),  # arrow down
    ((200, "II", "1.0", N), ("H", 50, 1, 2)),  # arrow down
    ((2000, "II", "2.5", N), ("K", 125, 7, 8)),
    ((600000, "II", "2.5", N), ("N", 500, 21, 22)),  # two rows up
    ((300, "II", "2.5", N), ("H", 50, 3, 4)),
    ((3000, "II", "1.0", N), ("K", 125, 3, 4)),
    ((10000, "II", "0.65", N), ("L", 200, 3, 4)),
    ((12, "II", "6.5", N), ("A", 2, 0, 1)),  # arrow up
    ((40, "II", "1.5", N), ("D", 8, 0, 1)),
    ((400000, "II", "1.0", N), ("P", 800, 14, 15)),
    ((100000, "II", "4.0", N), ("M", 315, 21, 22)),  # arrow up
    ((100000, "S-4", "0.65", N), ("J", 80, 1, 2)),  # PLOS
    ((100000, "S-3", "0.40", N), ("G", 32, 0, 1)),  # PLOS
    ((1000, "I", "2.5", N), ("G", 32, 2, 3)),
    ((1000, "III", "1.0", N), ("K", 125, 3, 4)),
    ((2000, "II", "2.5", T), ("K", 125, 5, 6)),
    ((200, "II", "1.0", T), ("J", 80, 1, 2)),  # two rows down
    ((1000, "II", "1.0", T), ("J", 80, 1, 2)),
    ((3000, "II", "1.0", T), ("K", 125, 2, 3)),
    ((1000, "II", "1.0", R), ("J", 32, 1, 2)),  # SEED, GB (Table 2-C)
    ((100, "II", "1.0", R), ("E", 5, 0, 1)),  # arrow up
    ((400, "II", "1.0", R), ("J", 32, 1, 2)),  # two rows down
    ((10000, "II", "2.5", R), ("L", 80, 6, 7)),
    ((1000, "III", "2.5", R), ("K", 50, 5, 6)),
    ((8, "II", "0.65", N), ("F", 8, 0, 1)),  # n = 20 >= 8: 100 % inspection
    ((10, "II", "1.0", N), ("E", 10, 0, 1)),  # n = 13 >= 10: 100 % inspection
]


@pytest.mark.parametrize(("args", "expected"), PUBLISHED, ids=str)
def test_plan_route_gives_the_published_plan(client, args, expected):
    lot_size, level, aql, severity = args
    caller = new_user(client)
    answer = client.get(
        "/api/v1/acceptance/plan",
        params={"lot_size": lot_size, "level": level, "aql": aql, "severity": severity},
        headers=caller.headers,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["code_letter"], body["sample_size"], body["accept"], body["reject"]) == expected
    plan = single_sampling_plan(lot_size, level=level, aql=aql, severity=severity)
    assert body == {**plan.to_dict(), "standard": body["standard"]}
    assert body["full_inspection"] is (plan.table_sample_size >= lot_size)


@pytest.mark.parametrize(
    ("params", "field", "allowed"),
    [
        ({"lot_size": 100, "aql": "2.0"}, "aql", list(AQLS)),
        ({"lot_size": 100, "aql": "1.0", "level": "IV"}, "level", list(LEVELS)),
        ({"lot_size": 100, "aql": "1.0", "severity": "loose"}, "severity", None),
    ],
)
def test_plan_route_refuses_values_outside_the_tables(client, params, field, allowed):
    caller = new_user(client)
    answer = client.get("/api/v1/acceptance/plan", params=params, headers=caller.headers)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["code"] == "invalid_plan"
    assert body["field"] == field
    assert body["detail"][0]["loc"] == ["query", field]
    if allowed is not None:
        assert body["allowed"] == allowed
    assert client.get("/api/v1/acceptance/plan", params={"lot_size": 10}).status_code == 401


def _team_with_client(client):
    team = new_team(client, annotators=2)
    customer = new_user(client, name="Client Person")
    add_member(client, team.org_id, team.owner, customer, "client")
    return team, customer


def _lot(client, project, who, **body):
    return client.post(f"/api/v1/projects/{project['id']}/lots", json=body, headers=who.headers)


def test_a_lot_over_items_of_another_project_or_organization_is_404(client):
    team, customer = _team_with_client(client)
    project = new_project(client, team)
    sibling = new_project(client, team)
    other_team = new_team(client, annotators=1)
    foreign = new_project(client, other_team)
    mine = finished_items(project, 3, [a.id for a in team.annotators])
    theirs = finished_items(foreign, 2, [other_team.annotators[0].id])
    next_door = finished_items(sibling, 2, [team.annotators[0].id])
    for extra in (theirs, next_door):
        answer = _lot(client, project, team.manager, item_ids=[*mine, extra[0]], aql="1.0")
        assert answer.status_code == 404, answer.text
    # Another organization's project itself is 404 too, for its items or all of them.
    answer = _lot(client, foreign, team.manager, item_ids=theirs, aql="1.0")
    assert answer.status_code == 404
    # Nothing was made: the same items still make a lot.
    assert _lot(client, project, customer, item_ids=mine, aql="1.0").status_code == 201


def test_only_finished_items_and_one_open_lot_per_item(client):
    team, _customer = _team_with_client(client)
    project = new_project(client, team)
    done = finished_items(project, 4, [a.id for a in team.annotators])
    open_items = finished_items(project, 2, [team.annotators[0].id], finished=False)
    refused = _lot(client, project, team.manager, item_ids=[*done, *open_items], aql="1.0")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "item_not_finished"
    assert sorted(refused.json()["item_ids"]) == sorted(open_items)
    made = _lot(client, project, team.manager, item_ids=done[:2], aql="1.0")
    assert made.status_code == 201
    again = _lot(client, project, team.manager, item_ids=done[1:3], aql="1.0")
    assert again.status_code == 409 and again.json()["code"] == "item_not_finished"
    rest = _lot(client, project, team.manager, all_finished=True, aql="1.0")
    assert rest.status_code == 201 and rest.json()["size"] == 2
    assert rest.json()["source"] == "all_finished" and rest.json()["filter"] is None
    empty = _lot(client, project, team.manager, all_finished=True, aql="1.0")
    assert empty.status_code == 409 and empty.json()["code"] == "lot_empty"
    wrong = _lot(client, project, team.manager, all_finished=True, aql="3.0")
    assert wrong.status_code in (409, 422)
    both = _lot(client, project, team.manager, all_finished=True, item_ids=done, aql="1.0")
    assert both.status_code == 422
    annotator = _lot(client, project, team.annotators[0], all_finished=True, aql="1.0")
    assert annotator.status_code == 403


def test_lot_plan_and_reproducible_sample(client):
    team, customer = _team_with_client(client)
    project = new_project(client, team)
    finished_items(project, 60, [a.id for a in team.annotators])
    answer = _lot(client, project, customer, all_finished=True, aql="2.5")
    assert answer.status_code == 201, answer.text
    lot = answer.json()
    # 60 items, level II: code letter E; AQL 2.5 has an arrow down at E: F, n = 20, Ac 1, Re 2.
    assert lot["size"] == 60 and lot["status"] == "inspecting"
    plan = lot["plan"]
    assert (plan["code_letter"], plan["sample_size"], plan["accept"], plan["reject"]) == (
        "F",
        20,
        1,
        2,
    )
    assert plan["severity"] == "normal"
    with Session(get_engine()) as session:
        items = session.exec(select(LotItem.item_id).where(LotItem.lot_id == lot["id"])).all()
        drawn = session.exec(
            select(LotSample.item_id)
            .where(LotSample.lot_id == lot["id"])
            .order_by(LotSample.position)
        ).all()
    assert list(drawn) == draw_sample(items, sample_size=20, lot_id=lot["id"], round_number=1)
    assert len(set(drawn)) == 20 and set(drawn) <= set(items)


def test_full_inspection_when_the_sample_would_exceed_the_lot(client):
    team, customer = _team_with_client(client)
    project = new_project(client, team)
    ids = finished_items(project, 10, [team.annotators[0].id])
    lot = _lot(client, project, customer, item_ids=ids, aql="1.0").json()
    assert lot["plan"]["sample_size"] == 10 and lot["plan"]["full_inspection"] is True
    seen = inspect_all(client, lot["id"], customer, decide=lambda _position: "accept")
    assert sorted(seen) == sorted(ids)


@pytest.fixture
def final_items():
    seen: list[int] = []

    def listener(event: events.ItemsFinal) -> None:
        seen.extend(event.item_ids)

    events.subscribe(events.ItemsFinal, listener)
    yield seen
    events.unsubscribe(events.ItemsFinal, listener)


@pytest.mark.parametrize(("defects", "verdict"), [(1, "accepted"), (2, "rejected")])
def test_the_verdict_follows_ac_and_re(client, final_items, defects, verdict):
    team, customer = _team_with_client(client)
    project = new_project(client, team)
    ids = finished_items(project, 60, [a.id for a in team.annotators])
    lot = _lot(client, project, customer, all_finished=True, aql="2.5").json()  # n 20, Ac 1
    decisions = ["reject", "fix"][:defects]
    inspect_all(
        client,
        lot["id"],
        customer,
        decide=lambda position: decisions[position] if position < defects else "accept",
    )
    shown = client.get(f"/api/v1/lots/{lot['id']}", headers=customer.headers).json()
    assert (shown["status"], shown["inspected"], shown["defects"]) == (verdict, 20, defects)
    assert next_sample(client, lot["id"], customer).status_code == 204  # the sample is done
    if verdict == "accepted":
        assert sorted(final_items) == sorted(ids)
        with Session(get_engine()) as session:
            still_open = session.exec(
                select(LotItem).where(LotItem.lot_id == lot["id"], LotItem.open)
            ).all()
        assert still_open == []
    else:
        assert final_items == []
    listed = client.get(f"/api/v1/projects/{project['id']}/lots", headers=customer.headers)
    assert listed.json()["lots"][0]["id"] == lot["id"]


def test_sample_leases_204_when_done_and_never_two_inspectors_on_one_item(client):
    team, customer = _team_with_client(client)
    project = new_project(client, team)
    ids = finished_items(project, 3, [team.annotators[0].id])
    lot = _lot(client, project, team.manager, item_ids=ids, aql="1.0").json()  # full, n = 3
    first = next_sample(client, lot["id"], customer).json()
    again = next_sample(client, lot["id"], customer).json()
    assert again["review_id"] == first["review_id"]  # a reload gets the held lease back
    assert first["mode"] == "acceptance" and first["lot_id"] == lot["id"]
    other = next_sample(client, lot["id"], team.manager).json()
    assert other["item"]["id"] != first["item"]["id"]
    # Annotators never inspect.
    assert next_sample(client, lot["id"], team.annotators[0]).status_code == 403
    judge(client, first["review_id"], customer, "accept")
    judge(client, other["review_id"], team.manager, "accept")
    last = next_sample(client, lot["id"], customer).json()
    assert last["item"]["id"] not in (first["item"]["id"], other["item"]["id"])
    assert next_sample(client, lot["id"], team.manager).status_code == 204
    judge(client, last["review_id"], customer, "accept")
    assert (
        client.get(f"/api/v1/lots/{lot['id']}", headers=customer.headers).json()["status"]
        == "accepted"
    )


def _judged_lot(client, team, customer, project, *, rejected: bool) -> dict:
    """A lot of 2 items (100 % inspection, Ac 0 at AQL 1.0 on either severity), one item
    rejected or none."""
    ids = finished_items(project, 2, [team.annotators[0].id])
    lot = _lot(client, project, team.manager, item_ids=ids, aql="1.0").json()
    inspect_all(
        client,
        lot["id"],
        customer,
        decide=lambda position: "reject" if rejected and position == 0 else "accept",
    )
    return client.get(f"/api/v1/lots/{lot['id']}", headers=customer.headers).json()


def test_an_accepted_lot_of_items_final_already_settles_nothing_twice(client, final_items):
    """Review off, ``final_when`` finished: the items are final as they finish; accepting a lot
    of them emits no second ``ItemsFinal``, so the model's training counter (which counts what
    it hears) counts each item once."""
    from backend.models.models import ProjectModelState

    team, customer = _team_with_client(client)
    project = new_project(client, team, prelabels=True, train_every=1000)
    ids = finished_items(project, 12, [a.id for a in team.annotators])
    with Session(get_engine()) as session:
        events.emit(events.ItemsFinished(session=session, project_id=project["id"], item_ids=ids))
        session.commit()
    assert sorted(final_items) == sorted(ids)
    lot = _lot(client, project, customer, item_ids=ids, aql="1.0").json()
    inspect_all(client, lot["id"], customer, decide=lambda _position: "accept")
    shown = client.get(f"/api/v1/lots/{lot['id']}", headers=customer.headers).json()
    assert shown["status"] == "accepted"
    assert sorted(final_items) == sorted(ids)  # heard once, at the finish
    with Session(get_engine()) as session:
        assert session.get(ProjectModelState, project["id"]).new_final == len(ids)


def test_switching_normal_to_tightened_and_back(client):
    team, customer = _team_with_client(client)
    project = new_project(client, team)

    def switching():
        url = f"/api/v1/projects/{project['id']}/lots"
        return client.get(url, headers=customer.headers).json()["switching"]

    first = _judged_lot(client, team, customer, project, rejected=True)
    assert first["status"] == "rejected" and first["plan"]["severity"] == N
    assert switching()["severity"] == N
    _judged_lot(client, team, customer, project, rejected=False)
    third = _judged_lot(client, team, customer, project, rejected=True)
    assert third["plan"]["severity"] == N  # 2 of 3 consecutive lots rejected: tightened now
    assert switching() == {"severity": T, "history": [], "switching_score": 0}
    for count in range(1, 6):
        lot = _judged_lot(client, team, customer, project, rejected=False)
        assert lot["plan"]["severity"] == T and lot["status"] == "accepted"
        if count < 5:
            assert switching()["severity"] == T
    assert switching()["severity"] == N  # 5 consecutive lots accepted on tightened


def test_a_rejected_lot_is_inspected_again_on_a_fresh_sample(client):
    team, customer = _team_with_client(client)
    project = new_project(client, team)
    finished_items(project, 60, [team.annotators[0].id])
    lot = _lot(client, project, customer, all_finished=True, aql="2.5").json()
    inspect_all(client, lot["id"], customer, decide=lambda p: "reject" if p < 2 else "accept")
    url = f"/api/v1/lots/{lot['id']}"
    assert client.get(url, headers=customer.headers).json()["status"] == "rejected"
    again = client.post(f"{url}/reinspect", headers=customer.headers)
    assert again.status_code == 200, again.text
    assert (again.json()["round"], again.json()["status"], again.json()["inspected"]) == (
        2,
        "inspecting",
        0,
    )
    inspect_all(client, lot["id"], customer, decide=lambda _p: "accept")
    shown = client.get(url, headers=customer.headers).json()
    assert shown["status"] == "accepted"
    samples = client.get(f"{url}/samples", headers=customer.headers).json()
    assert [s["round"] for s in samples].count(1) == 20 == [s["round"] for s in samples].count(2)
    twice = client.post(f"{url}/reinspect", headers=customer.headers)
    assert twice.status_code == 409 and twice.json()["code"] == "lot_decided"
    # A resubmitted lot does not count for switching (ISO 2859-1): one rejection so far.
    state = client.get(f"/api/v1/projects/{project['id']}/lots", headers=customer.headers)
    assert state.json()["switching"]["history"] == [False]


def test_lots_of_another_organization_are_404(client):
    team, customer = _team_with_client(client)
    project = new_project(client, team)
    ids = finished_items(project, 2, [team.annotators[0].id])
    lot = _lot(client, project, customer, item_ids=ids, aql="1.0").json()
    stranger_team, stranger = _team_with_client(client)
    for path in (f"/lots/{lot['id']}", f"/lots/{lot['id']}/samples"):
        foreign = client.get(f"/api/v1{path}", headers=stranger.headers)
        missing = client.get(
            f"/api/v1{path.replace(str(lot['id']), '999999999')}", headers=stranger.headers
        )
        assert foreign.status_code == 404
        assert foreign.json() == missing.json()  # the answer does not tell that the id exists
    assert next_sample(client, lot["id"], stranger).status_code == 404
    assert next_sample(client, lot["id"], stranger_team.manager).status_code == 404


@pytest.fixture
def sent_back():
    seen: list[events.ItemsSentBack] = []
    events.subscribe(events.ItemsSentBack, seen.append)
    yield seen
    events.unsubscribe(events.ItemsSentBack, seen.append)


def test_rework_sends_the_defective_items_or_all_of_them_back(client, sent_back):
    team, customer = _team_with_client(client)
    project = new_project(client, team)
    finished_items(project, 60, [team.annotators[0].id])
    lot = _lot(client, project, customer, all_finished=True, aql="2.5").json()
    url = f"/api/v1/lots/{lot['id']}/rework"
    early = client.post(url, json={"scope": "all"}, headers=customer.headers)
    assert early.status_code == 409 and early.json()["code"] == "lot_not_decided"
    defective = inspect_all(
        client, lot["id"], customer, decide=lambda p: ["reject", "fix"][p] if p < 2 else "accept"
    )[:2]
    assert client.post(url, json={"scope": "some"}, headers=customer.headers).status_code == 422
    assert (
        client.post(url, json={"scope": "all"}, headers=team.annotators[0].headers).status_code
        == 403
    )

    answer = client.post(url, json={"scope": "defective"}, headers=customer.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["reworked"] == 2
    (event,) = sent_back
    assert sorted(event.item_ids) == sorted(defective) and event.origin == f"lot:{lot['id']}"
    assert all(event.notes[i][0] == ("错标",) for i in defective)
    again = client.post(url, json={"scope": "all"}, headers=customer.headers)
    assert again.status_code == 409 and again.json()["code"] == "lot_reworked"

    # Another lot, rejected: this time every item of it goes back.
    other = _lot(client, project, customer, all_finished=True, aql="2.5")
    assert other.status_code == 409  # the reworked items are in rework, the rest in the lot
    more = finished_items(project, 10, [team.annotators[0].id])
    other = _lot(client, project, customer, item_ids=more, aql="1.0").json()  # 100 %, Ac 0
    inspect_all(client, other["id"], customer, decide=lambda p: "reject" if p < 1 else "accept")
    whole = f"/api/v1/lots/{other['id']}/rework"
    assert client.post(whole, json={"scope": "all"}, headers=customer.headers).status_code == 200
    assert sorted(sent_back[1].item_ids) == sorted(more)
    general = [sent_back[1].notes[i] for i in more if sent_back[1].notes[i][0] == ()]
    assert len(general) == 9
    assert general[0][1] == f"lot #{other['id']} rejected: 1 of 10 sampled items defective"


def test_a_reworked_lot_is_reviewed_reannotated_and_accepted_on_a_new_round(client, final_items):
    """The whole loop through the public API: 标注 → 验收 (rejected) → 返工 → 质检 → 验收."""
    team, customer = _team_with_client(client)
    project = new_project(client, team, gold_rate=0.0, overlap=1, max_overlap=1, review_mode="none")
    seeded = seed_items(project_id=project["id"], count=30)
    label_all(client, team.annotators[0], project["id"], lambda _i, _lease: {"label": "other"})
    recompute(project["id"])
    lot = _lot(client, project, customer, all_finished=True, aql="2.5").json()
    assert (lot["size"], lot["plan"]["sample_size"], lot["plan"]["accept"]) == (30, 5, 0)
    seen = inspect_all(
        client, lot["id"], customer, decide=lambda p: "reject" if p == 0 else "accept"
    )
    url = f"/api/v1/lots/{lot['id']}"
    assert client.get(url, headers=customer.headers).json()["status"] == "rejected"
    assert (
        client.post(
            f"{url}/rework", json={"scope": "defective"}, headers=customer.headers
        ).status_code
        == 200
    )
    not_ready = client.post(f"{url}/reinspect", headers=customer.headers)
    assert not_ready.status_code == 409 and not_ready.json()["code"] == "lot_not_ready"

    lease = client.post(
        f"/api/v1/projects/{project['id']}/next", headers=team.annotators[0].headers
    )
    assert lease.status_code == 200 and lease.json()["item"]["id"] == seen[0]
    assert lease.json()["rework"]["reasons"] == ["错标"]
    label_all(
        client, team.annotators[0], project["id"], lambda _i, _lease: {"label": "mechanical_wear"}
    )
    recompute(project["id"])
    assert (
        client.post(f"{url}/reinspect", headers=customer.headers).json()["code"] == "lot_not_ready"
    )
    review = review_next(client, team.reviewer, project["id"])  # a reworked item is reviewed again
    assert review.status_code == 200 and review.json()["item"]["id"] == seen[0]
    assert (
        verdict(client, team.reviewer, review.json()["review_id"], decision="accept").status_code
        == 201
    )

    again = client.post(f"{url}/reinspect", headers=customer.headers)
    assert again.status_code == 200, again.text
    inspect_all(client, lot["id"], customer, decide=lambda _p: "accept")
    assert client.get(url, headers=customer.headers).json()["status"] == "accepted"
    assert set(seeded.item_ids) <= set(final_items)
    assert consensus_of(project["id"])[seen[0]][0] == {"label": "mechanical_wear"}


def test_rework_of_an_accepted_lot_is_409_and_without_a_rework_stage_503(client, sent_back):
    team, customer = _team_with_client(client)
    project = new_project(client, team)
    ids = finished_items(project, 2, [team.annotators[0].id])
    lot = _lot(client, project, customer, item_ids=ids, aql="1.0").json()
    url = f"/api/v1/lots/{lot['id']}/rework"
    inspect_all(client, lot["id"], customer, decide=lambda _p: "accept")
    decided = client.post(url, json={"scope": "all"}, headers=customer.headers)
    assert decided.status_code == 409 and decided.json()["code"] == "lot_decided"

    other = _lot(
        client,
        project,
        customer,
        item_ids=finished_items(project, 2, [team.annotators[0].id]),
        aql="1.0",
    ).json()
    inspect_all(client, other["id"], customer, decide=lambda _p: "reject")
    listeners = events.listeners_of(events.ItemsSentBack)
    for listener in listeners:
        events.unsubscribe(events.ItemsSentBack, listener)
    try:
        answer = client.post(
            f"/api/v1/lots/{other['id']}/rework", json={"scope": "all"}, headers=customer.headers
        )
    finally:
        for listener in listeners:
            events.subscribe(events.ItemsSentBack, listener)
    assert answer.status_code == 503 and answer.json()["code"] == "rework_unavailable"
    shown = client.get(f"/api/v1/lots/{other['id']}", headers=customer.headers).json()
    assert shown["reworked"] == 0


def test_a_client_cannot_select_a_lot_by_an_annotators_id(client):
    """The lot's items show pseudonyms to the client: selecting them by a raw annotator id would
    map one to the other (the data manager refuses that filter to a client too)."""
    team, customer = _team_with_client(client)
    project = new_project(client, team)
    finished_items(project, 4, [team.annotators[0].id])
    source = {"filter": {"annotator_id": team.annotators[0].id}}
    lots = f"/api/v1/projects/{project['id']}/lots"
    for url, body in ((lots, {**source, "aql": "1.0"}), (f"{lots}/count", source)):
        refused = client.post(url, json=body, headers=customer.headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "filter_not_allowed"
        assert refused.json()["detail"][0]["loc"] == ["body", "filter", "annotator_id"]
    body = {**source, "aql": "1.0"}
    made = client.post(
        f"/api/v1/projects/{project['id']}/lots", json=body, headers=team.manager.headers
    )
    assert made.status_code == 201, made.text


def test_the_sample_of_a_reworked_item_shows_its_counted_answer_only(client):
    """An item sent back by a lot and labelled again is shown to the inspector with the answer
    that counts, as the reviewer sees it, not beside the answer the lot's rework rejected (the
    client saw "A-xxxx other / A-xxxx mechanical_wear", as if two annotators disagreed)."""
    team, customer = _team_with_client(client)
    project = new_project(client, team, gold_rate=0.0, overlap=1, max_overlap=1, review_mode="none")
    seed_items(project_id=project["id"], count=2)
    annotator = team.annotators[0]
    label_all(client, annotator, project["id"], lambda _i, _lease: {"label": "other"})
    recompute(project["id"])
    lot = _lot(client, project, customer, all_finished=True, aql="2.5").json()
    assert lot["plan"]["sample_size"] == 2  # every item inspected
    inspect_all(client, lot["id"], customer, decide=lambda n: "reject" if n == 0 else "accept")
    url = f"/api/v1/lots/{lot['id']}"
    sent = client.post(f"{url}/rework", json={"scope": "defective"}, headers=customer.headers)
    assert sent.status_code == 200, sent.text
    label_all(client, annotator, project["id"], lambda _i, _lease: {"label": "mechanical_wear"})
    recompute(project["id"])
    review = review_next(client, team.reviewer, project["id"])
    assert review.status_code == 200 and len(review.json()["annotations"]) == 1
    verdict(client, team.reviewer, review.json()["review_id"], decision="accept")
    assert client.post(f"{url}/reinspect", headers=customer.headers).status_code == 200
    shown = {}
    while (lease := next_sample(client, lot["id"], customer)).status_code == 200:
        body = lease.json()
        shown[body["item"]["id"]] = [a["result"]["label"] for a in body["annotations"]]
        judge(client, body["review_id"], customer, "accept")
    assert sorted(shown.values()) == [["mechanical_wear"], ["other"]]
