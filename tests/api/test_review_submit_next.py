"""``POST /reviews/{review_id}/submit?next=true``: the verdict and the reviewer's next lease in one
request, as the annotators' submit does (SQLite and PostgreSQL; on PostgreSQL the verdict and
the next lease take the one-call functions once the reviewer's first ``next`` was answered)."""

from __future__ import annotations

from sqlmodel import Session, func, select

from backend.assignments.models import Assignment
from backend.db import get_engine
from support.distribution import pause
from support.factories import add_member, new_project, new_team, new_user
from support.lot_flow import make_lot, next_sample
from support.lot_seed import finished_items
from support.review_flow import label_all, recompute, review_next, review_states
from support.seed import seed_items


def _verdict_and_next(client, who, review_id: int, **body):
    return client.post(
        f"/api/v1/reviews/{review_id}/submit",
        params={"next": "true"},
        json=body,
        headers=who.headers,
    )


def _project_in_review(client, items: int):
    team = new_team(client, annotators=2)
    project = new_project(client, team, gold_rate=0.0, overlap=2, max_overlap=2, review_mode="all")
    seed_items(project_id=project["id"], count=items)
    for annotator in team.annotators:
        label_all(client, annotator, project["id"], lambda item_id, lease: {"label": "other"})
    recompute(project["id"])
    return team, project


def _live_review_leases(user_id: int) -> int:
    with Session(get_engine()) as session:
        return session.exec(
            select(func.count()).where(
                Assignment.annotator_id == user_id,
                Assignment.stage == "review",
                Assignment.status == "leased",
            )
        ).one()


def test_each_verdict_answers_the_next_lease_until_none_is_left(client):
    team, project = _project_in_review(client, items=3)
    pid, reviewer = project["id"], team.reviewer
    lease = review_next(client, reviewer, pid).json()
    judged = []
    while lease is not None:
        answer = _verdict_and_next(client, reviewer, lease["review_id"], decision="accept")
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert (body["review_id"], body["decision"]) == (lease["review_id"], "accept")
        assert "paused_reason" not in body
        judged.append(lease["item"]["id"])
        following = body["next"]
        if following is not None:  # the lease review/next would answer, with what to judge
            assert following["mode"] == "review"
            assert following["item"]["id"] not in judged
            assert len(following["annotations"]) == 2
            assert following["consensus"]["result"] == {"label": "other"}
        lease = following
    assert sorted(judged) == sorted(review_states(pid))
    assert set(review_states(pid).values()) == {("reviewed", 0)}
    assert review_next(client, reviewer, pid).status_code == 204


def test_a_repeated_verdict_answers_the_lease_already_held(client):
    team, project = _project_in_review(client, items=3)
    pid, reviewer = project["id"], team.reviewer
    first = review_next(client, reviewer, pid).json()
    stored = _verdict_and_next(client, reviewer, first["review_id"], decision="accept")
    assert stored.status_code == 201, stored.text
    again = _verdict_and_next(client, reviewer, first["review_id"], decision="accept")
    assert again.status_code == 200, again.text
    assert again.json()["next"]["review_id"] == stored.json()["next"]["review_id"]
    assert _live_review_leases(reviewer.id) == 1


def test_a_refused_verdict_takes_no_lease(client):
    team, project = _project_in_review(client, items=2)
    pid = project["id"]
    held = review_next(client, team.reviewer, pid).json()
    stranger = team.manager  # may review, but this lease is the reviewer's
    refused = _verdict_and_next(client, stranger, held["review_id"], decision="accept")
    assert refused.status_code == 404
    assert "next" not in refused.json()
    assert _live_review_leases(stranger.id) == 0
    bad_fix = _verdict_and_next(client, team.reviewer, held["review_id"], decision="fix")
    assert bad_fix.status_code == 422
    assert _live_review_leases(team.reviewer.id) == 1  # still only the lease judged


def test_without_next_the_answer_is_the_verdict_alone(client):
    team, project = _project_in_review(client, items=2)
    lease = review_next(client, team.reviewer, project["id"]).json()
    answer = client.post(
        f"/api/v1/reviews/{lease['review_id']}/submit",
        json={"decision": "accept"},
        headers=team.reviewer.headers,
    )
    assert answer.status_code == 201
    assert "next" not in answer.json() and "paused_reason" not in answer.json()


def test_an_acceptance_verdict_ignores_next(client):
    team = new_team(client, annotators=1)
    customer = new_user(client, name="Client Person")
    add_member(client, team.org_id, team.owner, customer, "client")
    project = new_project(client, team)
    ids = finished_items(project, 3, [team.annotators[0].id])
    lot = make_lot(client, project["id"], team.manager, item_ids=ids, aql="1.0")
    sample = next_sample(client, lot["id"], customer).json()
    answer = _verdict_and_next(client, customer, sample["review_id"], decision="accept")
    assert answer.status_code == 201, answer.text
    assert answer.json()["stage"] == "acceptance"
    assert "next" not in answer.json()  # the inspector's next is the lot's


def test_a_reviewer_paused_meanwhile_gets_the_pause_instead_of_a_lease(client):
    team, project = _project_in_review(client, items=3)
    pid, reviewer = project["id"], team.reviewer
    lease = review_next(client, reviewer, pid).json()
    pause(client, team.manager, pid, reviewer.id, "too fast 太快")
    answer = _verdict_and_next(client, reviewer, lease["review_id"], decision="accept")
    assert answer.status_code == 201, answer.text  # the held lease's verdict is taken
    body = answer.json()
    assert body["next"] is None
    assert body["paused_reason"] == "too fast 太快"
    assert body["pause"] == {"code": "paused_by_manager", "reason": "too fast 太快"}
    assert _live_review_leases(reviewer.id) == 0
