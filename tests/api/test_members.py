"""The members page's routes: roles, removal (leases end, annotations stay), the last owner,
temporary passwords, and the client role."""

from __future__ import annotations

from sqlmodel import Session, select

from backend.assignments.models import Annotation, Assignment
from backend.db import get_engine
from support.factories import PASSWORD, add_member, login, new_project, new_user
from support.seed import seed_items, truth

API = "/api/v1"


def members(client, team, who=None):
    answer = client.get(f"{API}/orgs/{team.org_id}/members", headers=(who or team.owner).headers)
    assert answer.status_code == 200, answer.text
    return {m["user_id"]: m for m in answer.json()}


def member_id(client, team, account) -> int:
    return members(client, team)[account.id]["id"]


def test_roles_change_and_only_an_owner_touches_the_owner_role(client, team):
    path = f"{API}/orgs/{team.org_id}/members/{member_id(client, team, team.annotators[0])}"
    answer = client.patch(path, json={"role": "reviewer"}, headers=team.manager.headers)
    assert answer.status_code == 200 and answer.json()["role"] == "reviewer"
    assert members(client, team)[team.annotators[0].id]["role"] == "reviewer"
    to_owner = client.patch(path, json={"role": "owner"}, headers=team.manager.headers)
    assert to_owner.status_code == 403
    by_annotator = client.patch(path, json={"role": "manager"}, headers=team.annotators[1].headers)
    assert by_annotator.status_code == 403
    client_role = client.patch(path, json={"role": "client"}, headers=team.owner.headers)
    assert client_role.status_code == 200 and client_role.json()["role"] == "client"


def test_the_last_owner_can_be_neither_removed_nor_demoted(client, team):
    owner_path = f"{API}/orgs/{team.org_id}/members/{member_id(client, team, team.owner)}"
    demoted = client.patch(owner_path, json={"role": "manager"}, headers=team.owner.headers)
    assert demoted.status_code == 409
    assert demoted.json()["code"] == "last_owner"
    removed = client.delete(owner_path, headers=team.owner.headers)
    assert removed.status_code == 409 and removed.json()["code"] == "last_owner"
    assert members(client, team)[team.owner.id]["role"] == "owner"
    by_manager = client.delete(owner_path, headers=team.manager.headers)
    assert by_manager.status_code == 403

    second = new_user(client)
    add_member(client, team.org_id, team.owner, second, "owner")
    assert (
        client.patch(owner_path, json={"role": "manager"}, headers=second.headers).status_code
        == 200
    )
    second_path = f"{API}/orgs/{team.org_id}/members/{member_id(client, team, second)}"
    last = client.delete(second_path, headers=second.headers)
    assert last.status_code == 409 and last.json()["code"] == "last_owner"


def test_a_removed_member_loses_their_leases_and_keeps_their_annotations(client, team):
    project = new_project(client, team, overlap=2, gold_rate=0.0)
    seed_items(project_id=project["id"], count=4)
    leaver, stayer = team.annotators
    labels = [label["name"] for label in project["labels"]]
    first = client.post(f"{API}/projects/{project['id']}/next", headers=leaver.headers).json()
    result = truth(first["item"]["id"], project["kind"], labels)
    submitted = client.post(
        f"{API}/assignments/{first['assignment_id']}/submit",
        json={"result": result, "duration_ms": 900},
        headers=leaver.headers,
    )
    assert submitted.status_code == 201
    held = client.post(f"{API}/projects/{project['id']}/next", headers=leaver.headers).json()
    progress = client.get(f"{API}/projects/{project['id']}/progress", headers=team.owner.headers)
    assert progress.json()["in_progress"] == 1

    path = f"{API}/orgs/{team.org_id}/members/{member_id(client, team, leaver)}"
    assert client.delete(path, headers=team.manager.headers).status_code == 204
    assert leaver.id not in members(client, team)

    with Session(get_engine()) as session:
        lease = session.get(Assignment, held["assignment_id"])
        kept = session.exec(select(Annotation).where(Annotation.annotator_id == leaver.id)).all()
    assert lease.status == "leased"
    progress = client.get(f"{API}/projects/{project['id']}/progress", headers=team.owner.headers)
    assert progress.json()["in_progress"] == 0  # the held lease no longer counts
    assert [a.id for a in kept] == [submitted.json()["id"]]
    assert kept[0].result == result

    gone = client.post(
        f"{API}/assignments/{held['assignment_id']}/submit",
        json={"result": result, "duration_ms": 900},
        headers=leaver.headers,
    )
    assert gone.status_code == 404
    assert client.get(f"{API}/projects/{project['id']}", headers=leaver.headers).status_code == 404
    # the freed slot goes to someone else: the stayer can take the leaver's held item
    seen = set()
    while (
        lease := client.post(f"{API}/projects/{project['id']}/next", headers=stayer.headers)
    ).status_code == 200:
        seen.add(lease.json()["item"]["id"])
        client.post(
            f"{API}/assignments/{lease.json()['assignment_id']}/skip", headers=stayer.headers
        )
    assert held["item"]["id"] in seen


