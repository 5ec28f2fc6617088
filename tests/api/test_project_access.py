"""Who works on what: a project open to every annotator (the default) or only to those named."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from backend.db import get_engine
from backend.projects.access import may_work_on, work_condition_sql
from support.factories import add_member, new_project, new_team, new_user
from support.review_flow import label_all, recompute, review_next, verdict
from support.seed import seed_items

API = "/api/v1"


def put_access(client, project, who, **body):
    return client.put(f"{API}/projects/{project['id']}/access", json=body, headers=who.headers)


def visible(client, team, who) -> set[int]:
    answer = client.get(f"{API}/orgs/{team.org_id}/projects", headers=who.headers)
    assert answer.status_code == 200
    assert answer.headers["x-total-count"] == str(len(answer.json()))
    return {p["id"] for p in answer.json()}


def may(project, account) -> bool:
    with Session(get_engine()) as session:
        return may_work_on(session=session, project_id=project["id"], user_id=account.id)


@pytest.fixture
def crew(client):
    """An organization with four annotators: one named, two in a team, one left out."""
    team = new_team(client, annotators=4)
    _named, in_team, also_in_team, _left_out = team.annotators
    made = client.post(
        f"{API}/orgs/{team.org_id}/teams",
        json={"name": "质检组 QA crew", "member_ids": [in_team.id, also_in_team.id]},
        headers=team.manager.headers,
    )
    assert made.status_code == 201
    return team, made.json()["id"]


def test_a_project_is_open_by_default(client, team):
    project = new_project(client, team)
    answer = client.get(f"{API}/projects/{project['id']}/access", headers=team.manager.headers)
    assert answer.status_code == 200
    assert answer.json() == {"mode": "open", "user_ids": [], "team_ids": []}
    assert all(may(project, a) for a in team.annotators)
    assert project["id"] in visible(client, team, team.annotators[0])


def test_a_listed_project_is_only_for_the_people_and_teams_it_names(client, crew):
    team, team_id = crew
    named, in_team, also_in_team, left_out = team.annotators
    listed, open_one = new_project(client, team), new_project(client, team)
    answer = put_access(
        client, listed, team.manager, mode="listed", user_ids=[named.id], team_ids=[team_id]
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"mode": "listed", "user_ids": [named.id], "team_ids": [team_id]}
    got = client.get(f"{API}/projects/{listed['id']}/access", headers=team.owner.headers)
    assert got.json() == answer.json()

    for who in (named, in_team, also_in_team):
        assert may(listed, who)
        assert visible(client, team, who) == {listed["id"], open_one["id"]}
    assert not may(listed, left_out)
    assert visible(client, team, left_out) == {open_one["id"]}
    for staff in (team.owner, team.manager):  # owners and managers always may
        assert may(listed, staff)
        assert visible(client, team, staff) == {listed["id"], open_one["id"]}
    assert visible(client, team, team.reviewer) == {listed["id"], open_one["id"]}

    leaving = client.patch(
        f"{API}/teams/{team_id}", json={"member_ids": [in_team.id]}, headers=team.owner.headers
    )
    assert leaving.status_code == 200
    assert not may(listed, also_in_team)
    assert may(listed, in_team)

    reopened = put_access(client, listed, team.owner, mode="open", user_ids=[named.id])
    assert reopened.json() == {"mode": "open", "user_ids": [named.id], "team_ids": []}
    assert may(listed, left_out)
    assert listed["id"] in visible(client, team, left_out)


def test_foreign_ids_are_404_and_change_nothing(client, crew):
    team, team_id = crew
    project = new_project(client, team)
    put_access(client, project, team.owner, mode="listed", user_ids=[team.annotators[0].id])
    other = new_team(client, annotators=1)
    foreign_team = client.post(
        f"{API}/orgs/{other.org_id}/teams", json={"name": "theirs"}, headers=other.owner.headers
    ).json()["id"]
    stranger = new_user(client)
    for body in (
        {"user_ids": [team.annotators[1].id, other.annotators[0].id]},
        {"user_ids": [stranger.id]},
        {"team_ids": [team_id, foreign_team]},
        {"team_ids": [999_999_999]},
    ):
        answer = put_access(client, project, team.owner, mode="open", **body)
        assert answer.status_code == 404, (body, answer.text)
    kept = client.get(f"{API}/projects/{project['id']}/access", headers=team.owner.headers)
    assert kept.json() == {"mode": "listed", "user_ids": [team.annotators[0].id], "team_ids": []}


def test_only_owners_and_managers_see_or_set_access(client, team):
    project = new_project(client, team)
    path = f"{API}/projects/{project['id']}/access"
    for who in (team.reviewer, team.annotators[0]):
        assert client.get(path, headers=who.headers).status_code == 403
        assert put_access(client, project, who, mode="open").status_code == 403
    other = new_team(client, annotators=0)
    assert client.get(path, headers=other.owner.headers).status_code == 404
    assert put_access(client, project, other.owner, mode="open").status_code == 404
    bad = put_access(client, project, team.owner, mode="closed")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "mode"]


def test_an_annotator_who_joins_by_invite_onto_a_listed_project_may_work_on_it(client, team):
    project = new_project(client, team)
    put_access(client, project, team.owner, mode="listed")
    newcomer = new_user(client)
    made = client.post(
        f"{API}/orgs/{team.org_id}/invites",
        json={"role": "annotator", "project_ids": [project["id"]]},
        headers=team.manager.headers,
    ).json()
    joined = client.post(f"{API}/invites/{made['token']}/accept", json={}, headers=newcomer.headers)
    assert joined.status_code == 201
    assert may(project, newcomer)
    assert project["id"] in visible(client, team, newcomer)
    late = new_user(client)
    add_member(client, team.org_id, team.owner, late, "annotator")
    assert not may(project, late)


def test_the_sql_condition_takes_only_names_never_text():
    assert "s.user_id" in work_condition_sql(project="p", role="m.role", user_id="s.user_id")
    assert "p_user_id" in work_condition_sql(user_id="p_user_id")
    with pytest.raises(ValueError, match="not an SQL name"):
        work_condition_sql(user_id="1); DROP TABLE users; --")


def test_next_refuses_an_annotator_who_is_not_on_the_list(client, crew):
    team, team_id = crew
    named, in_team, _, left_out = team.annotators
    project = new_project(client, team, gold_rate=0.0)
    seed_items(project_id=project["id"], count=10)
    first = client.post(f"{API}/projects/{project['id']}/next", headers=left_out.headers)
    assert first.status_code == 200  # open: everyone (and a state row for the fast path)
    client.post(f"{API}/assignments/{first.json()['assignment_id']}/skip", headers=left_out.headers)
    put_access(client, project, team.owner, mode="listed", user_ids=[named.id], team_ids=[team_id])
    for who in (named, in_team, team.manager):
        assert (
            client.post(f"{API}/projects/{project['id']}/next", headers=who.headers).status_code
            == 200
        )
    refused = client.post(f"{API}/projects/{project['id']}/next", headers=left_out.headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_on_project"
    # the project itself is hidden from them as their list hides it; the named see it
    hidden = client.get(f"{API}/projects/{project['id']}", headers=left_out.headers)
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    for who in (named, in_team, team.manager):
        assert client.get(f"{API}/projects/{project['id']}", headers=who.headers).status_code == 200


def test_the_lists_name_who_annotates_a_reviewer_reviews_a_listed_project(client, crew):
    """The access page names annotators and teams only: a reviewer reviews a listed project
    without being on it (the Python path, then, on PostgreSQL, the one-call path), while the
    annotator left out is still refused."""
    team, _ = crew
    named, *_, left_out = team.annotators
    project = new_project(
        client, team, "text_classification", overlap=1, gold_rate=0.0, review_mode="all"
    )
    seed_items(project_id=project["id"], count=3)
    put_access(client, project, team.manager, mode="listed", user_ids=[named.id], team_ids=[])
    assert len(label_all(client, named, project["id"], lambda i, lease: {"label": "other"})) == 3
    recompute(project["id"])
    for _ in range(3):
        lease = review_next(client, team.reviewer, project["id"])
        assert lease.status_code == 200, lease.text
        stored = verdict(client, team.reviewer, lease.json()["review_id"], decision="accept")
        assert stored.status_code == 201, stored.text
    assert review_next(client, team.reviewer, project["id"]).status_code == 204
    refused = client.post(f"{API}/projects/{project['id']}/next", headers=left_out.headers)
    assert refused.status_code == 403 and refused.json()["code"] == "not_on_project"
