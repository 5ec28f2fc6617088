"""Rule 5 (pausing) gives the same decision from every path that applies it.

Four places apply the rule: PostgreSQL's one-call submit (the function counts the gold answer,
then ``annotator_states.pause_if_due_by_id``), the fast and the general Python submit paths
(``submitting.store`` → ``annotator_states.count_gold_answer``) and the quality recompute
(``annotator_states.pause_all_due`` over the counters). Each is fed the same gold history and must
leave the annotator in the same state with the same reason.

The project asks for ``gold_min_count = 3`` answers and a smoothed accuracy of 50%, so the rule can
only decide at the third answer, whatever the path. Beta(1, 1) smoothing: one right answer in three
is (1 + 1) / (3 + 2) = 40% (paused); two right in three is (2 + 1) / (3 + 2) = 60% (active).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session

from backend.accounts.deps import Bearer
from backend.assignments import fast_path, general_path, pg_functions
from backend.assignments.annotator_states import pause_all_due
from backend.assignments.outcomes import HandBack, Path, Stored
from backend.assignments.stages import ANNOTATE
from backend.assignments.submitting import Answer
from backend.db import get_engine
from backend.projects.models import Project
from support.factories import new_project, new_team
from support.seed import seed_items

RECOMPUTE = "recompute"
HISTORIES = {
    "one right in three": (
        (True, False, False),
        ("paused", "gold accuracy 40% after 3 gold answers is below the project's minimum of 50%"),
    ),
    "two right in three": ((True, True, False), ("active", None)),
}


@pytest.fixture
def function_outcomes(monkeypatch):
    """What each call of ``jinbiao_submit`` answered (wrapped, not replaced)."""
    seen: list[object] = []
    real = pg_functions.submit

    async def recorded(*args, **kwargs):
        outcome = await real(*args, **kwargs)
        seen.append(outcome)
        return outcome

    monkeypatch.setattr(pg_functions, "submit", recorded)
    return seen


def _submit_over_http(client, annotator, lease, result):
    answer = client.post(
        f"/api/v1/assignments/{lease['assignment_id']}/submit",
        json={"result": result, "duration_ms": 700},
        headers=annotator.headers,
    )
    assert answer.status_code == 201, answer.text


def _submit_in_python(path, annotator, lease, result):
    with Session(get_engine(), expire_on_commit=False) as session:
        arguments = {
            "session": session,
            "rules": ANNOTATE,
            "assignment_id": lease["assignment_id"],
            "answer": Answer(result, duration_ms=700),
        }
        if path == Path.fast:
            outcome = fast_path.submit(user_id=annotator.id, generation=0, **arguments)
        else:
            bearer = Bearer(annotator.headers["Authorization"].split()[1], annotator.id)
            outcome = general_path.submit(bearer=bearer, **arguments)
    assert isinstance(outcome, Stored), outcome


def _count_for_the_recompute(project_id, annotator_id, history):
    """The counters every submit path keeps, as the recompute reads them."""
    with Session(get_engine()) as session:
        session.execute(
            text(
                "UPDATE annotator_states SET gold_answered = :n, gold_correct = :c "
                "WHERE project_id = :p AND user_id = :u"
            ),
            {"n": len(history), "c": float(sum(history)), "p": project_id, "u": annotator_id},
        )
        project = session.get(Project, project_id)
        pause_all_due(session=session, project=project)
        session.commit()


@pytest.mark.parametrize("history_name", sorted(HISTORIES))
@pytest.mark.parametrize("path", [Path.postgresql_function, Path.fast, Path.general, RECOMPUTE])
def test_the_same_gold_history_gives_the_same_decision(
    client, is_postgres, function_outcomes, path, history_name
):
    if path == Path.postgresql_function and not is_postgres:
        pytest.skip("the one-call submit exists on PostgreSQL only")
    history, expected = HISTORIES[history_name]
    team = new_team(client, annotators=1)
    annotator = team.annotators[0]
    project = new_project(
        client,
        team,
        "text_classification",
        gold_rate=0.0,
        qualification_count=3,  # the first three leases are gold
        gold_min_count=3,
        min_gold_accuracy=0.5,
    )
    seeded = seed_items(project_id=project["id"], count=5, gold=3)

    for right in history:
        lease = client.post(
            f"/api/v1/projects/{project['id']}/next", headers=annotator.headers
        ).json()
        truth = seeded.truth_for(lease["item"]["id"])
        assert lease["item"]["id"] in seeded.gold_ids
        result = (
            truth if right else {"label": next(x for x in seeded.labels if x != truth["label"])}
        )
        if path == Path.postgresql_function:
            _submit_over_http(client, annotator, lease, result)
        elif path == RECOMPUTE:  # the recompute reads counters; it stores no answers
            client.post(
                f"/api/v1/assignments/{lease['assignment_id']}/skip", headers=annotator.headers
            )
        else:
            _submit_in_python(path, annotator, lease, result)
    if path == RECOMPUTE:
        _count_for_the_recompute(project["id"], annotator.id, history)

    with Session(get_engine()) as session:
        state = session.execute(
            text(
                "SELECT status, paused_reason, gold_answered, gold_correct FROM annotator_states "
                "WHERE project_id = :p AND user_id = :u"
            ),
            {"p": project["id"], "u": annotator.id},
        ).one()
    assert (state.status, state.paused_reason) == expected
    assert (state.gold_answered, state.gold_correct) == (3, pytest.approx(sum(history), abs=1e-12))
    if path == Path.postgresql_function:  # every answer was stored by the function itself
        assert len(function_outcomes) == 3
        assert not any(isinstance(outcome, HandBack) for outcome in function_outcomes)


def test_a_recompute_with_every_annotator_paused_stores_empty_consensus_and_their_figures(
    client,
):
    """Once every annotator is paused no answer counts: the recompute stores no consensus and
    still writes each annotator's figures (it raised IndexError on the empty consensus)."""
    from support.factories import DEFAULT_LABELS
    from support.review_flow import consensus_of, label_all, recompute

    team = new_team(client, annotators=2)
    project = new_project(client, team, "text_classification", overlap=2, gold_rate=0.0)
    seed_items(project_id=project["id"], count=3)
    label = DEFAULT_LABELS["text_classification"][0]
    for annotator in team.annotators:
        assert len(label_all(client, annotator, project["id"], lambda *_: {"label": label})) == 3
    for annotator in team.annotators:
        paused = client.post(
            f"/api/v1/projects/{project['id']}/annotators/{annotator.id}/pause",
            json={"reason": "test"},
            headers=team.manager.headers,
        )
        assert paused.status_code == 200, paused.text
    recompute(project["id"])
    assert consensus_of(project["id"]) == {}
    with Session(get_engine()) as session:
        figures = session.execute(
            text("SELECT user_id, answers FROM annotator_stats WHERE project_id = :p"),
            {"p": project["id"]},
        ).all()
    assert sorted(figures) == sorted((a.id, 3) for a in team.annotators)
