"""PostgreSQL's one-call ``next`` and ``submit`` (``backend/assignments/sql``): which cases they
answer.

The distribution tests run on both databases and check every answer; these check that on
PostgreSQL the common cases really go through ``jinbiao_next`` / ``jinbiao_submit`` and that every
case they hand back (``HandBack`` and its reason) is answered by the Python path, with its usual
answer. The calls of the functions are wrapped, not replaced: every call goes through to the
database.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session

from backend.assignments import lease_memo, pg_functions
from backend.assignments.outcomes import HandBack, HandBackReason, Leased, NothingLeft
from backend.assignments.stages import ANNOTATE
from backend.db import get_engine
from support.factories import new_project, new_team
from support.seed import seed_items

pytestmark = pytest.mark.usefixtures("client")


@pytest.fixture(autouse=True)
def _postgresql_only(is_postgres):
    if not is_postgres:
        pytest.skip("the one-call hot path exists on PostgreSQL only")


@pytest.fixture
def calls(monkeypatch):
    """What each hot-path call answered, in order: ``[(name, outcome), ...]``."""
    seen: list[tuple[str, object]] = []
    for name in ("next_lease", "submit"):
        real = getattr(pg_functions, name)

        async def recorded(*args, _real=real, _name=name, **kwargs):
            try:
                outcome = await _real(*args, **kwargs)
            except Exception as exc:
                seen.append((_name, exc))
                raise
            seen.append((_name, outcome))
            return outcome

        monkeypatch.setattr(pg_functions, name, recorded)
    return seen


def _project(client, *, items=4, gold=0, **settings):
    team = new_team(client, annotators=2)
    settings.setdefault("gold_rate", 0.0)
    project = new_project(client, team, "text_classification", **settings)
    seeded = seed_items(project_id=project["id"], count=items, gold=gold)
    return team, project, seeded


def _normal_lease(client, *, items=4):
    """A project of normal items and its first annotator's lease (the second ``next``, the
    function's ``held``, which the lease tests below expect)."""
    team, project, _ = _project(client, items=items)
    ann = team.annotators[0]
    _next(client, ann, project["id"])
    lease = _next(client, ann, project["id"]).json()
    return team, project, ann, lease


def _next(client, who, project_id, **params):
    return client.post(f"/api/v1/projects/{project_id}/next", headers=who.headers, params=params)


def _submit(client, who, assignment_id, label="other", **params):
    return client.post(
        f"/api/v1/assignments/{assignment_id}/submit",
        json={"result": {"label": label}, "duration_ms": 900},
        headers=who.headers,
        params=params,
    )


def test_common_cycle_is_answered_by_the_functions(client, calls):
    team, project, _ = _project(client)
    ann = team.annotators[0]
    # The very first next finds no state row: the call creates it and the function leases.
    first = _next(client, ann, project["id"])
    assert first.status_code == 200, first.text
    assert [name for name, _ in calls] == ["next_lease"]
    assert isinstance(calls[0][1], Leased)
    assert _state_rows(project["id"], ann.id) == 1
    calls.clear()

    again = _next(client, ann, project["id"])  # a held lease: the same one, from the function
    assert again.json() == first.json()
    assert isinstance(calls[-1][1], Leased)

    stored = _submit(client, ann, first.json()["assignment_id"], next="true")
    assert stored.status_code == 201, stored.text
    body = stored.json()
    assert body["result"] == {"label": "other"}
    assert body["next"]["assignment_id"] != first.json()["assignment_id"]
    assert [name for name, _ in calls[-2:]] == ["submit", "next_lease"]
    assert isinstance(calls[-2][1], pg_functions.FunctionStored)
    assert isinstance(calls[-1][1], Leased)

    with Session(get_engine()) as session:
        row = session.execute(
            text(
                "SELECT a.result, a.duration_ms, s.status, i.annotation_count "
                "FROM annotations a JOIN assignments s ON s.id = a.assignment_id "
                "JOIN items i ON i.id = a.item_id WHERE a.id = :id"
            ),
            {"id": body["id"]},
        ).one()
        flags = session.execute(
            text("SELECT count(*) FROM project_quality WHERE project_id = :p"),
            {"p": project["id"]},
        ).scalar_one()
    assert (row.result, row.duration_ms, row.status, row.annotation_count) == (
        {"label": "other"},
        900,
        "submitted",
        1,
    )
    # The first submit of the project set its recompute flag in the same statement (a running
    # worker may have cleared it since).
    assert calls[-2][1].flagged and flags == 1


