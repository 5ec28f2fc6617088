"""Reviewed answers as training data (issue 21): what a model learns from a reviewed project.

Driven through the public review API (SQLite and PostgreSQL): an accepted item trains on its
consensus, a fixed one on the reviewer's result, a rejected one not at all until it is reworked
and reviewed again; an item still waiting in review is not final yet, and gold answers win.
"""

from __future__ import annotations

from sqlmodel import Session

from backend.db import get_engine
from backend.items.models import GoldAnswer
from backend.models.training_data import final_answers
from backend.projects.models import Project
from support.factories import new_project, new_team
from support.review_flow import label_all, recompute, review_next, review_states, verdict
from support.seed import seed_items


def _answers(project_id: int) -> dict[int, dict]:
    with Session(get_engine()) as session:
        found = final_answers(session=session, project=session.get(Project, project_id))
    return dict(zip(found.item_ids, found.results, strict=True))


def _review_each(client, team, pid: int, decide) -> dict[int, str]:
    """The reviewer judges every item waiting: ``decide(item_id)`` → verdict body."""
    judged = {}
    while (lease := review_next(client, team.reviewer, pid)).status_code == 200:
        body = lease.json()
        item_id = body["item"]["id"]
        stored = verdict(client, team.reviewer, body["review_id"], **decide(item_id))
        assert stored.status_code == 201, stored.text
        judged[item_id] = stored.json()["decision"]
    assert lease.status_code == 204, lease.text
    return judged


def test_accepted_fixed_and_rejected_items_as_training_data(client):
    team = new_team(client, annotators=2)
    project = new_project(
        client, team, gold_rate=0.0, overlap=2, max_overlap=2, review_mode="all", rework_to="same"
    )
    pid = project["id"]
    seeded = seed_items(project_id=pid, count=4, gold=1)
    [gold_id] = seeded.gold_ids
    with Session(get_engine()) as session:
        gold_answer = session.get(GoldAnswer, gold_id).answer
    for annotator in team.annotators:
        label_all(client, annotator, pid, lambda item_id, lease: {"label": "other"})
    recompute(pid)
    waiting = {i for i, (state, _) in review_states(pid).items() if state == "in_review"}
    assert set(seeded.item_ids) <= waiting
    # in review: not final yet, whatever the consensus says; the gold item's known answer is
    assert _answers(pid) == {gold_id: gold_answer}

    accept_id, fix_id, reject_id = seeded.item_ids
    plan = {
        accept_id: {"decision": "accept"},
        fix_id: {"decision": "fix", "result": {"label": "electrical_fault"}},
        reject_id: {"decision": "reject", "reasons": []},
    }
    judged = _review_each(
        client, team, pid, lambda item_id: plan.get(item_id, {"decision": "accept"})
    )
    assert set(judged) == waiting
    answers = _answers(pid)
    assert answers[accept_id] == {"label": "other"}  # the consensus the reviewer accepted
    assert answers[fix_id] == {"label": "electrical_fault"}  # the fix replaces the consensus
    assert reject_id not in answers  # rejected: its answers no longer count
    assert answers[gold_id] == gold_answer  # gold wins, reviewed or not

    # reworked by the same annotators: still held while it waits for its second review
    for annotator in team.annotators:
        label_all(client, annotator, pid, lambda item_id, lease: {"label": "mechanical_wear"})
    recompute(pid)
    assert review_states(pid)[reject_id] == ("in_review", 1)
    assert reject_id not in _answers(pid)
    _review_each(client, team, pid, lambda item_id: {"decision": "accept"})
    assert _answers(pid)[reject_id] == {"label": "mechanical_wear"}


def test_a_project_without_review_trains_on_consensus_as_before(client):
    team = new_team(client, annotators=2)
    project = new_project(client, team, gold_rate=0.0, overlap=2, max_overlap=2)
    pid = project["id"]
    seeded = seed_items(project_id=pid, count=3)
    for annotator in team.annotators:
        label_all(client, annotator, pid, lambda item_id, lease: {"label": "other"})
    recompute(pid)
    assert review_states(pid) == {}
    assert _answers(pid) == {i: {"label": "other"} for i in seeded.item_ids}
