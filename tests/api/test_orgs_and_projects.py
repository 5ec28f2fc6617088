"""Organizations, members and projects: roles, isolation between organizations, validation."""

from __future__ import annotations

import pytest

from support.factories import add_member, new_org, new_project, new_team, new_user


def test_adding_a_member_invites_them_and_they_join_when_they_accept(client):
    owner = new_user(client)
    org_id = new_org(client, owner)
    annotator = new_user(client)
    added = client.post(
        f"/api/v1/orgs/{org_id}/members",
        json={"email": annotator.email, "role": "annotator"},
        headers=owner.headers,
    )
    assert added.status_code == 201
    assert added.json()["role"] == "annotator"
    assert added.json()["status"] == "invited"
    members = client.get(f"/api/v1/orgs/{org_id}/members", headers=owner.headers)
    assert members.headers["x-total-count"] == "1"  # nobody joins without saying yes

    waiting = client.get("/api/v1/me/invites", headers=annotator.headers).json()
    assert [(i["org_id"], i["role"]) for i in waiting] == [(org_id, "annotator")]
    accepted = client.post(
        f"/api/v1/me/invites/{waiting[0]['id']}/accept", headers=annotator.headers
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["membership"]["user_id"] == annotator.id
    members = client.get(f"/api/v1/orgs/{org_id}/members", headers=owner.headers)
    assert members.headers["x-total-count"] == "2"
    assert {m["role"] for m in members.json()} == {"owner", "annotator"}
    assert client.get("/api/v1/me/invites", headers=annotator.headers).json() == []


def test_unknown_role_and_bad_email_name_the_field(client):
    owner = new_user(client)
    org_id = new_org(client, owner)
    bad_role = client.post(
        f"/api/v1/orgs/{org_id}/members",
        json={"email": owner.email, "role": "emperor"},
        headers=owner.headers,
    )
    assert bad_role.status_code == 422
    assert bad_role.json()["detail"][0]["loc"] == ["body", "role"]
    bad_email = client.post(
        f"/api/v1/orgs/{org_id}/members",
        json={"email": "nobody", "role": "annotator"},
        headers=owner.headers,
    )
    assert bad_email.status_code == 422
    assert bad_email.json()["detail"][0]["loc"] == ["body", "email"]


def test_adding_by_email_tells_nothing_about_which_addresses_are_registered(client):
    owner = new_user(client)
    org_id = new_org(client, owner)
    registered = new_user(client)
    answers = [
        client.post(
            f"/api/v1/orgs/{org_id}/members",
            json={"email": email, "role": "annotator"},
            headers=owner.headers,
        )
        for email in (registered.email, f"ghost-{registered.email}")
    ]
    assert [a.status_code for a in answers] == [201, 201]
    known, unknown = (a.json() for a in answers)
    assert known.keys() == unknown.keys()
    differing = {k for k in known if known[k] != unknown[k]}
    assert differing == {"id", "token", "url", "email", "expires_at"}
    assert sorted(known) == sorted(answers[0].json())


def test_adding_the_same_member_twice_is_a_conflict(client):
    team = new_team(client, annotators=1)
    again = client.post(
        f"/api/v1/orgs/{team.org_id}/members",
        json={"email": team.annotators[0].email, "role": "annotator"},
        headers=team.owner.headers,
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_member"


def test_annotator_creating_a_project_gets_403(client, team):
    body = {"name": "p", "kind": "text_classification", "labels": [{"name": "a"}]}
    answer = client.post(
        f"/api/v1/orgs/{team.org_id}/projects", json=body, headers=team.annotators[0].headers
    )
    assert answer.status_code == 403
    reviewer = client.post(
        f"/api/v1/orgs/{team.org_id}/projects", json=body, headers=team.reviewer.headers
    )
    assert reviewer.status_code == 403


def test_annotator_cannot_add_members_or_list_them(client, team):
    stranger = new_user(client)
    add = client.post(
        f"/api/v1/orgs/{team.org_id}/members",
        json={"email": stranger.email, "role": "annotator"},
        headers=team.annotators[0].headers,
    )
    assert add.status_code == 403
    listing = client.get(f"/api/v1/orgs/{team.org_id}/members", headers=team.annotators[0].headers)
    assert listing.status_code == 403


def test_only_an_owner_may_add_an_owner(client, team):
    newcomer = new_user(client)
    by_manager = client.post(
        f"/api/v1/orgs/{team.org_id}/members",
        json={"email": newcomer.email, "role": "owner"},
        headers=team.manager.headers,
    )
    assert by_manager.status_code == 403
    add_member(client, team.org_id, team.owner, newcomer, "owner")


def test_everything_of_another_organization_is_404(client, team):
    project = new_project(client, team)
    outsider_team = new_team(client, annotators=0)
    outsider = outsider_team.owner
    for method, path, body in [
        ("GET", f"/api/v1/orgs/{team.org_id}", None),
        ("GET", f"/api/v1/orgs/{team.org_id}/members", None),
        (
            "POST",
            f"/api/v1/orgs/{team.org_id}/members",
            {"email": outsider.email, "role": "annotator"},
        ),
        ("GET", f"/api/v1/orgs/{team.org_id}/projects", None),
        (
            "POST",
            f"/api/v1/orgs/{team.org_id}/projects",
            {"name": "x", "kind": "text_spans", "labels": [{"name": "A"}]},
        ),
        ("GET", f"/api/v1/projects/{project['id']}", None),
        ("PATCH", f"/api/v1/projects/{project['id']}", {"name": "stolen"}),
    ]:
        answer = client.request(method, path, json=body, headers=outsider.headers)
        assert answer.status_code == 404, (method, path, answer.text)
    # and the same answer as for something that does not exist at all
    assert client.get("/api/v1/projects/999999999", headers=outsider.headers).status_code == 404


def test_project_create_read_update(client, team):
    project = new_project(
        client,
        team,
        "image_boxes",
        overlap=2,
        gold_rate=0.2,
        reward_per_item=0.05,
        labels=[{"name": "scratch", "color": "#ff0000", "hotkey": "s"}, {"name": "dent"}],
    )
    assert project["kind"] == "image_boxes"
    assert project["max_overlap"] == 2
    assert project["labels"][0] == {"name": "scratch", "color": "#ff0000", "hotkey": "s"}
    assert project["labels"][1]["color"].startswith("#")

    read = client.get(f"/api/v1/projects/{project['id']}", headers=team.annotators[0].headers)
    assert read.status_code == 200
    patched = client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"overlap": 4, "instructions": "框出所有划痕"},
        headers=team.manager.headers,
    )
    assert patched.status_code == 200
    assert patched.json()["overlap"] == 4
    assert patched.json()["max_overlap"] == 4
    assert patched.json()["instructions"] == "框出所有划痕"
    listed = client.get(f"/api/v1/orgs/{team.org_id}/projects", headers=team.annotators[0].headers)
    assert [p["id"] for p in listed.json()] == [project["id"]]
    assert (
        client.patch(
            f"/api/v1/projects/{project['id']}",
            json={"name": "x"},
            headers=team.annotators[0].headers,
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "video"}, "kind"),
        ({"labels": []}, "labels"),
        ({"labels": [{"name": "a"}, {"name": "a"}]}, "labels"),
        ({"labels": [{"name": "a", "hotkey": "1"}, {"name": "b", "hotkey": "1"}]}, "labels"),
        ({"labels": [{"name": "a", "color": "red"}]}, "color"),
        ({"overlap": 0}, "overlap"),
        ({"gold_rate": 1.5}, "gold_rate"),
        ({"lease_seconds": 5}, "lease_seconds"),
        ({"reward_per_item": -1}, "reward_per_item"),
    ],
)
def test_project_validation_names_the_field(client, team, change, field):
    body = {"name": "p", "kind": "text_classification", "labels": [{"name": "a"}], **change}
    answer = client.post(
        f"/api/v1/orgs/{team.org_id}/projects", json=body, headers=team.manager.headers
    )
    assert answer.status_code == 422
    assert field in answer.json()["detail"][0]["loc"]


