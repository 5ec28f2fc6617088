"""A paused annotator's answers stop counting in consensus (SPEC, rule 5), so the items they
answered want replacements up to the project's overlap: a tester found such items listed as
delivered and incomplete at once, never asked again, and costed at the answers that still
counted."""

from __future__ import annotations

from sqlmodel import Session, select

from backend.consensus.models import ProjectQuality
from backend.db import get_engine
from backend.items.final_models import FinalItem
from backend.items.models import Item
from support.distribution import pause
from support.factories import new_project, new_team
from support.review_flow import consensus_of, label_all, recompute, review_next, verdict
from support.seed import seed_items


def counters(project_id: int) -> dict[int, tuple[int, int]]:
    with Session(get_engine()) as session:
        rows = session.exec(
            select(Item.id, Item.annotation_count, Item.wanted).where(
                Item.project_id == project_id, Item.is_gold.is_(False)
            )
        ).all()
    return {item_id: (count, wanted) for item_id, count, wanted in rows}


def finals(project_id: int) -> set[int]:
    with Session(get_engine()) as session:
        rows = session.exec(select(FinalItem.item_id).where(FinalItem.project_id == project_id))
        return set(rows.all())


def delivered(project_id: int) -> dict:
    with Session(get_engine()) as session:
        return session.get(ProjectQuality, project_id).figures["delivered"]


def test_a_pause_reopens_the_items_its_answers_counted_for(client):
    team = new_team(client, annotators=3)
    project = new_project(client, team, "text_classification", overlap=2, gold_rate=0.0)
    pid = project["id"]
    items = seed_items(project_id=pid, count=3).item_ids
    first, second, third = team.annotators
    for who in (first, second):
        assert sorted(label_all(client, who, pid, lambda i, lease: {"label": "other"})) == items
    recompute(pid)
    assert counters(pid) == {i: (2, 2) for i in items}
    assert delivered(pid)["items"] == 3 and delivered(pid)["incomplete"] == 0
    assert finals(pid) == set(items)  # review off: final as they finish (the default)

    pause(client, team.manager, pid, first.id, "spam")
    recompute(pid)
    # one counted answer each: every item reopens and wants one more
    assert counters(pid) == {i: (2, 3) for i in items}
    assert delivered(pid)["items"] == 0 and finals(pid) == set()
    assert sorted(label_all(client, third, pid, lambda i, lease: {"label": "other"})) == items
    recompute(pid)
    assert counters(pid) == {i: (3, 3) for i in items}
    assert {i: n for i, (_, _, n) in consensus_of(pid).items()} == {i: 2 for i in items}
    figures = delivered(pid)
    assert figures["items"] == 3 and figures["incomplete"] == 0
    assert finals(pid) == set(items)  # finished again, final again
    recompute(pid)  # nothing more is asked once the counted answers reach the overlap
    assert counters(pid) == {i: (3, 3) for i in items}


def test_items_a_lot_holds_keep_their_settled_answer(client):
    """An item in a lot (open or accepted) was handed to the client as it is: a later pause
    does not reopen it (nor an item a reviewer judged, which is final by that verdict)."""
    team = new_team(client, annotators=2)
    project = new_project(client, team, "text_classification", overlap=2, gold_rate=0.0)
    pid = project["id"]
    items = seed_items(project_id=pid, count=2).item_ids
    for who in team.annotators:
        label_all(client, who, pid, lambda i, lease: {"label": "other"})
    recompute(pid)
    lot = client.post(
        f"/api/v1/projects/{pid}/lots",
        json={"all_finished": True, "aql": "1.0"},
        headers=team.manager.headers,
    )
    assert lot.status_code == 201, lot.text
    client.post(
        f"/api/v1/projects/{pid}/annotators/{team.annotators[0].id}/pause",
        json={},
        headers=team.manager.headers,
    )
    recompute(pid)
    assert counters(pid) == {i: (2, 2) for i in items}
    assert finals(pid) == set(items)


def test_an_item_a_reviewer_accepts_after_a_pause_wants_no_more(client):
    """Items waiting in review when their annotator is paused are asked for a replacement
    answer (``wanted`` 2 at overlap 1); a reviewer then accepts them: they are final and want no
    more (before, they stayed final at "1 of 2 answers", out of every lot of finished items and
    counted undelivered). On PostgreSQL the verdict takes the one-call path."""
    team = new_team(client, annotators=2)
    project = new_project(
        client, team, "text_classification", overlap=1, gold_rate=0.0, review_mode="all"
    )
    pid = project["id"]
    items = seed_items(project_id=pid, count=2).item_ids
    first = team.annotators[0]
    assert sorted(label_all(client, first, pid, lambda i, lease: {"label": "other"})) == items
    recompute(pid)
    assert finals(pid) == set() and counters(pid) == {i: (1, 1) for i in items}
    pause(client, team.manager, pid, first.id, "spam")
    recompute(pid)
    assert counters(pid) == {i: (1, 2) for i in items}  # replacements asked for
    for _ in items:
        lease = review_next(client, team.reviewer, pid)
        assert lease.status_code == 200, lease.text
        stored = verdict(client, team.reviewer, lease.json()["review_id"], decision="accept")
        assert stored.status_code == 201, stored.text
    assert finals(pid) == set(items)
    assert counters(pid) == {i: (1, 1) for i in items}
    lot = client.post(
        f"/api/v1/projects/{pid}/lots",
        json={"all_finished": True, "aql": "1.0"},
        headers=team.manager.headers,
    )
    assert lot.status_code == 201, lot.text
    assert lot.json()["size"] == 2
