"""Teams: named groups of an organization's members (owners and managers)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from backend.db import get_engine
from backend.orgs.models import Team
from support.factories import new_team, new_user

API = "/api/v1"


def create(client, team, body, who=None):
    return client.post(
        f"{API}/orgs/{team.org_id}/teams", json=body, headers=(who or team.manager).headers
    )


def teams_in_db(org_id: int) -> int:
    with Session(get_engine()) as session:
        return session.exec(
            select(func.count()).select_from(Team).where(Team.org_id == org_id)
        ).one()


def test_team_create_list_rename_replace_members_delete(client, team):
    a, b = team.annotators
    made = create(client, team, {"name": "  早班 Morning  ", "member_ids": [b.id, a.id, b.id]})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["name"] == "早班 Morning"
    assert body["member_ids"] == sorted([a.id, b.id])
    assert body["org_id"] == team.org_id
    create(client, team, {"name": "Audit", "member_ids": [team.reviewer.id]})

    listed = client.get(f"{API}/orgs/{team.org_id}/teams", headers=team.owner.headers).json()
    assert [t["name"] for t in listed] == ["Audit", "早班 Morning"]

    path = f"{API}/teams/{body['id']}"
    renamed = client.patch(path, json={"name": "Day shift"}, headers=team.owner.headers)
    assert renamed.json()["name"] == "Day shift"
    assert renamed.json()["member_ids"] == sorted([a.id, b.id])  # untouched when not given
    replaced = client.patch(path, json={"member_ids": [a.id]}, headers=team.manager.headers)
    assert replaced.json() == {**body, "name": "Day shift", "member_ids": [a.id]}
    emptied = client.patch(path, json={"member_ids": []}, headers=team.manager.headers)
    assert emptied.json()["member_ids"] == []

    assert client.delete(path, headers=team.manager.headers).status_code == 204
    assert client.patch(path, json={"name": "x"}, headers=team.owner.headers).status_code == 404
    assert teams_in_db(team.org_id) == 1


def test_only_owners_and_managers_touch_teams(client, team):
    made = create(client, team, {"name": "Crew", "member_ids": []}).json()
    for who in (team.reviewer, team.annotators[0]):
        assert create(client, team, {"name": "Mine", "member_ids": []}, who).status_code == 403
        path = f"{API}/teams/{made['id']}"
        assert client.patch(path, json={"name": "Mine"}, headers=who.headers).status_code == 403
        assert client.delete(path, headers=who.headers).status_code == 403
        listed = client.get(f"{API}/orgs/{team.org_id}/teams", headers=who.headers)
        assert listed.status_code == 403


def test_foreign_ids_are_404_for_the_whole_request_and_change_nothing(client, team):
    other = new_team(client, annotators=1)
    outsider, registered = other.annotators[0], new_user(client)
    for ids in ([team.annotators[0].id, outsider.id], [registered.id], [999_999_999]):
        answer = create(client, team, {"name": "Leaky", "member_ids": ids})
        assert answer.status_code == 404, answer.text
        assert answer.json() == {"detail": "member not found", "code": "not_found"}
    assert teams_in_db(team.org_id) == 0

    made = create(client, team, {"name": "Crew", "member_ids": [team.annotators[0].id]}).json()
    path = f"{API}/teams/{made['id']}"
    bulk = client.patch(
        path, json={"name": "Renamed", "member_ids": [outsider.id]}, headers=team.owner.headers
    )
    assert bulk.status_code == 404
    kept = client.get(f"{API}/orgs/{team.org_id}/teams", headers=team.owner.headers).json()
    assert kept == [made]
    for method in ("PATCH", "DELETE"):  # another organization's owner sees no such team
        answer = client.request(method, path, json={"name": "x"}, headers=other.owner.headers)
        assert answer.status_code == 404
    theirs = client.post(
        f"{API}/orgs/{team.org_id}/teams", json={"name": "x"}, headers=other.owner.headers
    )
    assert theirs.status_code == 404


def test_a_team_name_is_unique_within_its_organization(client, team):
    assert create(client, team, {"name": "Crew", "member_ids": []}).status_code == 201
    again = create(client, team, {"name": "Crew", "member_ids": []})
    assert again.status_code == 409 and again.json()["code"] == "team_name_taken"
    other = create(client, team, {"name": "Other", "member_ids": []}).json()
    clash = client.patch(
        f"{API}/teams/{other['id']}", json={"name": "Crew"}, headers=team.owner.headers
    )
    assert clash.status_code == 409
    blank = create(client, team, {"name": "   ", "member_ids": []})
    assert blank.status_code == 422 and blank.json()["detail"][0]["loc"] == ["body", "name"]
    elsewhere = new_team(client, annotators=0)
    assert create(client, elsewhere, {"name": "Crew", "member_ids": []}).status_code == 201