def _state_rows(project_id: int, user_id: int) -> int:
    with Session(get_engine()) as session:
        return session.execute(
            text("SELECT count(*) FROM annotator_states WHERE project_id = :p AND user_id = :u"),
            {"p": project_id, "u": user_id},
        ).scalar_one()


def test_a_first_next_creates_no_state_row_for_a_caller_who_may_not_work(client, calls):
    """The state row is created only under the function's own rule of who may work: a reviewer
    (not an annotating role) and an annotator a listed project does not name get the Python
    path's 403 and leave no row behind."""
    team, project, _ = _project(client)
    listed = client.put(
        f"/api/v1/projects/{project['id']}/access",
        json={"mode": "listed", "user_ids": [team.annotators[1].id]},
        headers=team.owner.headers,
    )
    assert listed.status_code == 200, listed.text
    for who in (team.reviewer, team.annotators[0]):
        answer = _next(client, who, project["id"])
        assert answer.status_code == 403, answer.text
        assert _state_rows(project["id"], who.id) == 0
    assert [outcome for _, outcome in calls] == [HandBack(HandBackReason.refused)] * 2


def test_repeat_and_invalid_results_get_the_python_answers(client, calls):
    _, _, ann, lease = _normal_lease(client)

    bad = _submit(client, ann, lease["assignment_id"], label="no-such-label")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][:3] == ["body", "result", "label"]

    created = _submit(client, ann, lease["assignment_id"])
    repeat = _submit(client, ann, lease["assignment_id"])
    assert (created.status_code, repeat.status_code) == (201, 200)
    assert repeat.json()["id"] == created.json()["id"]
    assert repeat.json()["result"] == {"label": "other"}
    assert calls[-1] == ("submit", HandBack(HandBackReason.not_leased))  # the repeat
    # Another result is refused, never answered with the stored one as if it had been taken.
    other = _submit(client, ann, lease["assignment_id"], label="mechanical_wear")
    assert other.status_code == 409 and other.json()["code"] == "already_submitted"
    assert calls[-1] == ("submit", HandBack(HandBackReason.not_leased))


def _gold_lease(client, **settings):
    team, project, seeded = _project(client, items=4, gold=2, qualification_count=2, **settings)
    ann = team.annotators[0]
    _next(client, ann, project["id"])  # creates the state row
    lease = _next(client, ann, project["id"]).json()
    assert lease["item"]["id"] in seeded.gold_ids  # qualification serves gold first
    return ann, project, seeded, lease


def _state(project_id, user_id):
    with Session(get_engine()) as session:
        return session.execute(
            text(
                "SELECT status, gold_answered, gold_correct, paused_reason FROM annotator_states "
                "WHERE project_id = :p AND user_id = :u"
            ),
            {"p": project_id, "u": user_id},
        ).one()


def test_gold_is_scored_and_counted_by_the_function(client, calls):
    ann, project, seeded, lease = _gold_lease(client)
    truth = seeded.truth_for(lease["item"]["id"])
    answer = _submit(client, ann, lease["assignment_id"], label=truth["label"])
    assert answer.status_code == 201, answer.text
    assert answer.json()["gold_feedback"] == {"correct": True, "score": 1.0, "expected": truth}
    assert isinstance(calls[-1][1], pg_functions.FunctionStored)
    with Session(get_engine()) as session:
        stored = session.execute(
            text("SELECT is_gold, gold_score FROM annotations WHERE id = :id"),
            {"id": answer.json()["id"]},
        ).one()
    assert tuple(stored) == (True, 1.0)
    assert tuple(_state(project["id"], ann.id)) == ("active", 1, 1.0, None)
    # A repeat is the Python path's answer: the stored annotation with the same feedback.
    repeat = _submit(client, ann, lease["assignment_id"], label=truth["label"])
    assert repeat.status_code == 200
    assert repeat.json()["gold_feedback"] == answer.json()["gold_feedback"]
    assert _state(project["id"], ann.id).gold_answered == 1


