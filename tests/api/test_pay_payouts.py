"""Earnings and payouts: the report's total is the ledger's sum for the period to the 0.0001, a
paid period is locked (409 ``period_paid``; later entries count after it), the CSV says the
same, and nobody reads anyone else's money."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session

from backend import clock, events
from backend.db import get_engine
from backend.pay.models import PayEntry
from backend.pay.money import money
from support.factories import new_project, new_team, new_user
from support.pay_helpers import build, emit, label, recompute
from support.seed import seed_items

D = Decimal


def _earning_team(client, *, items: int = 6, pairs: int = 3):
    team = new_team(client, annotators=3)
    project = new_project(
        client,
        team,
        overlap=2,
        max_overlap=2,
        gold_rate=0.0,
        pay={"per_item": "0.0333", "reject_deduction": "0.01"},
    )
    pid = project["id"]
    seed_items(project_id=pid, count=items)
    a, b, c = team.annotators
    made = []
    for n in range(pairs):
        first, second = (a, b) if n % 2 == 0 else (b, c)
        one = label(client, first, pid, "other")
        two = label(client, second, pid, "other")
        assert one["item_id"] == two["item_id"]
        made += [one, two]
    recompute(pid)
    build(pid)
    return team, pid, made


def _ledger_sum(org_id: int, day) -> Decimal:
    with Session(get_engine()) as session:
        return money(
            session.execute(
                select(func.sum(PayEntry.amount)).where(
                    PayEntry.org_id == org_id, PayEntry.day == day, PayEntry.kind != "payout"
                )
            ).scalar_one()
        )


def test_the_payout_total_is_the_ledgers_sum_and_a_paid_period_is_locked(client):
    team, pid, made = _earning_team(client)
    emit(
        events.AnnotationsStoppedCounting,
        project_id=pid,
        reason="review_rejected",
        annotation_ids=[made[0]["id"]],
    )
    build(pid)
    today = clock.now().date()
    period = {"from": today.isoformat(), "to": today.isoformat()}
    url = f"/api/v1/orgs/{team.org_id}/payouts"
    report = client.get(url, params=period, headers=team.manager.headers)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["currency"] == "CNY" and body["paid"] is False
    # 6 earns of 0.0333, one reversed (-0.0333) with a deduction (-0.01): 0.1565
    assert D(body["total"]) == _ledger_sum(team.org_id, today) == D("0.1565")
    assert sum(D(r["amount"]) for r in body["rows"]) == D(body["total"])
    rows = {r["annotator_id"]: r for r in body["rows"]}
    a, b, _c = team.annotators
    assert (rows[a.id]["items"], rows[a.id]["rejected"], rows[a.id]["accepted"]) == (2, 1, 1)
    assert rows[a.id]["amount"] == "0.0233" and rows[a.id]["name"] == "Annotator 0"
    assert rows[b.id]["amount"] == "0.0999"

    as_csv = client.get(url, params=period, headers={**team.manager.headers, "Accept": "text/csv"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(as_csv.text.lstrip("\ufeff"))))
    assert table[0][0] == "annotator_id" and table[-1][0] == "total"
    assert D(table[-1][7]) == D(body["total"])
    assert sorted(int(r[0]) for r in table[1:-1]) == sorted(rows)

    paid = client.post(url, json=period, headers=team.manager.headers)
    assert paid.status_code == 201, paid.text
    assert D(paid.json()["total"]) == D(body["total"])
    again = client.post(url, json=period, headers=team.owner.headers)
    assert (again.status_code, again.json()["code"]) == (409, "period_paid")
    wider = {"from": (today - timedelta(days=3)).isoformat(), "to": today.isoformat()}
    assert client.post(url, json=wider, headers=team.manager.headers).status_code == 409

    # A reject after the payout: its reversal counts on the first day after the period.
    emit(
        events.AnnotationsStoppedCounting,
        project_id=pid,
        reason="review_rejected",
        annotation_ids=[made[2]["id"]],  # b's
    )
    build(pid)
    assert _ledger_sum(team.org_id, today) == D("0.1565")  # the paid day is unchanged
    assert _ledger_sum(team.org_id, today + timedelta(days=1)) == D("-0.0433")
    after = client.get(url, params=period, headers=team.manager.headers).json()
    assert after["paid"] is True and D(after["total"]) == D("0.1565")
    with Session(get_engine()) as session:
        payouts = session.execute(
            select(func.sum(PayEntry.amount)).where(
                PayEntry.org_id == team.org_id, PayEntry.kind == "payout"
            )
        ).scalar_one()
    assert money(payouts) == -D("0.1565")

    mine = client.get(
        "/api/v1/me/earnings",
        params={"from": today.isoformat(), "to": (today + timedelta(days=1)).isoformat()},
        headers=b.headers,
    ).json()
    assert (mine["currency"], mine["paid"], mine["payable"]) == ("CNY", "0.0999", "-0.0433")
    assert mine["reversed"] == "0.0433"
    assert [p["project_id"] for p in mine["by_project"]] == [pid]


def test_payout_periods_are_checked(client):
    team = new_team(client, annotators=0)
    url = f"/api/v1/orgs/{team.org_id}/payouts"
    today = clock.now().date()
    backwards = {"from": today.isoformat(), "to": (today - timedelta(days=1)).isoformat()}
    assert client.post(url, json=backwards, headers=team.manager.headers).status_code == 422
    future = {"from": today.isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    answer = client.post(url, json=future, headers=team.manager.headers)
    assert answer.status_code == 422 and "to" in answer.json()["detail"][0]["loc"]
    assert client.get(url, params={"from": "soon"}, headers=team.manager.headers).status_code == 422


def test_nobody_reads_anyone_elses_money(client):
    team, _pid, _made = _earning_team(client, pairs=1)
    a, _b, c = team.annotators
    url = f"/api/v1/orgs/{team.org_id}/payouts"
    for who in (a, team.reviewer):
        assert client.get(url, headers=who.headers).status_code == 403
        assert (
            client.post(
                url, json={"from": "2026-01-01", "to": "2026-01-02"}, headers=who.headers
            ).status_code
            == 403
        )
    other = new_team(client, annotators=1)
    stranger = new_user(client)
    for who in (other.manager, other.owner, stranger):
        assert client.get(url, headers=who.headers).status_code == 404
        assert (
            client.get(f"/api/v1/orgs/{team.org_id}/pay-periods", headers=who.headers).status_code
            == 404
        )
    mine = client.get("/api/v1/me/earnings", headers=a.headers).json()
    assert D(mine["payable"]) == D("0.0333")
    assert client.get("/api/v1/me/earnings", headers=c.headers).json()["payable"] == "0.00"
    outsider = client.get("/api/v1/me/earnings", headers=other.annotators[0].headers).json()
    assert outsider["by_project"] == [] and outsider["payable"] == "0.00"
    assert client.get("/api/v1/me/earnings").status_code == 401


def test_pending_is_work_submitted_and_not_yet_payable(client):
    team = new_team(client, annotators=2)
    project = new_project(
        client, team, overlap=2, max_overlap=2, gold_rate=0.0, pay={"per_item": "0.05"}
    )
    seed_items(project_id=project["id"], count=3)
    a = team.annotators[0]
    label(client, a, project["id"], "other")
    mine = client.get("/api/v1/me/earnings", headers=a.headers).json()
    assert (mine["pending"], mine["payable"]) == ("0.05", "0.00")
    assert mine["by_day"][0]["pending"] == "0.05"
