"""The ledger from real decisions: rates checked at the door and never repricing done work, earns
once an item is finished and the answer agrees, one reversal (and one deduction) per rejection,
a paused spammer's unpaid work reversed, final-only projects waiting for ``ItemsFinal``."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from backend import clock, events
from backend.db import get_engine
from backend.pay.models import PayRate, PayWork
from support.distribution import pause
from support.factories import new_project, new_team
from support.pay_helpers import build, emit, entries, label, recompute, set_pay
from support.review_flow import review_next, verdict
from support.seed import seed_items

D = Decimal


def _project(client, team, items: int = 4, final_when: str = "finished", **pay):
    project = new_project(
        client,
        team,
        overlap=2,
        max_overlap=2,
        gold_rate=0.0,
        final_when=final_when,
        pay={"per_item": "0.05", **pay},
    )
    seed_items(project_id=project["id"], count=items)
    return project["id"]


def _pair(client, team, pid: int, first: str, second: str) -> tuple[dict, dict]:
    """Two annotators answer the same item (the nearest to completion comes first)."""
    a, b = team.annotators[:2]
    one = label(client, a, pid, first)
    two = label(client, b, pid, second)
    assert one["item_id"] == two["item_id"]
    return one, two


@pytest.mark.parametrize(
    ("pay", "field"),
    [
        ({"per_item": "-1"}, "per_item"),
        ({"per_item": "abc"}, "per_item"),
        ({"per_item": "0.00001"}, "per_item"),
        ({"per_item": True}, "per_item"),
        ({"per_item": "0.05", "per_box": "-0.01"}, "per_box"),
        ({"per_item": "0.05", "reject_deduction": "1e-7"}, "reject_deduction"),
        ({"per_item": "0.05", "bonus": {"min_accuracy": 0.9, "amount": "x"}}, "amount"),
        ({"per_item": "0.05", "payable_when": "never"}, "payable_when"),
    ],
)
def test_bad_rates_are_refused_naming_the_field(client, pay, field):
    team = new_team(client, annotators=0)
    project = new_project(client, team)
    answer = client.patch(
        f"/api/v1/projects/{project['id']}", json={"pay": pay}, headers=team.manager.headers
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "invalid_input"
    assert any(field in err["loc"] for err in answer.json()["detail"]), answer.json()


def test_rates_are_decimal_strings_and_every_change_is_recorded(client):
    team = new_team(client, annotators=0)
    project = new_project(client, team, pay={"per_item": "0.05", "per_box": "0.01"})
    assert project["pay"]["per_item"] == "0.05"
    assert project["reward_per_item"] == 0.05  # the first release's name of the same value
    pay = set_pay(client, team, project["id"], per_item="2.5", reject_deduction="0.0125")
    assert (pay["per_item"], pay["reject_deduction"], pay["per_box"]) == ("2.5", "0.0125", None)
    legacy = client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"reward_per_item": 0.07},
        headers=team.manager.headers,
    )
    assert legacy.json()["pay"]["per_item"] == "0.07"
    assert legacy.json()["pay"]["reject_deduction"] == "0.0125"
    unrelated = client.patch(
        f"/api/v1/projects/{project['id']}", json={"overlap": 2}, headers=team.manager.headers
    )
    assert unrelated.status_code == 200
    with Session(get_engine()) as session:
        history = session.execute(
            select(PayRate.rates["per_item"].as_string())
            .where(PayRate.project_id == project["id"])
            .order_by(PayRate.id)
        ).scalars()
        assert [D(v) for v in history] == [D("0.05"), D("2.5"), D("0.07")]


def test_agreeing_answers_earn_once_at_the_rate_of_their_submit(client):
    team = new_team(client, annotators=2)
    pid = _project(client, team)
    one, two = _pair(client, team, pid, "other", "other")
    assert build(pid)["written"] == 0  # not finished yet: nothing payable
    recompute(pid)
    assert build(pid)["written"] == 2
    assert sorted((a, k, r, m) for a, _, k, r, m in entries(pid)) == [
        (one["id"], "earn", 0, D("0.05")),
        (two["id"], "earn", 0, D("0.05")),
    ]
    set_pay(client, team, pid, per_item="2.5")  # raised: does not reprice the work done
    three, four = _pair(client, team, pid, "other", "mechanical_wear")  # they disagree
    recompute(pid)
    build(pid)
    build(pid, full=True)
    earned = {a: m for a, _, k, _, m in entries(pid) if k == "earn"}
    assert earned[one["id"]] == earned[two["id"]] == D("0.05")
    agreeing = [x["id"] for x in (three, four) if x["id"] in earned]
    assert len(agreeing) == 1 and earned[agreeing[0]] == D("2.5")  # the one matching consensus
    assert len(entries(pid)) == 3
    with Session(get_engine()) as session:
        waiting = select(func.count()).select_from(PayWork).where(PayWork.project_id == pid)
        assert session.execute(waiting).scalar_one() == 0


def test_a_reject_after_payment_writes_exactly_one_reversal_and_one_deduction(client):
    team = new_team(client, annotators=2)
    pid = _project(client, team, reject_deduction="0.02")
    one, _ = _pair(client, team, pid, "other", "other")
    recompute(pid)
    build(pid)
    for _ in range(2):  # the event delivered twice, the job run three times
        emit(
            events.AnnotationsStoppedCounting,
            project_id=pid,
            reason="review_rejected",
            annotation_ids=[one["id"]],
        )
    build(pid)
    build(pid)
    build(pid, full=True)
    mine = sorted((k, r, m) for a, _, k, r, m in entries(pid) if a == one["id"])
    assert mine == [("deduct", 0, D("-0.02")), ("earn", 0, D("0.05")), ("reverse", 0, D("-0.05"))]
    recompute(pid)  # a later recompute finishing the item again changes nothing
    build(pid)
    assert sorted((k, r) for a, _, k, r, _ in entries(pid) if a == one["id"]) == [
        ("deduct", 0),
        ("earn", 0),
        ("reverse", 0),
    ]


def test_final_projects_pay_once_the_item_is_final(client):
    team = new_team(client, annotators=2)
    # Items wait for their lot to be final (under the default, an item no review picks is
    # final once finished: tests/api/test_final_items.py).
    pid = _project(client, team, payable_when="final", final_when="lot_accepted")
    one, two = _pair(client, team, pid, "other", "mechanical_wear")
    recompute(pid)
    build(pid)
    assert entries(pid) == []  # finished is not final
    emit(events.ItemsFinal, project_id=pid, item_ids=[one["item_id"]])
    build(pid)
    assert sorted(a for a, _, k, _, _ in entries(pid) if k == "earn") == sorted(
        [one["id"], two["id"]]
    )  # both answers count once the item is accepted, even the one that disagreed


def test_a_spammer_paused_after_the_fact_loses_unpaid_work_only(client, monkeypatch):
    team = new_team(client, annotators=2)
    pid = _project(client, team, items=6)
    spammer = team.annotators[0]
    real_now = clock.now
    yesterday = real_now() - timedelta(days=1)
    monkeypatch.setattr(clock, "now", lambda: real_now() - timedelta(days=1))
    paid_one, _ = _pair(client, team, pid, "other", "other")
    recompute(pid)
    build(pid)
    period = {"from": yesterday.date().isoformat(), "to": yesterday.date().isoformat()}
    paid = client.post(
        f"/api/v1/orgs/{team.org_id}/payouts", json=period, headers=team.manager.headers
    )
    assert paid.status_code == 201, paid.text
    monkeypatch.setattr(clock, "now", real_now)
    unpaid_one, _ = _pair(client, team, pid, "other", "other")
    recompute(pid)
    build(pid)
    pause(client, team.manager, pid, spammer.id, "spam")
    build(pid)
    build(pid, full=True)
    ledger = [(a, k, r, m) for a, u, k, r, m in entries(pid) if u == spammer.id]
    assert (paid_one["id"], "earn", 0, D("0.05")) in ledger
    assert (unpaid_one["id"], "reverse", 0, D("-0.05")) in ledger
    assert not any(a == paid_one["id"] and k == "reverse" for a, k, _, _ in ledger)
    assert sum(1 for _, k, _, _ in ledger if k == "reverse") == 1
    # The other annotator keeps everything.
    other = [k for _, u, k, _, _ in entries(pid) if u == team.annotators[1].id]
    assert other.count("earn") == 2 and "reverse" not in other


def test_gold_answers_are_paid_only_when_the_project_says_so(client):
    team = new_team(client, annotators=1)
    project = new_project(
        client,
        team,
        overlap=1,
        gold_rate=0.0,
        qualification_count=1,
        min_gold_accuracy=0.0,
        pay={"per_item": "0.05", "pay_gold": False},
    )
    pid = project["id"]
    seeded = seed_items(project_id=pid, count=3, gold=1)
    (annotator,) = team.annotators
    gold = label(client, annotator, pid, seeded.truth_for(seeded.gold_ids[0])["label"])
    assert gold["item_id"] == seeded.gold_ids[0]
    build(pid)
    assert entries(pid) == []
    set_pay(client, team, pid, per_item="0.05", pay_gold=True)
    build(pid, full=True)
    assert entries(pid) == []  # submitted under rates that did not pay gold
    again = label(client, annotator, pid, "other")
    recompute(pid)
    build(pid)
    assert [(a, k) for a, _, k, _, _ in entries(pid)] == [(again["id"], "earn")]


def test_last_months_accuracy_bonus_is_paid_once(client, monkeypatch):
    team = new_team(client, annotators=1)
    project = new_project(
        client,
        team,
        overlap=1,
        gold_rate=0.0,
        qualification_count=1,
        min_gold_accuracy=0.0,
        pay={"per_item": "0.05", "bonus": {"min_accuracy": 0.9, "amount": "1.5"}},
    )
    pid = project["id"]
    seeded = seed_items(project_id=pid, count=2, gold=1)
    (annotator,) = team.annotators
    label(client, annotator, pid, seeded.truth_for(seeded.gold_ids[0])["label"])
    build(pid, full=True)
    assert [k for _, _, k, _, _ in entries(pid)] == []  # the month is not over
    now = clock.now()
    next_month = (now.replace(day=1) + timedelta(days=32)).replace(day=5)
    monkeypatch.setattr(clock, "now", lambda: next_month)
    build(pid, full=True)
    build(pid, full=True)
    bonuses = [(u, r, m) for _, u, k, r, m in entries(pid) if k == "bonus"]
    assert bonuses == [(annotator.id, now.year * 100 + now.month, D("1.5"))]


def test_answers_accepted_while_their_annotator_was_paused_earn_once_resumed(client):
    """The QA walk's case: items waiting in review when their annotator is paused are accepted
    by a reviewer (final, wanting no more answers); the manager resumes the annotator, and the
    accepted answers earn, once each."""
    team = new_team(client, annotators=1)
    project = new_project(
        client,
        team,
        overlap=1,
        max_overlap=1,
        gold_rate=0.0,
        review_mode="all",
        pay={"per_item": "0.05", "payable_when": "final"},
    )
    pid = project["id"]
    seed_items(project_id=pid, count=2)
    annotator = team.annotators[0]
    answers = [label(client, annotator, pid, "other") for _ in range(2)]
    recompute(pid)
    pause(client, team.manager, pid, annotator.id, "spam")
    recompute(pid)
    for _ in answers:
        lease = review_next(client, team.reviewer, pid)
        assert lease.status_code == 200, lease.text
        done = verdict(client, team.reviewer, lease.json()["review_id"], decision="accept")
        assert done.status_code == 201, done.text
    build(pid)
    assert [k for _, u, k, _, _ in entries(pid) if u == annotator.id] == []  # paused: not yet
    resumed = client.post(
        f"/api/v1/projects/{pid}/annotators/{annotator.id}/resume", headers=team.manager.headers
    )
    assert resumed.status_code == 200, resumed.text
    recompute(pid)
    build(pid)
    earned = sorted(a for a, u, k, _, _ in entries(pid) if u == annotator.id and k == "earn")
    assert earned == sorted(a["id"] for a in answers)
