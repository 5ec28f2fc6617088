"""Annotators' review records appended by verdicts and folded after (``review_record.py``).

A verdict appends one ``review_tallies`` row per judged annotator and takes no lock on their
state rows; after its commit a short transaction folds the pending rows into the state rows and
applies rule 5 (on PostgreSQL's function path once ``pg_review.FOLD_AT`` rows are pending, rule 5
counting the rest meanwhile: ``test_review_pg_path.py``). These check the three things that
design promises beyond the review tests' numbers (which are the same as before): a verdict
commits while the annotators' state rows are locked elsewhere; rows a failed fold left pending
are folded by the next verdict and counted by the recompute's pass of rule 5
(``pause_all_due``); a resume clears them with the counts.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from backend.assignments import review_record
from backend.assignments.annotator_states import AnnotatorStatus, pause_all_due, set_status
from backend.assignments.models import AnnotatorState, ReviewTally
from backend.db import get_engine
from backend.projects.models import Project
from backend.review import pg_review
from support.factories import new_project, new_team
from support.review_flow import label_all, recompute, review_next, verdict
from support.seed import seed_items


def _in_review(client, *, items: int, **settings):
    team = new_team(client, annotators=2)
    body = {"gold_rate": 0.0, "overlap": 2, "max_overlap": 2, "review_mode": "all", **settings}
    project = new_project(client, team, **body)
    seed_items(project_id=project["id"], count=items)
    for annotator in team.annotators:
        label_all(client, annotator, project["id"], lambda item_id, lease: {"label": "other"})
    recompute(project["id"])
    return team, project


def _records(project_id: int) -> dict[int, tuple[int, float]]:
    with Session(get_engine()) as session:
        states = session.exec(
            select(AnnotatorState).where(AnnotatorState.project_id == project_id)
        ).all()
    return {s.user_id: (s.review_answered, s.review_correct) for s in states}


def _pending(project_id: int) -> int:
    with Session(get_engine()) as session:
        return len(
            session.exec(select(ReviewTally).where(ReviewTally.project_id == project_id)).all()
        )


def _hold_states(project_id: int):
    holder = get_engine().connect()
    holder.execute(
        text("SELECT 1 FROM annotator_states WHERE project_id = :p FOR NO KEY UPDATE"),
        {"p": project_id},
    )
    return holder


@pytest.mark.parametrize("decision", ["accept", "reject"])
def test_a_verdict_neither_waits_for_the_annotators_state_rows_nor_loses_its_count(
    client, is_postgres, decision, monkeypatch
):
    """While another transaction holds the annotators' state rows the verdict is stored and
    answered (before revision 0025 it waited for that transaction), its fold skips the held rows
    and leaves them pending, and the next verdict's fold takes them. ``accept`` takes the
    function path after the reviewer's first cycle, ``reject`` Python's; the function path folds
    once ``FOLD_AT`` rows are pending (one here, so that it folds after every verdict)."""
    if not is_postgres:
        pytest.skip("SQLite serialises every writer")
    monkeypatch.setattr(pg_review, "FOLD_AT", 1)
    team, project = _in_review(client, items=3)
    pid = project["id"]
    first = review_next(client, team.reviewer, pid).json()  # creates the reviewer's state row
    assert verdict(client, team.reviewer, first["review_id"], decision="accept").status_code == 201
    before = _records(pid)
    lease = review_next(client, team.reviewer, pid).json()

    holder = _hold_states(pid)
    answers: list = []
    worker = threading.Thread(
        target=lambda: answers.append(
            verdict(client, team.reviewer, lease["review_id"], decision=decision)
        )
    )
    try:
        worker.start()
        worker.join(timeout=20)
        assert not worker.is_alive(), "the verdict waited for the annotators' state rows"
        assert _records(pid) == before and _pending(pid) == 2  # left for the next fold
    finally:
        holder.rollback()
        holder.close()
        worker.join(timeout=30)
    assert answers and answers[0].status_code == 201, answers
    last = review_next(client, team.reviewer, pid).json()
    assert verdict(client, team.reviewer, last["review_id"], decision="accept").status_code == 201
    after = _records(pid)
    right = 2.0 if decision == "accept" else 1.0
    for annotator in team.annotators:
        answered, correct = before[annotator.id]
        assert after[annotator.id] == (answered + 2, correct + right)
    assert _pending(pid) == 0


def test_a_busy_annotator_due_for_a_pause_is_waited_for(client, is_postgres, monkeypatch):
    """A fold that skips a held state row judges rule 5 on the record plus what is pending; an
    annotator due for a pause is folded again, waiting for the row, and paused."""
    if not is_postgres:
        pytest.skip("SQLite serialises every writer")
    team, project = _in_review(client, items=3, gold_min_count=2, min_gold_accuracy=0.6)
    pid = project["id"]
    monkeypatch.setattr(review_record, "fold", lambda **kwargs: review_record.Folded())
    for _ in range(2):  # two rejections each, left pending
        lease = review_next(client, team.reviewer, pid).json()
        assert (
            verdict(client, team.reviewer, lease["review_id"], decision="reject").status_code == 201
        )
    monkeypatch.undo()
    users = sorted(a.id for a in team.annotators)
    holder = _hold_states(pid)
    try:
        with Session(get_engine()) as session:
            done = review_record.fold(
                session=session, project_id=pid, user_ids=users, skip_busy=True
            )
            session.commit()
        assert done == review_record.Folded(paused=[], due_but_busy=users)
    finally:
        holder.rollback()
        holder.close()
    with Session(get_engine()) as session:
        paused = review_record.fold_after_commit(session=session, project_id=pid, user_ids=users)
    assert paused == users
    records = _records(pid)
    assert {user: records[user] for user in users} == {user: (2, 0.0) for user in users}
    assert _pending(pid) == 0


def test_rows_a_failed_fold_left_are_folded_next_time_and_counted_by_the_recompute(
    client, monkeypatch
):
    team, project = _in_review(client, items=4, gold_min_count=2, min_gold_accuracy=0.6)
    pid = project["id"]
    real_fold = review_record.fold

    def broken(**kwargs):
        raise RuntimeError("fold lost")

    monkeypatch.setattr(review_record, "fold", broken)
    for _ in range(2):
        lease = review_next(client, team.reviewer, pid).json()
        stored = verdict(client, team.reviewer, lease["review_id"], decision="reject")
        assert stored.status_code == 201  # the verdict stands without its fold
    assert _pending(pid) == 4  # two verdicts, two annotators each
    assert all(record == (0, 0.0) for record in _records(pid).values())

    # The recompute's pass of rule 5 counts the pending rows: 0 of 2 right pauses both (called
    # alone, to read which annotators it paused).
    with Session(get_engine()) as session:
        paused = pause_all_due(session=session, project=session.get(Project, pid))
        session.commit()
    assert sorted(paused) == sorted(a.id for a in team.annotators)
    with Session(get_engine()) as session:
        states = session.exec(select(AnnotatorState).where(AnnotatorState.project_id == pid)).all()
        reasons = {s.user_id: s.paused_reason for s in states}
    for annotator in team.annotators:
        assert "review accuracy" in reasons[annotator.id]
        refused = client.post(f"/api/v1/projects/{pid}/next", headers=annotator.headers)
        assert refused.status_code == 403

    # The next verdict's fold takes every pending row of its annotators (on PostgreSQL's
    # function path once ``FOLD_AT`` are pending: one here).
    monkeypatch.setattr(review_record, "fold", real_fold)
    monkeypatch.setattr(pg_review, "FOLD_AT", 1)
    lease = review_next(client, team.reviewer, pid).json()
    assert verdict(client, team.reviewer, lease["review_id"], decision="accept").status_code == 201
    assert _pending(pid) == 0
    for annotator in team.annotators:
        assert _records(pid)[annotator.id] == (3, 1.0)


def test_a_resume_clears_pending_rows_with_the_counts(client, monkeypatch):
    team, project = _in_review(client, items=2)
    pid = project["id"]
    monkeypatch.setattr(review_record, "fold", lambda **kwargs: review_record.Folded())  # pending
    lease = review_next(client, team.reviewer, pid).json()
    assert verdict(client, team.reviewer, lease["review_id"], decision="reject").status_code == 201
    assert _pending(pid) == 2
    annotator = team.annotators[0]
    with Session(get_engine()) as session:
        row = session.get(Project, pid)
        set_status(
            session=session,
            project=row,
            user_id=annotator.id,
            status=AnnotatorStatus.active,
            reason=None,
            actor_id=team.owner.id,
        )
        session.commit()
    with Session(get_engine()) as session:
        left = session.exec(select(ReviewTally.user_id).where(ReviewTally.project_id == pid)).all()
    assert left == [team.annotators[1].id]