def test_a_removed_member_leaves_teams_and_access_lists(client, team):
    leaver = team.annotators[0]
    made = client.post(
        f"{API}/orgs/{team.org_id}/teams",
        json={"name": "夜班 night shift", "member_ids": [leaver.id, team.annotators[1].id]},
        headers=team.owner.headers,
    )
    assert made.status_code == 201, made.text
    project = new_project(client, team)
    put = client.put(
        f"{API}/projects/{project['id']}/access",
        json={"mode": "listed", "user_ids": [leaver.id], "team_ids": []},
        headers=team.owner.headers,
    )
    assert put.status_code == 200
    path = f"{API}/orgs/{team.org_id}/members/{member_id(client, team, leaver)}"
    assert client.delete(path, headers=team.owner.headers).status_code == 204
    teams = client.get(f"{API}/orgs/{team.org_id}/teams", headers=team.owner.headers).json()
    assert teams[0]["member_ids"] == [team.annotators[1].id]
    access = client.get(f"{API}/projects/{project['id']}/access", headers=team.owner.headers)
    assert access.json()["user_ids"] == []


def test_an_owner_sets_a_temporary_password_that_must_be_changed(client, team):
    annotator = team.annotators[0]
    path = f"{API}/orgs/{team.org_id}/members/{member_id(client, team, annotator)}/password"
    assert client.post(path, json={}, headers=team.manager.headers).status_code == 403
    answer = client.post(path, json={}, headers=team.owner.headers)
    assert answer.status_code == 200, answer.text
    temporary = answer.json()["temporary_password"]
    assert answer.json()["user_id"] == annotator.id and len(temporary) == 12
    assert client.get(f"{API}/me", headers=annotator.headers).status_code == 401  # old token
    signed_in = client.post(
        f"{API}/auth/token", data={"username": annotator.email, "password": temporary}
    )
    assert signed_in.status_code == 200
    assert signed_in.json()["must_change_password"] is True
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    assert client.get(f"{API}/me", headers=headers).json()["must_change_password"] is True
    assert members(client, team)[annotator.id]["must_change_password"] is True
    changed = client.post(
        f"{API}/me/password",
        json={"current_password": temporary, "new_password": "a new secret 新密码"},
        headers=headers,
    )
    assert changed.status_code == 200
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert client.get(f"{API}/me", headers=fresh).json()["must_change_password"] is False
    assert client.get(f"{API}/me", headers=headers).status_code == 401
    chosen = client.post(path, json={"password": "chosen-by-owner"}, headers=team.owner.headers)
    assert chosen.json()["temporary_password"] == "chosen-by-owner"
    login(client, annotator.email, "chosen-by-owner")


def test_a_temporary_password_is_refused_for_oneself_foreigners_and_shared_accounts(client, team):
    own = f"{API}/orgs/{team.org_id}/members/{member_id(client, team, team.owner)}/password"
    mine = client.post(own, json={}, headers=team.owner.headers)
    assert mine.status_code == 403 and mine.json()["code"] == "own_password"

    shared = team.annotators[1]
    elsewhere = new_user(client)
    other_org = client.post(f"{API}/orgs", json={"name": "Elsewhere"}, headers=elsewhere.headers)
    add_member(client, other_org.json()["id"], elsewhere, shared, "annotator")
    path = f"{API}/orgs/{team.org_id}/members/{member_id(client, team, shared)}/password"
    refused = client.post(path, json={}, headers=team.owner.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "member_of_other_orgs"
    login(client, shared.email, PASSWORD)  # untouched

    foreign = f"{API}/orgs/{other_org.json()['id']}/members/1/password"
    assert client.post(foreign, json={}, headers=team.owner.headers).status_code == 404


def test_a_client_reads_progress_and_nothing_of_people(client, team):
    customer = new_user(client, name="验收方 Client")
    add_member(client, team.org_id, team.owner, customer, "client")
    project = new_project(client, team)
    me = client.get(f"{API}/me", headers=customer.headers).json()
    assert me["memberships"][0]["role"] == "client"
    listed = client.get(f"{API}/orgs/{team.org_id}/projects", headers=customer.headers)
    assert [p["id"] for p in listed.json()] == [project["id"]]
    progress = client.get(f"{API}/projects/{project['id']}/progress", headers=customer.headers)
    assert progress.status_code == 200
    for method, path in [
        ("GET", f"/orgs/{team.org_id}/members"),
        ("GET", f"/orgs/{team.org_id}/teams"),
        ("GET", f"/projects/{project['id']}/quality"),
        ("POST", f"/projects/{project['id']}/next"),
        ("PATCH", f"/projects/{project['id']}"),
    ]:
        answer = client.request(method, f"{API}{path}", json={}, headers=customer.headers)
        assert answer.status_code == 403, (method, path, answer.text)
