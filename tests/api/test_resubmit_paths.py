"""A repeated submit on every path of ``dispatch``: the same result is a retry (200, the stored
annotation), another result is refused with 409 ``already_submitted`` naming the correction
route, never a 200 with the old answer (issue 18, part 6).

Each case stores the first answer through one path, then sends the repeats with the paths before
it switched off (as ``test_pause_rule_paths`` forces them), so the repeat enters the dispatcher
exactly there: the PostgreSQL function and the fast path hand a repeat back (``not_leased``) and
the general path answers it; the dispatcher compares.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

from backend.accounts.deps import Bearer
from backend.assignments import fast_path, general_path, pg_functions, pg_path
from backend.assignments.outcomes import HandBack, HandBackReason, Path, Stored
from backend.assignments.stages import ANNOTATE
from backend.assignments.submitting import Answer
from backend.db import get_engine
from support.factories import new_project, new_team
from support.seed import seed_items

FIRST = {"label": "mechanical_wear"}
OTHER = {"label": "other"}


@pytest.fixture
def function_outcomes(monkeypatch):
    seen: list[object] = []
    real = pg_functions.submit

    async def recorded(*args, **kwargs):
        outcome = await real(*args, **kwargs)
        seen.append(outcome)
        return outcome

    monkeypatch.setattr(pg_functions, "submit", recorded)
    return seen


def _force(monkeypatch, path):
    """Switch off the paths before ``path``: they hand back, with nothing done."""

    async def no_function(**_):
        return HandBack(HandBackReason.no_pool)

    def no_fast(**_):
        return HandBack(HandBackReason.refused)

    if path in (Path.fast, Path.general):
        monkeypatch.setattr(pg_path, "submit", no_function)
    if path == Path.general:
        monkeypatch.setattr(fast_path, "submit", no_fast)


def _store_first(client, path, annotator, lease):
    if path == Path.postgresql_function:
        answer = client.post(
            f"/api/v1/assignments/{lease['assignment_id']}/submit",
            json={"result": FIRST, "duration_ms": 400},
            headers=annotator.headers,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]
    with Session(get_engine(), expire_on_commit=False) as session:
        arguments = {
            "session": session,
            "rules": ANNOTATE,
            "assignment_id": lease["assignment_id"],
            "answer": Answer(FIRST, duration_ms=400),
        }
        if path == Path.fast:
            outcome = fast_path.submit(user_id=annotator.id, generation=0, **arguments)
        else:
            bearer = Bearer(annotator.headers["Authorization"].split()[1], annotator.id)
            outcome = general_path.submit(bearer=bearer, **arguments)
    assert isinstance(outcome, Stored), outcome
    return outcome.id


@pytest.mark.parametrize("path", [Path.postgresql_function, Path.fast, Path.general])
def test_a_repeat_is_a_retry_or_a_409_on_every_path(
    client, is_postgres, function_outcomes, monkeypatch, path
):
    if path == Path.postgresql_function and not is_postgres:
        pytest.skip("the one-call submit exists on PostgreSQL only")
    team = new_team(client, annotators=1)
    annotator = team.annotators[0]
    project = new_project(client, team, "text_classification", gold_rate=0.0)
    seed_items(project_id=project["id"], count=3)
    lease = client.post(f"/api/v1/projects/{project['id']}/next", headers=annotator.headers)
    lease = lease.json()
    annotation_id = _store_first(client, path, annotator, lease)
    function_outcomes.clear()
    _force(monkeypatch, path)
    url = f"/api/v1/assignments/{lease['assignment_id']}/submit"

    same = client.post(url, json={"result": FIRST, "duration_ms": 900}, headers=annotator.headers)
    assert same.status_code == 200, same.text
    assert same.json()["id"] == annotation_id and same.json()["result"] == FIRST

    for query in ("", "?next=true"):
        other = client.post(
            url + query, json={"result": OTHER, "duration_ms": 900}, headers=annotator.headers
        )
        assert other.status_code == 409, other.text
        body = other.json()
        assert body["code"] == "already_submitted"
        assert body["correction_url"] == f"/api/v1/annotations/{annotation_id}"
        assert f"PATCH /api/v1/annotations/{annotation_id}" in body["detail"]
    invalid = client.post(url, json={"result": {"label": "nope"}}, headers=annotator.headers)
    assert invalid.status_code == 409 and invalid.json()["code"] == "already_submitted"

    if path == Path.postgresql_function:  # the function handed every repeat back
        assert function_outcomes == [HandBack(HandBackReason.not_leased)] * 4
    # The stored answer is unchanged.
    stored = client.get(
        "/api/v1/me/annotations", params={"project_id": project["id"]}, headers=annotator.headers
    ).json()
    assert [(row["id"], row["result"]) for row in stored] == [(annotation_id, FIRST)]
