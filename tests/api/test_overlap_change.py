"""A project's new ``overlap`` reaches the items still waiting for answers
(``backend.items.overlap``): lowered, open items want fewer and those that now have enough are
done and get their consensus; raised, open items want more; finished, gold and contested items
keep their targets. Through the API on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlmodel import Session, select

from backend.consensus.models import ProjectQuality
from backend.consensus.recompute import recompute_project
from backend.consensus.scheduling import claim_recompute
from backend.db import get_engine
from backend.items.final_models import FinalItem
from backend.items.models import Item
from support.distribution import nxt, set_wanted, setup_project, submit
from support.review_flow import review_states


def _wanted(project_id: int) -> dict[int, int]:
    with Session(get_engine()) as session:
        rows = session.exec(select(Item.id, Item.wanted).where(Item.project_id == project_id))
        return dict(rows.all())


def _requested(project_id: int) -> bool:
    with Session(get_engine()) as session:
        row = session.get(ProjectQuality, project_id)
        return row is not None and row.requested_at is not None


def _answer(client, who, project_id: int, item_id: int) -> None:
    """``who`` answers ``item_id`` (the only item they can be given)."""
    lease = nxt(client, who, project_id)
    assert lease.status_code == 200, lease.text
    assert lease.json()["item"]["id"] == item_id
    done = submit(client, who, lease.json()["assignment_id"], {"label": "other"})
    assert done.status_code == 201, done.text


def _patch(client, team, project_id: int, **changes) -> None:
    answer = client.patch(
        f"/api/v1/projects/{project_id}", json=changes, headers=team.manager.headers
    )
    assert answer.status_code == 200, answer.text


def test_a_lower_overlap_finishes_items_that_have_enough_and_asks_for_their_consensus(client):
    team, project, seeded = setup_project(client, annotators=3, items=2, overlap=3)
    pid, (one, two) = project["id"], seeded.item_ids
    set_wanted(two, 0)  # "two" out of the queue while "one" gets its two answers
    _answer(client, team.annotators[0], pid, one)
    set_wanted(two, 3)
    _answer(client, team.annotators[1], pid, one)  # "one" has 2 of 3, "two" 0 of 3
    with Session(get_engine()) as session:  # the submits' flag, already handled
        session.get(ProjectQuality, pid).requested_at = None
        session.commit()

    _patch(client, team, pid, overlap=2, max_overlap=2)

    assert _wanted(pid) == {one: 2, two: 2}
    assert _requested(pid)  # "one" is done: the recompute gives it its consensus
    trail = client.get(
        f"/api/v1/orgs/{team.org_id}/audit",
        params={"action": "project.overlap_followed"},
        headers=team.owner.headers,
    )
    assert trail.status_code == 200, trail.text
    [entry] = trail.json()["events"]
    assert entry["data"] == {"from": 3, "to": 2, "raised": 0, "lowered": 2, "done": 1}
    with Session(get_engine()) as session:  # the quality job's work (its queue is not run here)
        assert claim_recompute(session=session, project_id=pid, force=False)
        recompute_project(session=session, project_id=pid)
    third = team.annotators[2]  # "one" is no longer served; "two" is
    lease = nxt(client, third, pid)
    assert lease.json()["item"]["id"] == two
    consensus = client.get(
        f"/api/v1/projects/{pid}/consensus", params={"limit": 10}, headers=team.manager.headers
    )
    assert consensus.status_code == 200
    assert [row["item_id"] for row in consensus.json()] == [one]
    with Session(get_engine()) as session:  # finished, so final (final_when: finished)
        assert session.get(FinalItem, one) is not None
        assert session.get(FinalItem, two) is None


def test_an_item_a_lower_overlap_finishes_enters_review(client):
    team, project, seeded = setup_project(
        client, annotators=2, items=1, overlap=3, review_mode="all"
    )
    pid, (item,) = project["id"], seeded.item_ids
    for annotator in team.annotators:
        _answer(client, annotator, pid, item)
    with Session(get_engine()) as session:  # its consensus as a 2-of-3 item, then no new answer
        claim_recompute(session=session, project_id=pid, force=True)
        recompute_project(session=session, project_id=pid)
    assert review_states(pid) == {}

    _patch(client, team, pid, overlap=2, max_overlap=2)
    with Session(get_engine()) as session:
        assert claim_recompute(session=session, project_id=pid, force=False)
        recompute_project(session=session, project_id=pid)

    assert review_states(pid) == {item: ("in_review", 0)}
    lease = client.post(f"/api/v1/projects/{pid}/review/next", headers=team.reviewer.headers)
    assert lease.status_code == 200, lease.text
    assert lease.json()["item"]["id"] == item


def test_a_higher_overlap_reaches_open_items_only(client):
    team, project, seeded = setup_project(
        client, annotators=3, items=3, gold=1, overlap=1, max_overlap=1
    )
    pid, (done, open_item), (gold,) = project["id"], seeded.item_ids, seeded.gold_ids
    set_wanted(open_item, 0)
    _answer(client, team.annotators[0], pid, done)  # "done" has its one answer
    set_wanted(open_item, 1)
    with Session(get_engine()) as session:
        gold_wanted = session.get(Item, gold).wanted

    _patch(client, team, pid, overlap=3, max_overlap=3)

    wanted = _wanted(pid)
    assert wanted[open_item] == 3
    assert wanted[done] == 1  # finished: its consensus may be in review or in a lot
    assert wanted[gold] == gold_wanted


def test_an_item_adaptive_overlap_raised_keeps_its_target_when_the_overlap_falls(client):
    team, project, seeded = setup_project(client, annotators=3, items=2, overlap=3, max_overlap=5)
    pid, (contested, plain) = project["id"], seeded.item_ids
    set_wanted(contested, 4)  # asked for a fourth answer by the recompute

    _patch(client, team, pid, overlap=2)

    assert _wanted(pid) == {contested: 4, plain: 2}


def test_settings_saved_without_a_new_overlap_move_nothing(client):
    team, project, seeded = setup_project(client, annotators=2, items=1, overlap=3)
    pid, (item,) = project["id"], seeded.item_ids
    set_wanted(item, 4)

    _patch(client, team, pid, overlap=3, agreement_target=0.8)  # the form sends every field

    assert _wanted(pid) == {item: 4}
    assert not _requested(pid)