def test_max_overlap_below_overlap_is_rejected(client, team):
    body = {
        "name": "p",
        "kind": "text_spans",
        "labels": [{"name": "A"}],
        "overlap": 3,
        "max_overlap": 2,
    }
    answer = client.post(
        f"/api/v1/orgs/{team.org_id}/projects", json=body, headers=team.manager.headers
    )
    assert answer.status_code == 422
    project = new_project(client, team, overlap=3, max_overlap=5)
    patched = client.patch(
        f"/api/v1/projects/{project['id']}", json={"max_overlap": 1}, headers=team.manager.headers
    )
    assert patched.status_code == 422
    [error] = patched.json()["detail"]
    assert error["loc"] == ["body", "max_overlap"]
    # the schema's own error of the rule, so the UI can word it with the value
    assert (error["type"], error["ctx"]) == ("max_overlap_below_overlap", {"overlap": 3})
    raised = client.patch(  # the service's check (overlap above the stored maximum)
        f"/api/v1/projects/{project['id']}",
        json={"overlap": 6, "max_overlap": 5},
        headers=team.manager.headers,
    )
    assert raised.status_code == 422
    [error] = raised.json()["detail"]
    assert (error["loc"], error["type"], error["ctx"]) == (
        ["body", "max_overlap"],
        "max_overlap_below_overlap",
        {"overlap": 6},
    )


def test_changes_are_audited(client, team):
    from sqlmodel import Session, select

    from backend.audit.models import AuditEvent
    from backend.db import get_engine

    project = new_project(client, team)
    with Session(get_engine()) as session:
        actions = session.exec(
            select(AuditEvent.action)
            .where(AuditEvent.org_id == team.org_id)
            .order_by(AuditEvent.id)
        ).all()
    assert actions[0] == "org.create"
    assert actions[1:9] == ["invite.create", "member.join"] * 4  # invited, then accepted
    assert actions[-1] == "project.create"
    assert project["id"]