def test_a_wrong_gold_answer_pauses_before_the_answer(client, calls):
    ann, project, seeded, lease = _gold_lease(client, gold_min_count=1, min_gold_accuracy=0.9)
    truth = seeded.truth_for(lease["item"]["id"])["label"]
    wrong = next(label for label in seeded.labels if label != truth)
    answer = _submit(client, ann, lease["assignment_id"], label=wrong)
    assert answer.status_code == 201, answer.text
    assert answer.json()["gold_feedback"]["correct"] is False
    assert isinstance(calls[-1][1], pg_functions.FunctionStored)
    state = _state(project["id"], ann.id)
    assert (state.status, state.gold_answered, state.gold_correct) == ("paused", 1, 0.0)
    assert "gold accuracy 33%" in state.paused_reason  # (0 + 1) / (1 + 2), Beta(1, 1)
    refused = _next(client, ann, project["id"])
    assert refused.status_code == 403 and state.paused_reason in refused.json()["detail"]
    with Session(get_engine()) as session:
        audited = session.execute(
            text("SELECT count(*) FROM audit_events WHERE action = 'annotator.pause'")
        ).scalar_one()
    assert audited >= 1


def test_an_item_that_became_gold_after_the_check_is_handed_back(client):
    """The function rechecks what the unlocked read saw: nothing is written on a mismatch."""
    _team, project, ann, lease = _normal_lease(client, items=2)
    with Session(get_engine()) as session:
        session.execute(
            text("UPDATE items SET is_gold = true WHERE id = :i"), {"i": lease["item"]["id"]}
        )
        outcome = session.execute(
            text(
                "SELECT outcome FROM jinbiao_submit('annotate', :a, :u, "
                'CAST(\'{"label": "other"}\' AS jsonb), 1, now(), :roles, false, '
                "(SELECT labels FROM projects WHERE id = :p), NULL, NULL, 0)"
            ),
            {
                "a": lease["assignment_id"],
                "u": ann.id,
                "p": project["id"],
                "roles": list(ANNOTATE.role_names),
            },
        ).scalar_one()
        written = session.execute(
            text("SELECT count(*) FROM annotations WHERE assignment_id = :a"),
            {"a": lease["assignment_id"]},
        ).scalar_one()
        session.rollback()
    assert (outcome, written) == ("changed", 0)


def test_a_paused_annotator_gets_403_through_the_python_path(client, calls):
    team, project, _ = _project(client)
    ann = team.annotators[0]
    _next(client, ann, project["id"])
    with Session(get_engine()) as session:
        session.execute(
            text(
                "UPDATE annotator_states SET status = 'paused', paused_reason = 'test' "
                "WHERE project_id = :p"
            ),
            {"p": project["id"]},
        )
        session.commit()
    refused = _next(client, ann, project["id"])
    assert refused.status_code == 403
    assert "test" in refused.json()["detail"]
    assert calls[-1] == ("next_lease", HandBack(HandBackReason.paused))


def test_nothing_left_is_204_from_the_function(client, calls):
    team, project, _ = _project(client, items=1, overlap=1)
    first, second = team.annotators
    _next(client, first, project["id"])
    _next(client, second, project["id"])  # state row; the only slot is leased to the first
    calls.clear()
    empty = _next(client, second, project["id"])
    assert empty.status_code == 204
    assert calls == [("next_lease", NothingLeft())]


@pytest.fixture
def context_reads(monkeypatch):
    """How many submits read the lease's context instead of taking it from the memo."""
    reads: list[int] = []
    real = pg_functions._read_context

    async def counted(connection, assignment_id, *rest):
        reads.append(assignment_id)
        return await real(connection, assignment_id, *rest)

    monkeypatch.setattr(pg_functions, "_read_context", counted)
    return reads


def test_a_submit_after_next_in_the_same_process_skips_the_context_read(
    client, calls, context_reads
):
    team, project, _ = _project(client, items=3)
    ann = team.annotators[0]
    _next(client, ann, project["id"])  # the state row (Python path)
    first = _next(client, ann, project["id"]).json()  # held: from the function, remembered
    assert _submit(client, ann, first["assignment_id"]).status_code == 201
    assert context_reads == []
    assert isinstance(calls[-1][1], pg_functions.FunctionStored)
    # The memo is taken once: the repeat reads the context, sees "submitted", hands back.
    repeat = _submit(client, ann, first["assignment_id"])
    assert repeat.status_code == 200
    assert context_reads == [first["assignment_id"]]
    # A lease this process has no memo of (leased by another process) reads the context.
    second = _next(client, ann, project["id"]).json()
    lease_memo.clear()
    assert _submit(client, ann, second["assignment_id"]).status_code == 201
    assert context_reads[-1] == second["assignment_id"]
    assert isinstance(calls[-1][1], pg_functions.FunctionStored)


