"""The reviewer's one-call ``next`` and ``submit`` on PostgreSQL (``backend/review/pg_review.py``).

The review tests run on both databases and check every answer; these check that on PostgreSQL
the common cases really go through ``jinbiao_review_next`` / ``jinbiao_review_submit``, that a
verdict stored by the function leaves exactly the rows the Python path leaves, and that every case
the functions hand back is answered by the Python path with its usual answer. The calls are
wrapped, not replaced.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session

from backend import clock
from backend.assignments.outcomes import HandBack, HandBackReason, NothingLeft
from backend.db import get_engine
from backend.pay import due
from backend.pay import listeners as pay_listeners
from backend.review import pg_review
from backend.review.schemas import ReviewLease, ReviewPublic
from support.factories import new_project, new_team
from support.pay_helpers import build
from support.review_flow import label_all, recompute, review_next, review_states, verdict
from support.seed import seed_items

pytestmark = pytest.mark.usefixtures("client")

REASONS = ["漏标", "错标"]


@pytest.fixture(autouse=True)
def _postgresql_only(is_postgres):
    if not is_postgres:
        pytest.skip("the one-call review path exists on PostgreSQL only")


@pytest.fixture
def calls(monkeypatch):
    """What each function path answered, in order: ``[(name, outcome), ...]``."""
    seen: list[tuple[str, object]] = []
    real_next, real_submit = pg_review.next_review, pg_review.submit_verdict

    async def next_recorded(**kwargs):
        outcome = await real_next(**kwargs)
        seen.append(("next", outcome))
        return outcome

    async def submit_recorded(**kwargs):
        outcome = await real_submit(**kwargs)
        seen.append(("submit", outcome))
        return outcome

    monkeypatch.setattr(pg_review, "next_review", next_recorded)
    monkeypatch.setattr(pg_review, "submit_verdict", submit_recorded)
    return seen


def _in_review(client, *, items: int, annotators: int = 2, **settings):
    team = new_team(client, annotators=annotators)
    body = {
        "gold_rate": 0.0,
        "overlap": 2,
        "max_overlap": 2,
        "review_mode": "all",
        "review_reasons": REASONS,
        **settings,
    }
    project = new_project(client, team, **body)
    seed_items(project_id=project["id"], count=items)
    for annotator in team.annotators:
        label_all(client, annotator, project["id"], lambda item_id, lease: {"label": "other"})
    recompute(project["id"])
    return team, project


def _reasons(calls, name):
    return [
        outcome.reason if isinstance(outcome, HandBack) else type(outcome).__name__
        for seen, outcome in calls
        if seen == name
    ]


def _rows(item_id: int) -> dict:
    """Everything a verdict writes about the item, without ids and times."""
    with Session(get_engine()) as session:

        def rows(sql: str) -> list[tuple]:
            return [tuple(r) for r in session.execute(text(sql), {"i": item_id}).all()]

        return {
            "review": rows(
                "SELECT stage, rework_round, decision, result, reasons, comment FROM reviews "
                "WHERE item_id = :i"
            ),
            "state": rows(
                "SELECT state, rework_round, final_result FROM review_items WHERE item_id = :i"
            ),
            "consensus": rows(
                "SELECT result, confidence, method FROM consensus WHERE item_id = :i"
            ),
            "marks": rows(
                "SELECT m.annotator_id, m.score FROM review_marks m JOIN reviews r "
                "ON r.id = m.review_id WHERE r.item_id = :i ORDER BY m.annotator_id"
            ),
            "lease": rows(
                "SELECT status, finished_at IS NOT NULL FROM assignments "
                "WHERE item_id = :i AND stage = 'review'"
            ),
            "pay": rows(
                "SELECT what FROM pay_work WHERE what = 'final' AND item_ids::jsonb @> "
                "to_jsonb(ARRAY[:i])"
            ),
            "final": rows("SELECT project_id FROM final_items WHERE item_id = :i"),
        }


def _review_records(project_id: int) -> dict[int, tuple[int, float]]:
    """Each annotator's review record: the state row plus what is still pending (the record's
    definition: ``backend/assignments/review_record.py``)."""
    with Session(get_engine()) as session:
        rows = session.execute(
            text(
                "SELECT s.user_id, s.review_answered + COALESCE(sum(t.answered), 0), "
                "s.review_correct + COALESCE(sum(t.correct), 0) FROM annotator_states s "
                "LEFT JOIN review_tallies t ON t.project_id = s.project_id "
                "AND t.user_id = s.user_id WHERE s.project_id = :p "
                "GROUP BY s.user_id, s.review_answered, s.review_correct"
            ),
            {"p": project_id},
        ).all()
    return {user_id: (answered, correct) for user_id, answered, correct in rows}


def _pending_rows(project_id: int) -> dict[int, int]:
    with Session(get_engine()) as session:
        rows = session.execute(
            text(
                "SELECT user_id, count(*) FROM review_tallies WHERE project_id = :p "
                "GROUP BY user_id"
            ),
            {"p": project_id},
        ).all()
    return dict(rows)


def test_accept_and_fix_go_through_the_functions_and_store_what_python_stores(client, calls):
    team, project = _in_review(client, items=6)
    reviewer = team.reviewer
    # The reviewer's first next creates their state row: the Python path leases, and its
    # submit (no memo of the lease in this process) is stored by the Python path too.
    first = review_next(client, reviewer, project["id"])
    assert first.status_code == 200, first.text
    python_item = first.json()["item"]["id"]
    stored = verdict(
        client, reviewer, first.json()["review_id"], decision="accept", reasons=["错标"]
    )
    assert stored.status_code == 201, stored.text
    assert _reasons(calls, "next") == [HandBackReason.refused]
    assert _reasons(calls, "submit") == [HandBackReason.changed]
    records_after_python = _review_records(project["id"])

    lease = review_next(client, reviewer, project["id"])
    assert lease.status_code == 200, lease.text
    body = lease.json()
    assert [a["annotator_id"] for a in body["annotations"]] == [a.id for a in team.annotators]
    assert body["reasons"] == REASONS and body["consensus"] is not None
    again = review_next(client, reviewer, project["id"])  # held: the same lease
    assert again.json()["review_id"] == body["review_id"]
    accepted = verdict(client, reviewer, body["review_id"], decision="accept", reasons=["错标"])
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["decision"] == "accept" and accepted.json()["reasons"] == ["错标"]
    assert _reasons(calls, "next")[1:] == ["ReviewLease", "ReviewLease"]
    assert _reasons(calls, "submit")[1:] == ["ReviewPublic"]

    function_item = body["item"]["id"]
    python_rows, function_rows = _rows(python_item), _rows(function_item)
    assert function_rows == python_rows
    assert function_rows["state"][0][0] == "reviewed" and function_rows["pay"] == [("final",)]
    assert function_rows["final"] == [(project["id"],)]
    # Each annotator's review record counted the second verdict as it counted the first.
    records = _review_records(project["id"])
    for annotator in team.annotators:
        assert records_after_python[annotator.id] == (1, 1.0)
        assert records[annotator.id] == (2, 2.0)

    fixing = review_next(client, reviewer, project["id"]).json()
    fixed = verdict(
        client, reviewer, fixing["review_id"], decision="fix", result={"label": "mechanical_wear"}
    )
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["result"] == {"label": "mechanical_wear"}
    assert _reasons(calls, "submit")[-1] == "ReviewPublic"
    rows = _rows(fixing["item"]["id"])
    assert rows["state"] == [("reviewed", 0, {"label": "mechanical_wear"})]
    assert rows["consensus"][0][:2] == ({"label": "mechanical_wear"}, 1.0)
    scores = dict(rows["marks"])
    assert scores == {team.annotators[0].id: 0.0, team.annotators[1].id: 0.0}
    repeat = verdict(
        client, reviewer, fixing["review_id"], decision="fix", result={"label": "mechanical_wear"}
    )
    assert repeat.status_code == 200 and repeat.json()["decision"] == "fix"
    assert _reasons(calls, "submit")[-1] == HandBackReason.changed  # no memo: Python's repeat
    other = verdict(client, reviewer, fixing["review_id"], decision="accept")
    assert other.status_code == 409 and other.json()["code"] == "already_judged"


def test_what_the_functions_hand_back_is_answered_by_the_python_path(client, calls):
    team, project = _in_review(client, items=6)
    reviewer = team.reviewer
    verdict(
        client,
        reviewer,
        review_next(client, reviewer, project["id"]).json()["review_id"],
        decision="accept",
    )

    # A fix the kind refuses, a reason outside the list: 422 from the Python path, nothing stored.
    lease = review_next(client, reviewer, project["id"]).json()
    bad = verdict(client, reviewer, lease["review_id"], decision="fix", result={"label": "nope"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-2:] == ["result", "label"]
    assert review_states(project["id"])[lease["item"]["id"]][0] == "in_review"

    # A reject reworks the item: the Python path.
    lease = review_next(client, reviewer, project["id"]).json()
    rejected = verdict(client, reviewer, lease["review_id"], decision="reject", reasons=["漏标"])
    assert rejected.status_code == 201, rejected.text
    assert review_states(project["id"])[lease["item"]["id"]] == ("rework", 1)
    assert _reasons(calls, "submit")[-1] == HandBackReason.python_stage

    # The consensus changed since next: handed back, stored by Python against the new one.
    lease = review_next(client, reviewer, project["id"]).json()
    with Session(get_engine()) as session:
        session.execute(
            text(
                'UPDATE consensus SET result = \'{"label": "mechanical_wear"}\' WHERE item_id = :i'
            ),
            {"i": lease["item"]["id"]},
        )
        session.commit()
    accepted = verdict(client, reviewer, lease["review_id"], decision="accept")
    assert accepted.status_code == 201, accepted.text
    assert _reasons(calls, "submit")[-1] == HandBackReason.changed
    assert _rows(lease["item"]["id"])["state"][0][2] == {"label": "mechanical_wear"}

    # An expired lease: 409 review_expired, nothing stored.
    lease = review_next(client, reviewer, project["id"]).json()
    with Session(get_engine()) as session:
        session.execute(
            text("UPDATE assignments SET expires_at = :t WHERE id = :a"),
            {"t": clock.now() - timedelta(seconds=1), "a": lease["review_id"]},
        )
        session.commit()
    late = verdict(client, reviewer, lease["review_id"], decision="accept")
    assert late.status_code == 409 and late.json()["code"] == "review_expired"
    assert _reasons(calls, "submit")[-1] == HandBackReason.late

    # Someone else's review: 404 from the Python path.
    lease = review_next(client, reviewer, project["id"]).json()
    other = verdict(client, team.manager, lease["review_id"], decision="accept")
    assert other.status_code == 404
    assert _reasons(calls, "submit")[-1] == HandBackReason.changed  # no memo for the manager

    # An annotator never gets a review lease (403 from the Python path), and once the queue is
    # empty the function answers 204.
    assert review_next(client, team.annotators[0], project["id"]).status_code == 403
    verdict(client, reviewer, lease["review_id"], decision="accept")
    while (nxt := review_next(client, reviewer, project["id"])).status_code == 200:
        verdict(client, reviewer, nxt.json()["review_id"], decision="accept")
    assert nxt.status_code == 204
    assert isinstance(calls[-1][1], NothingLeft)
    assert all(isinstance(o, ReviewLease | ReviewPublic | HandBack | NothingLeft) for _, o in calls)


def _new_final(project_id: int) -> int:
    with Session(get_engine()) as session:
        found = session.execute(
            text("SELECT new_final FROM project_model_state WHERE project_id = :p"),
            {"p": project_id},
        ).scalar()
    return found or 0


@pytest.mark.parametrize("final_when", ["finished", "lot_accepted"])
def test_a_project_that_counts_final_answers_for_its_model_takes_the_python_path(
    client, calls, final_when
):
    """``ItemsFinal``'s third listener (the model's count of new final answers) writes only for
    a project that uses its model: such a verdict is handed back and Python emits the event;
    under ``lot_accepted`` the verdict makes nothing final, and the function stores it."""
    team, project = _in_review(
        client, items=4, prelabels=True, train_every=1000, final_when=final_when
    )
    reviewer = team.reviewer
    first = review_next(client, reviewer, project["id"]).json()  # the Python path's lease
    assert verdict(client, reviewer, first["review_id"], decision="accept").status_code == 201
    before = _new_final(project["id"])
    lease = review_next(client, reviewer, project["id"]).json()
    accepted = verdict(client, reviewer, lease["review_id"], decision="accept")
    assert accepted.status_code == 201, accepted.text
    rows = _rows(lease["item"]["id"])
    assert rows["state"][0][0] == "reviewed"
    if final_when == "finished":
        assert _reasons(calls, "submit")[-1] == HandBackReason.python_stage
        assert _new_final(project["id"]) == before + 1
        assert rows["final"] == [(project["id"],)] and rows["pay"] == [("final",)]
    else:
        assert _reasons(calls, "submit")[-1] == "ReviewPublic"
        assert _new_final(project["id"]) == before
        assert rows["final"] == [] and rows["pay"] == []


def test_a_verdict_on_the_function_path_pauses_annotators_its_fold_finds_due(client, calls):
    """Rule 5 on the records ``jinbiao_review_submit`` returns (state row plus pending rows,
    nothing folded by the verdict itself): two wrong answers of each annotator (the first judged
    by the Python path, the second by the function) pause both before the second verdict is
    answered."""
    team, project = _in_review(client, items=4, gold_min_count=2, min_gold_accuracy=0.6)
    reviewer, pid = team.reviewer, project["id"]
    wrong = {"label": "mechanical_wear"}  # every annotator answered "other"
    for _ in range(2):
        lease = review_next(client, reviewer, pid).json()
        fixed = verdict(client, reviewer, lease["review_id"], decision="fix", result=wrong)
        assert fixed.status_code == 201, fixed.text
    assert _reasons(calls, "submit") == [HandBackReason.changed, "ReviewPublic"]
    records = _review_records(pid)
    assert all(records[a.id] == (2, 0.0) for a in team.annotators)
    with Session(get_engine()) as session:
        states = dict(
            session.execute(
                text("SELECT user_id, paused_reason FROM annotator_states WHERE project_id = :p"),
                {"p": pid},
            ).all()
        )
    for annotator in team.annotators:
        assert "review accuracy" in (states[annotator.id] or "")
        assert (
            client.post(f"/api/v1/projects/{pid}/next", headers=annotator.headers).status_code
            == 403
        )


def _scalar(sql: str, **params) -> object:
    with Session(get_engine()) as session:
        return session.execute(text(sql), params).scalar()


def test_pay_ledger_job_is_sent_once_per_run_and_the_ledger_ends_complete(
    client, calls, monkeypatch
):
    """The function path has pay's ledger job sent only by the verdict that sets the project's
    ``pay_due`` flag; the job clears it before taking the work, so every verdict's work row is
    taken by a job, and the next verdict after a run sends again."""
    sent: list[tuple] = []
    monkeypatch.setattr(pay_listeners, "enqueue", lambda name, *args, **_: sent.append(args))
    team, project = _in_review(client, items=6)
    reviewer, pid = team.reviewer, project["id"]
    reviewed = []
    for _ in range(4):
        lease = review_next(client, reviewer, pid).json()
        assert verdict(client, reviewer, lease["review_id"], decision="accept").status_code == 201
        reviewed.append(lease["item"]["id"])
    assert _reasons(calls, "submit") == [HandBackReason.changed] + ["ReviewPublic"] * 3
    assert sent == [(pid,)]  # the first function verdict set the flag; the next two did not
    assert _scalar("SELECT count(*) FROM pay_due WHERE project_id = :p", p=pid) == 1

    build(pid)
    assert _scalar("SELECT count(*) FROM pay_due WHERE project_id = :p", p=pid) == 0
    assert _scalar("SELECT count(*) FROM pay_work WHERE project_id = :p", p=pid) == 0
    for _ in range(2):
        lease = review_next(client, reviewer, pid).json()
        assert verdict(client, reviewer, lease["review_id"], decision="accept").status_code == 201
        reviewed.append(lease["item"]["id"])
    assert sent == [(pid,), (pid,)]  # flag cleared by the run: the next verdict sent again
    build(pid)
    final = _scalar(
        "SELECT array_agg(item_id ORDER BY item_id) FROM pay_item_facts "
        "WHERE project_id = :p AND final",
        p=pid,
    )
    assert final == sorted(reviewed)
    assert _scalar("SELECT count(*) FROM pay_work WHERE project_id = :p", p=pid) == 0


def test_a_verdict_waiting_on_the_job_clear_sets_the_flag_again(client, calls, monkeypatch):
    """The job's clear takes the exclusive lock the verdicts take shared: a verdict that makes an
    item final while a clear holds it waits, and then sets the flag itself and sends the job."""
    sent: list[tuple] = []
    monkeypatch.setattr(pay_listeners, "enqueue", lambda name, *args, **_: sent.append(args))
    team, project = _in_review(client, items=4)
    reviewer, pid = team.reviewer, project["id"]
    first = review_next(client, reviewer, pid).json()  # the Python path's lease
    verdict(client, reviewer, first["review_id"], decision="accept")
    lease = review_next(client, reviewer, pid).json()
    assert verdict(client, reviewer, lease["review_id"], decision="accept").status_code == 201
    assert sent == [(pid,)]
    lease = review_next(client, reviewer, pid).json()
    clearing = Session(get_engine())
    clearing.execute(text("SELECT pg_advisory_xact_lock(:c, :p)"), {"c": due.LOCK_CLASS, "p": pid})
    clearing.execute(text("DELETE FROM pay_due WHERE project_id = :p"), {"p": pid})
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(verdict, client, reviewer, lease["review_id"], decision="accept")
        try:
            answer.result(timeout=1)
            raise AssertionError("the verdict did not wait for the clear")
        except FutureTimeout:
            pass
        clearing.commit()
        clearing.close()
        assert answer.result(timeout=30).status_code == 201
    assert _reasons(calls, "submit")[-1] == "ReviewPublic"
    assert sent == [(pid,), (pid,)]
    assert _scalar("SELECT count(*) FROM pay_due WHERE project_id = :p", p=pid) == 1


def test_records_are_folded_once_enough_are_pending_and_rule_5_counts_the_rest(
    client, calls, monkeypatch
):
    """No fold after every verdict: the annotators' rows stay pending until one of them has
    ``FOLD_AT``; their records (state row plus pending) are those the Python path keeps."""
    monkeypatch.setattr(pg_review, "FOLD_AT", 3)
    team, project = _in_review(client, items=6)
    reviewer, pid = team.reviewer, project["id"]
    for n in range(1, 6):
        lease = review_next(client, reviewer, pid).json()
        assert verdict(client, reviewer, lease["review_id"], decision="accept").status_code == 201
        records = _review_records(pid)
        assert all(records[a.id] == (n, float(n)) for a in team.annotators)
        pending = _pending_rows(pid)
        # verdict 1 (Python) folds its own; 2 and 3 leave theirs; 4 sees 3 pending and folds
        expected = {1: 0, 2: 1, 3: 2, 4: 0, 5: 1}[n]
        assert all(pending.get(a.id, 0) == expected for a in team.annotators), (n, pending)
    assert _reasons(calls, "submit") == [HandBackReason.changed] + ["ReviewPublic"] * 4


def test_a_failed_fold_leaves_the_rows_pending_and_the_verdict_stored(client, calls, monkeypatch):
    """The fold runs after the verdict's commit: its failure is logged, the verdict answered
    201, and the rows wait for the next fold."""
    real_fold = pg_review._FOLD
    monkeypatch.setattr(pg_review, "FOLD_AT", 1)
    monkeypatch.setattr(pg_review, "_FOLD", "SELECT * FROM no_such_fold({}, {}, {}, {})")
    team, project = _in_review(client, items=3)
    reviewer, pid = team.reviewer, project["id"]
    first = review_next(client, reviewer, pid).json()  # the Python path's lease
    assert verdict(client, reviewer, first["review_id"], decision="accept").status_code == 201
    lease = review_next(client, reviewer, pid).json()
    assert verdict(client, reviewer, lease["review_id"], decision="accept").status_code == 201
    assert _reasons(calls, "submit")[-1] == "ReviewPublic"
    assert all(_pending_rows(pid)[a.id] == 1 for a in team.annotators)
    monkeypatch.setattr(pg_review, "_FOLD", real_fold)
    lease = review_next(client, reviewer, pid).json()
    assert verdict(client, reviewer, lease["review_id"], decision="accept").status_code == 201
    assert _reasons(calls, "submit")[-1] == "ReviewPublic"
    assert _pending_rows(pid) == {}
    assert all(_review_records(pid)[a.id] == (3, 3.0) for a in team.annotators)


def test_a_skipped_fold_is_redone_from_twice_the_bound_on(client, calls, monkeypatch):
    """A verdict folds when it brings an annotator to exactly ``FOLD_AT`` pending rows (so the
    verdicts in flight meanwhile do not all fold too); if that fold skipped the rows (held
    elsewhere), every verdict from twice the bound on folds."""
    monkeypatch.setattr(pg_review, "FOLD_AT", 2)
    team, project = _in_review(client, items=6)
    reviewer, pid = team.reviewer, project["id"]
    first = review_next(client, reviewer, pid).json()  # the Python path's lease (folds its own)
    assert verdict(client, reviewer, first["review_id"], decision="accept").status_code == 201

    def accept() -> None:
        lease = review_next(client, reviewer, pid).json()
        assert verdict(client, reviewer, lease["review_id"], decision="accept").status_code == 201

    with get_engine().connect() as holder:  # their state rows held: the fold at 2 skips them
        holder.execute(
            text(
                "SELECT 1 FROM annotator_states WHERE project_id = :p AND user_id = ANY(:u) "
                "FOR NO KEY UPDATE"
            ),
            {"p": pid, "u": [a.id for a in team.annotators]},
        )
        with ThreadPoolExecutor(1) as pool:
            pool.submit(accept).result(timeout=30)
            pool.submit(accept).result(timeout=30)
        holder.rollback()
    seen = []
    for _ in range(2):
        seen.append(_pending_rows(pid))
        accept()
    seen.append(_pending_rows(pid))
    counts = [{a.id: rows.get(a.id, 0) for a in team.annotators} for rows in seen]
    assert [set(c.values()) for c in counts] == [{2}, {3}, {0}]  # 3: no fold; 4: folded
    assert all(_review_records(pid)[a.id] == (5, 5.0) for a in team.annotators)
    assert _reasons(calls, "submit") == [HandBackReason.changed] + ["ReviewPublic"] * 4


def test_an_annotator_only_the_fold_finds_due_is_paused_after_the_answer(
    client, calls, monkeypatch
):
    """The fold runs once the verdict's answer is sent (a background task of the request). Rule
    5 on the verdict's own records is applied before the answer; an annotator whom only the
    fold finds due (the rows of verdicts that committed after this one's read: simulated here
    by hiding the verdict's own finding) is still paused, after the answer."""
    monkeypatch.setattr(pg_review, "FOLD_AT", 2)
    monkeypatch.setattr(pg_review, "_due_users", lambda *args: [])
    team, project = _in_review(client, items=4, gold_min_count=2, min_gold_accuracy=0.6)
    reviewer, pid = team.reviewer, project["id"]
    wrong = {"label": "mechanical_wear"}  # every annotator answered "other"
    for _ in range(3):  # Python's verdict folds its own; the third function verdict brings 2
        lease = review_next(client, reviewer, pid).json()
        fixed = verdict(client, reviewer, lease["review_id"], decision="fix", result=wrong)
        assert fixed.status_code == 201, fixed.text
    assert _reasons(calls, "submit") == [HandBackReason.changed] + ["ReviewPublic"] * 2
    assert _pending_rows(pid) == {}
    assert all(_review_records(pid)[a.id] == (3, 0.0) for a in team.annotators)
    for annotator in team.annotators:
        answer = client.post(f"/api/v1/projects/{pid}/next", headers=annotator.headers)
        assert answer.status_code == 403, answer.text
