"""The events the next stages subscribe to, emitted for real by the quality recompute and received
by a listener subscribed here: ``ItemsFinished`` for the items a run finished, and
``AnnotationsStoppedCounting`` for an annotator a run paused, both inside the run's transaction
(a listener's writes commit or roll back with the recompute)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlmodel import Session, select

from backend import events
from backend.assignments.models import AnnotatorState
from backend.consensus.models import Consensus
from backend.consensus.recompute import recompute_project
from backend.db import get_engine
from backend.wiring import wire
from support.factories import new_project, new_team
from support.seed import seed_items


@contextmanager
def listening(event_type: type, look: Callable[[Any], Any]) -> Iterator[list[Any]]:
    """What ``look(event)`` saw for each emit of ``event_type`` while the block ran."""
    wire()
    seen: list[Any] = []

    def listener(event: Any) -> None:
        seen.append(look(event))

    events.subscribe(event_type, listener)
    try:
        yield seen
    finally:
        events.unsubscribe(event_type, listener)
    assert listener not in events.listeners_of(event_type)


@contextmanager
def nobody_listening(event_type: type) -> Iterator[None]:
    """The block runs with no listener of ``event_type`` (the wired ones are put back after)."""
    wire()
    wired = events.listeners_of(event_type)
    for listener in wired:
        events.unsubscribe(event_type, listener)
    try:
        yield
    finally:
        for listener in wired:
            events.subscribe(event_type, listener)


def _label(client, who, project_id: int, label: str) -> int:
    lease = client.post(f"/api/v1/projects/{project_id}/next", headers=who.headers)
    assert lease.status_code == 200, lease.text
    done = client.post(
        f"/api/v1/assignments/{lease.json()['assignment_id']}/submit",
        json={"result": {"label": label}, "duration_ms": 900},
        headers=who.headers,
    )
    assert done.status_code == 201, done.text
    return lease.json()["item"]["id"]


def _recompute(project_id: int) -> dict[str, Any]:
    with Session(get_engine(), expire_on_commit=False) as session:
        return recompute_project(session=session, project_id=project_id)


def _consensus(project_id: int) -> dict[int, tuple[Any, float, int]]:
    with Session(get_engine()) as session:
        rows = session.exec(
            select(
                Consensus.item_id, Consensus.result, Consensus.confidence, Consensus.n_annotations
            ).where(Consensus.project_id == project_id)
        ).all()
    return {item_id: (result, confidence, n) for item_id, result, confidence, n in rows}


def _finished_view(event: events.ItemsFinished) -> tuple[Any, ...]:
    """The event, whether its session is mid-transaction, and the consensus rows of its items
    as that session sees them."""
    rows = event.session.exec(
        select(Consensus.item_id, Consensus.n_annotations).where(
            Consensus.item_id.in_(list(event.item_ids))
        )
    ).all()
    return (event.project_id, list(event.item_ids), event.session.in_transaction(), sorted(rows))


def test_the_recompute_names_the_items_it_finished_and_only_those(client):
    team = new_team(client, annotators=3)
    project = new_project(client, team, gold_rate=0.0, overlap=2, max_overlap=2)
    pid = project["id"]
    seed_items(project_id=pid, count=3)
    a, b, c = team.annotators
    x = _label(client, a, pid, "other")
    assert _label(client, b, pid, "other") == x  # nearest completion first: x has one answer
    y = _label(client, c, pid, "electrical_fault")
    assert y != x

    with listening(events.ItemsFinished, _finished_view) as seen:
        summary = _recompute(pid)
    # y has a consensus row now, but wants a second answer: not finished. z has no answer.
    assert set(_consensus(pid)) == {x, y}
    assert seen == [(pid, [x], True, [(x, 2)])]
    assert (summary["finished"], summary["consensus_written"]) == (1, 2)

    with listening(events.ItemsFinished, _finished_view) as seen:
        summary = _recompute(pid)
    assert seen == []  # nothing changed, nothing finished again
    assert (summary["finished"], summary["consensus_written"]) == (0, 0)
    # With nobody listening the done items are not even read.
    with nobody_listening(events.ItemsFinished):
        assert not events.has_listeners(events.ItemsFinished)
        assert _recompute(pid)["finished"] is None

    before = _consensus(pid)
    assert _label(client, a, pid, "electrical_fault") == y  # y's second answer
    with listening(events.ItemsFinished, _finished_view) as seen:
        summary = _recompute(pid)
    after = _consensus(pid)
    changed = {
        item
        for item, (result, confidence, n) in after.items()
        if item not in before
        or before[item][0] != result
        or abs(before[item][1] - confidence) > 1e-9
        or before[item][2] != n
    }
    assert y in changed  # its row now counts two answers
    assert after[y][2] == 2
    # Every changed item is done here (x and y have 2 of 2): the event names exactly them.
    assert seen == [(pid, sorted(changed), True, sorted((i, after[i][2]) for i in changed))]
    assert summary["finished"] == len(changed)


def _paused_view(event: events.AnnotationsStoppedCounting) -> tuple[Any, ...]:
    state = event.session.exec(
        select(AnnotatorState.status).where(
            AnnotatorState.project_id == event.project_id,
            AnnotatorState.user_id == event.annotator_id,
        )
    ).one()
    return (
        event.project_id,
        event.annotator_id,
        event.reason,
        tuple(event.annotation_ids),
        event.session.in_transaction(),
        state,
    )


def test_a_pause_applied_by_the_recompute_stops_the_annotators_work_counting(client):
    """Rule 5 is applied by the recompute when a manager raised the bar after the gold answers
    were counted: the pause is announced inside the recompute's transaction."""
    team = new_team(client, annotators=1)
    project = new_project(
        client,
        team,
        gold_rate=0.0,
        qualification_count=1,
        gold_min_count=1,
        min_gold_accuracy=0.0,
    )
    pid = project["id"]
    seeded = seed_items(project_id=pid, count=3, gold=1)
    (annotator,) = team.annotators
    truth = seeded.truth_for(seeded.gold_ids[0])["label"]
    wrong = next(label for label in seeded.labels if label != truth)
    assert _label(client, annotator, pid, wrong) == seeded.gold_ids[0]  # gold comes first
    stats = client.get(f"/api/v1/projects/{pid}/my-stats", headers=annotator.headers).json()
    assert stats["status"] == "active"  # a minimum of 0 pauses nobody
    raised = client.patch(
        f"/api/v1/projects/{pid}", json={"min_gold_accuracy": 0.9}, headers=team.manager.headers
    )
    assert raised.status_code == 200, raised.text

    with listening(events.AnnotationsStoppedCounting, _paused_view) as seen:
        summary = _recompute(pid)
    assert seen == [(pid, annotator.id, "annotator_paused", (), True, "paused")]
    assert summary["paused"] == [annotator.id]
    stats = client.get(f"/api/v1/projects/{pid}/my-stats", headers=annotator.headers).json()
    assert stats["status"] == "paused"

    with listening(events.AnnotationsStoppedCounting, _paused_view) as seen:
        assert _recompute(pid)["paused"] == []
    assert seen == []  # paused once, announced once