def test_labels_changed_between_next_and_submit_are_checked_against_the_new_ones(
    client, calls, context_reads
):
    team, project, ann, lease = _normal_lease(client, items=2)
    kept = [label for label in project["labels"] if label["name"] != "other"]
    patched = client.patch(
        f"/api/v1/projects/{project['id']}", json={"labels": kept}, headers=team.owner.headers
    )
    assert patched.status_code == 200, patched.text
    # The memo (old labels) let "other" through; the function saw new labels and handed back.
    refused = _submit(client, ann, lease["assignment_id"], label="other")
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"][:3] == ["body", "result", "label"]
    assert calls[-1] == ("submit", HandBack(HandBackReason.changed)) and context_reads == []
    stored = _submit(client, ann, lease["assignment_id"], label=kept[0]["name"])
    assert stored.status_code == 201, stored.text


def test_a_gold_answer_changed_after_next_scores_against_the_new_answer(client, calls):
    ann, project, seeded, lease = _gold_lease(client)
    old = seeded.truth_for(lease["item"]["id"])["label"]
    new = next(label for label in seeded.labels if label != old)
    with Session(get_engine()) as session:
        session.execute(
            text("UPDATE gold_answers SET answer = CAST(:a AS jsonb) WHERE item_id = :i"),
            {"a": f'{{"label": "{new}"}}', "i": lease["item"]["id"]},
        )
        session.commit()
    answer = _submit(client, ann, lease["assignment_id"], label=new)
    assert answer.status_code == 201, answer.text
    assert answer.json()["gold_feedback"] == {
        "correct": True,
        "score": 1.0,
        "expected": {"label": new},
    }
    # handed back by the function, scored by Python
    assert calls[-1] == ("submit", HandBack(HandBackReason.changed))
    assert tuple(_state(project["id"], ann.id))[1:3] == (1, 1.0)


def test_a_stale_memo_never_changes_a_repeat_answer(client):
    """An invalid result on a remembered lease goes to the Python path, which answers a repeat
    as it does without a memo: another result than the stored one is 409 ``already_submitted``,
    the same result the stored annotation (200)."""
    _, _, ann, lease = _normal_lease(client, items=2)
    kept = lease_memo.take(assignment_id=lease["assignment_id"], user_id=ann.id)
    assert kept is not None and kept.is_gold is False and kept.kind == "text_classification"
    created = _submit(client, ann, lease["assignment_id"])
    assert created.status_code == 201
    # As if another API process had leased it: a memo left behind for a submitted lease.
    lease_memo.remember(assignment_id=lease["assignment_id"], user_id=ann.id, context=kept)
    repeat = _submit(client, ann, lease["assignment_id"], label="no-such-label")
    assert repeat.status_code == 409, repeat.text
    assert repeat.json()["code"] == "already_submitted"
    lease_memo.remember(assignment_id=lease["assignment_id"], user_id=ann.id, context=kept)
    same = _submit(client, ann, lease["assignment_id"])
    assert same.status_code == 200, same.text
    assert same.json()["id"] == created.json()["id"]


def test_a_known_answer_only_counts_for_a_gold_item(client, calls, context_reads):
    """An answer row beside a normal item (not gold) is not compared: the function stores it."""
    _team, project, ann, lease = _normal_lease(client, items=2)
    with Session(get_engine()) as session:
        session.execute(
            text(
                "INSERT INTO gold_answers (item_id, project_id, answer, created_at) "
                'VALUES (:i, :p, CAST(\'{"label": "other"}\' AS jsonb), now())'
            ),
            {"i": lease["item"]["id"], "p": project["id"]},
        )
        session.commit()
    stored = _submit(client, ann, lease["assignment_id"])
    assert stored.status_code == 201, stored.text
    assert "gold_feedback" not in stored.json()
    assert isinstance(calls[-1][1], pg_functions.FunctionStored) and context_reads == []
