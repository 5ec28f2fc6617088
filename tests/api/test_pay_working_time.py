"""Working time measured by the server: heartbeats of the lease's holder only, coalesced when too
fast, idle gaps cut, a lease's total capped at the lease length, per person, project, day and
stage."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from backend import clock
from backend.assignments.models import Assignment
from backend.db import get_engine
from backend.pay.models import WorkDay
from support.factories import new_project, new_team, new_user
from support.seed import seed_items


def _lease(client, team, **settings):
    project = new_project(client, team, gold_rate=0.0, **settings)
    seed_items(project_id=project["id"], count=3)
    annotator = team.annotators[0]
    lease = client.post(f"/api/v1/projects/{project['id']}/next", headers=annotator.headers)
    assert lease.status_code == 200, lease.text
    assignment_id = lease.json()["assignment_id"]
    with Session(get_engine()) as session:
        started = session.get(Assignment, assignment_id).created_at
    return project["id"], annotator, assignment_id, started


def _beat(client, who, assignment_id: int, monkeypatch, at, **body):
    monkeypatch.setattr(clock, "now", lambda: at)
    answer = client.post(
        f"/api/v1/assignments/{assignment_id}/heartbeat", json=body, headers=who.headers
    )
    return answer


def _seconds(user_id: int, project_id: int) -> int:
    with Session(get_engine()) as session:
        return session.execute(
            select(func.coalesce(func.sum(WorkDay.seconds), 0)).where(
                WorkDay.user_id == user_id, WorkDay.project_id == project_id
            )
        ).scalar_one()


def test_beats_count_the_time_between_them_and_fast_beats_are_coalesced(client, monkeypatch):
    team = new_team(client, annotators=1)
    pid, annotator, aid, t0 = _lease(client, team, pay={"per_item": "0.05", "idle_seconds": 60})
    counted = []
    for offset in (5, 20, 25, 29, 45, 46, 47):  # a script beating every second gains nothing
        answer = _beat(client, annotator, aid, monkeypatch, t0 + timedelta(seconds=offset))
        assert answer.status_code == 200, answer.text
        counted.append((answer.json()["counted_seconds"], answer.json()["coalesced"]))
    assert counted == [
        (0, True),
        (20, False),
        (0, True),
        (0, True),
        (25, False),
        (0, True),
        (0, True),
    ]
    final = _beat(client, annotator, aid, monkeypatch, t0 + timedelta(seconds=49), final=True)
    assert final.json()["counted_seconds"] == 4 and final.json()["total_seconds"] == 49
    assert _seconds(annotator.id, pid) == 49


def test_idle_gaps_are_cut(client, monkeypatch):
    team = new_team(client, annotators=1)
    pid, annotator, aid, t0 = _lease(client, team, pay={"per_item": "0", "idle_seconds": 30})
    at = [t0 + timedelta(seconds=s) for s in (20, 200, 215)]  # 180 s without a beat: idle
    assert [
        _beat(client, annotator, aid, monkeypatch, moment).json()["counted_seconds"]
        for moment in at
    ] == [20, 0, 15]
    assert _seconds(annotator.id, pid) == 35


def test_a_leases_time_is_capped_at_the_lease_length(client, monkeypatch):
    team = new_team(client, annotators=1)
    pid, annotator, aid, t0 = _lease(client, team, lease_seconds=600, pay={"idle_seconds": 60})
    shorter = client.patch(
        f"/api/v1/projects/{pid}", json={"lease_seconds": 30}, headers=team.manager.headers
    )
    assert shorter.status_code == 200
    totals = [
        _beat(client, annotator, aid, monkeypatch, t0 + timedelta(seconds=s)).json()
        for s in (20, 40, 100)
    ]
    assert [t["counted_seconds"] for t in totals] == [20, 10, 0]
    assert totals[-1]["total_seconds"] == 30
    assert _seconds(annotator.id, pid) == 30


def test_a_forged_heartbeat_counts_nothing(client, monkeypatch):
    team = new_team(client, annotators=2)
    pid, annotator, aid, t0 = _lease(client, team)
    forger = team.annotators[1]
    at = t0 + timedelta(seconds=30)
    for who, status in ((forger, 403), (team.manager, 403), (new_user(client), 404)):
        assert _beat(client, who, aid, monkeypatch, at).status_code == status
    assert _beat(client, forger, 10**9, monkeypatch, at).status_code == 404
    assert _seconds(annotator.id, pid) == 0 and _seconds(forger.id, pid) == 0
    monkeypatch.setattr(clock, "now", lambda: at)
    submitted = client.post(
        f"/api/v1/assignments/{aid}/submit",
        json={"result": {"label": "other"}, "duration_ms": 10},
        headers=annotator.headers,
    )
    assert submitted.status_code == 201
    ended = _beat(client, annotator, aid, monkeypatch, at + timedelta(seconds=20))
    assert (ended.status_code, ended.json()["code"]) == (409, "lease_ended")


def test_a_final_beat_arriving_just_after_its_submit_counts_up_to_the_submit(client, monkeypatch):
    """The page sends the final beat and the submit at once; when the submit wins, the beat
    still counts the seconds up to the submit (not up to its own arrival), once, and only a
    final beat within the grace after the submit does."""
    team = new_team(client, annotators=1)
    pid, annotator, aid, t0 = _lease(client, team, pay={"per_item": "0", "idle_seconds": 60})
    assert _beat(client, annotator, aid, monkeypatch, t0 + timedelta(seconds=20)).status_code == 200
    submitted_at = t0 + timedelta(seconds=31)
    monkeypatch.setattr(clock, "now", lambda: submitted_at)
    submitted = client.post(
        f"/api/v1/assignments/{aid}/submit",
        json={"result": {"label": "other"}, "duration_ms": 31_000},
        headers=annotator.headers,
    )
    assert submitted.status_code == 201, submitted.text
    plain = _beat(client, annotator, aid, monkeypatch, submitted_at + timedelta(seconds=1))
    assert (plain.status_code, plain.json()["code"]) == (409, "lease_ended")
    late = _beat(
        client, annotator, aid, monkeypatch, submitted_at + timedelta(seconds=1), final=True
    )
    assert late.status_code == 200, late.text
    assert (late.json()["counted_seconds"], late.json()["total_seconds"]) == (11, 31)
    again = _beat(
        client, annotator, aid, monkeypatch, submitted_at + timedelta(seconds=2), final=True
    )
    assert again.json()["counted_seconds"] == 0  # the time up to the submit is counted once
    too_late = _beat(
        client, annotator, aid, monkeypatch, submitted_at + timedelta(seconds=11), final=True
    )
    assert too_late.status_code == 409
    assert _seconds(annotator.id, pid) == 31


def test_working_time_shows_in_earnings_and_payouts(client, monkeypatch):
    team = new_team(client, annotators=1)
    _pid, annotator, aid, t0 = _lease(client, team, pay={"per_item": "0.05"})
    _beat(client, annotator, aid, monkeypatch, t0 + timedelta(seconds=40))
    day = (t0 + timedelta(seconds=40)).date().isoformat()
    mine = client.get(
        "/api/v1/me/earnings", params={"from": day, "to": day}, headers=annotator.headers
    ).json()
    assert mine["seconds"] == 40 and mine["by_project"][0]["seconds"] == 40
    report = client.get(
        f"/api/v1/orgs/{team.org_id}/payouts",
        params={"from": day, "to": day},
        headers=team.manager.headers,
    ).json()
    assert [(r["annotator_id"], r["seconds"]) for r in report["rows"]] == [(annotator.id, 40)]
