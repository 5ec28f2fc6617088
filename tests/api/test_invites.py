"""Invitations: made by owners and managers, opened by anyone with the link, accepted once.

Every refusal (forged, used, expired, withdrawn, for another address, for a member) leaves the
database as it was: no user, no membership, and the invitation still unused where it was.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from backend import clock
from backend.accounts.models import User
from backend.db import get_engine
from backend.invites.models import Invite
from backend.orgs.models import Membership
from backend.projects.access_models import ProjectAccessUser
from backend.security.api_tokens import hash_token
from support.factories import PASSWORD, new_project, new_team, new_user

API = "/api/v1"


def invite(client, org_id, by, **body):
    answer = client.post(f"{API}/orgs/{org_id}/invites", json=body, headers=by.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def new_person(name: str = "新人 Newcomer") -> dict[str, str]:
    return {"email": f"n{uuid.uuid4().hex[:12]}@example.com", "password": PASSWORD, "name": name}


def counts() -> tuple[int, int]:
    """Users and memberships in the whole database."""
    with Session(get_engine()) as session:
        users = session.exec(select(func.count()).select_from(User)).one()
        members = session.exec(select(func.count()).select_from(Membership)).one()
    return users, members


def stored(invite_id: int) -> Invite:
    with Session(get_engine()) as session:
        return session.get(Invite, invite_id)


@pytest.fixture
def frozen(monkeypatch):
    class Frozen:
        now = datetime.now(UTC)

    frozen = Frozen()
    monkeypatch.setattr(clock, "now", lambda: frozen.now)
    return frozen


def test_an_invite_answers_a_link_and_is_stored_hashed(client, team):
    made = invite(client, team.org_id, team.manager, role="annotator", expires_hours=2)
    assert set(made) == {
        "id", "org_id", "token", "url", "role", "email", "project_ids", "expires_at", "status"
    }  # fmt: skip
    assert made["role"] == "annotator" and made["email"] is None
    assert made["url"].endswith(f"/#/invite/{made['token']}")
    assert len(made["token"]) >= 40  # 256 random bits, URL-safe
    expires = datetime.fromisoformat(made["expires_at"])
    assert abs((expires - datetime.now(UTC)).total_seconds() - 2 * 3600) < 60
    row = stored(made["id"])
    assert row.token_hash == hash_token(made["token"]) and made["token"] not in row.token_hash
    preview = client.get(f"{API}/invites/{made['token']}")  # anyone: no token needed
    assert preview.status_code == 200
    assert preview.json() == {
        "org_name": "Test Org",
        "role": "annotator",
        "expires_at": made["expires_at"],
        "email": None,
    }
    default = invite(client, team.org_id, team.owner, role="reviewer")
    hours = (datetime.fromisoformat(default["expires_at"]) - datetime.now(UTC)).total_seconds()
    assert abs(hours / 3600 - 168) < 0.1


def test_the_link_uses_the_public_url_when_one_is_set(client, team, monkeypatch):
    from backend.settings import get_settings

    monkeypatch.setattr(get_settings(), "public_url", "https://label.example.com/")
    made = invite(client, team.org_id, team.owner, role="annotator")
    assert made["url"] == f"https://label.example.com/#/invite/{made['token']}"


def test_only_owners_and_managers_invite_and_only_owners_invite_owners(client, team):
    path = f"{API}/orgs/{team.org_id}/invites"
    for who in (team.annotators[0], team.reviewer):
        answer = client.post(path, json={"role": "annotator"}, headers=who.headers)
        assert answer.status_code == 403
    by_manager = client.post(path, json={"role": "owner"}, headers=team.manager.headers)
    assert by_manager.status_code == 403
    assert invite(client, team.org_id, team.owner, role="owner")["role"] == "owner"
    stranger = new_user(client)
    assert (
        client.post(path, json={"role": "annotator"}, headers=stranger.headers).status_code == 404
    )
    bad = client.post(
        path, json={"role": "annotator", "expires_hours": 0}, headers=team.owner.headers
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "expires_hours"]


def test_accepting_without_an_account_creates_it_and_joins(client, team):
    made = invite(client, team.org_id, team.manager, role="annotator")
    person = new_person()
    answer = client.post(f"{API}/invites/{made['token']}/accept", json=person)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["membership"]["role"] == "annotator"
    assert body["membership"]["org_id"] == team.org_id
    assert body["membership"]["email"] == person["email"]
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["memberships"] == [
        {"org_id": team.org_id, "org_name": "Test Org", "role": "annotator"}
    ]
    signed_in = client.post(
        f"{API}/auth/token", data={"username": person["email"], "password": PASSWORD}
    )
    assert signed_in.status_code == 200
    row = stored(made["id"])
    assert row.used_by == body["membership"]["user_id"] and row.used_at is not None


def test_accepting_works_even_where_self_sign_up_is_off(client, team, monkeypatch):
    from backend.settings import get_settings

    monkeypatch.setattr(get_settings(), "allow_signup", False)
    assert client.get(f"{API}/config").json() == {"allow_signup": False}
    refused = client.post(f"{API}/auth/signup", json=new_person())
    assert refused.status_code == 403 and refused.json()["code"] == "signup_disabled"
    made = invite(client, team.org_id, team.owner, role="annotator")
    assert (
        client.post(f"{API}/invites/{made['token']}/accept", json=new_person()).status_code == 201
    )


def test_a_signed_in_person_accepts_with_an_empty_body(client, team):
    person = new_user(client)
    made = invite(client, team.org_id, team.owner, role="reviewer")
    answer = client.post(f"{API}/invites/{made['token']}/accept", json={}, headers=person.headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["membership"]["user_id"] == person.id
    assert answer.json()["membership"]["role"] == "reviewer"


def test_a_used_token_is_410_and_creates_nothing(client, team):
    made = invite(client, team.org_id, team.owner, role="annotator")
    first = client.post(f"{API}/invites/{made['token']}/accept", json=new_person())
    assert first.status_code == 201
    before = counts()
    again = client.post(f"{API}/invites/{made['token']}/accept", json=new_person())
    assert again.status_code == 410
    assert again.json()["code"] == "invite_used"
    assert client.get(f"{API}/invites/{made['token']}").json()["code"] == "invite_used"
    assert counts() == before


def test_an_expired_token_is_410_and_creates_nothing(client, team, frozen):
    made = invite(client, team.org_id, team.owner, role="annotator", expires_hours=1)
    frozen.now += timedelta(hours=1)
    before = counts()
    opened = client.get(f"{API}/invites/{made['token']}")
    assert opened.status_code == 410
    assert opened.json()["code"] == "invite_expired"
    answer = client.post(f"{API}/invites/{made['token']}/accept", json=new_person())
    assert answer.status_code == 410 and answer.json()["code"] == "invite_expired"
    assert counts() == before
    assert stored(made["id"]).used_at is None


@pytest.mark.parametrize("token", ["forged-token", "x" * 43, ""])
def test_an_unknown_or_forged_token_is_404_and_creates_nothing(client, team, token):
    made = invite(client, team.org_id, team.owner, role="annotator")
    tampered = token or made["token"][:-1] + ("A" if made["token"][-1] != "A" else "B")
    before = counts()
    assert client.get(f"{API}/invites/{tampered}").status_code == 404
    answer = client.post(f"{API}/invites/{tampered}/accept", json=new_person())
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    assert counts() == before
    assert stored(made["id"]).used_at is None


def test_a_withdrawn_invite_is_410(client, team):
    made = invite(client, team.org_id, team.manager, role="annotator")
    path = f"{API}/orgs/{team.org_id}/invites/{made['id']}"
    assert client.delete(path, headers=team.annotators[0].headers).status_code == 403
    assert client.delete(path, headers=team.manager.headers).status_code == 204
    assert client.delete(path, headers=team.manager.headers).status_code == 204  # again: nothing
    before = counts()
    answer = client.post(f"{API}/invites/{made['token']}/accept", json=new_person())
    assert answer.status_code == 410 and answer.json()["code"] == "invite_revoked"
    assert counts() == before


def test_accepting_as_a_member_is_409_and_keeps_the_invite(client, team):
    made = invite(client, team.org_id, team.owner, role="manager")
    member = team.annotators[0]
    answer = client.post(f"{API}/invites/{made['token']}/accept", json={}, headers=member.headers)
    assert answer.status_code == 409
    assert answer.json()["code"] == "already_member"
    assert stored(made["id"]).used_at is None
    roles = {m["user_id"]: m["role"] for m in members_of(client, team)}
    assert roles[member.id] == "annotator"  # not promoted by the attempt


def test_an_address_that_has_an_account_must_sign_in(client, team):
    made = invite(client, team.org_id, team.owner, role="annotator")
    taken = {**new_person(), "email": team.annotators[1].email}
    before = counts()
    answer = client.post(f"{API}/invites/{made['token']}/accept", json=taken)
    assert answer.status_code == 409 and answer.json()["code"] == "email_taken"
    assert counts() == before and stored(made["id"]).used_at is None


def test_not_signed_in_the_account_fields_are_required(client, team):
    made = invite(client, team.org_id, team.owner, role="annotator")
    answer = client.post(f"{API}/invites/{made['token']}/accept", json={"email": "a@example.com"})
    assert answer.status_code == 422
    assert {e["loc"][-1] for e in answer.json()["detail"]} == {"password", "name"}
    bad = client.post(
        f"{API}/invites/{made['token']}/accept", json={**new_person(), "password": "short"}
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "password"]
    bad_token = client.post(
        f"{API}/invites/{made['token']}/accept", json={}, headers={"Authorization": "Bearer nope"}
    )
    assert bad_token.status_code == 401
    assert stored(made["id"]).used_at is None


def test_an_invite_for_an_address_is_for_that_address_only(client, team):
    person, other = new_user(client), new_user(client)
    made = invite(client, team.org_id, team.owner, role="annotator", email=person.email.upper())
    assert made["email"] == person.email
    assert client.get(f"{API}/invites/{made['token']}").json()["email"] == person.email
    wrong = client.post(f"{API}/invites/{made['token']}/accept", json={}, headers=other.headers)
    assert wrong.status_code == 403 and wrong.json()["code"] == "invite_other_email"
    new = client.post(f"{API}/invites/{made['token']}/accept", json=new_person())
    assert new.status_code == 403 and new.json()["code"] == "invite_other_email"
    assert client.get(f"{API}/me/invites", headers=other.headers).json() == []
    theirs = client.get(f"{API}/me/invites", headers=person.headers).json()
    assert [i["id"] for i in theirs] == [made["id"]]
    assert (
        client.post(f"{API}/me/invites/{made['id']}/accept", headers=other.headers).status_code
        == 404
    )
    ok = client.post(f"{API}/invites/{made['token']}/accept", json={}, headers=person.headers)
    assert ok.status_code == 201


def test_a_person_can_decline_an_invite_made_out_to_them(client, team):
    person = new_user(client)
    made = invite(client, team.org_id, team.owner, role="annotator", email=person.email)
    assert (
        client.delete(f"{API}/me/invites/{made['id']}", headers=person.headers).status_code == 204
    )
    assert client.get(f"{API}/me/invites", headers=person.headers).json() == []
    later = client.post(f"{API}/invites/{made['token']}/accept", json={}, headers=person.headers)
    assert later.status_code == 410


def test_invites_are_listed_with_their_status_and_never_their_token(client, team):
    used = invite(client, team.org_id, team.owner, role="annotator")
    client.post(f"{API}/invites/{used['token']}/accept", json=new_person())
    pending = invite(client, team.org_id, team.manager, role="reviewer", email="x@example.com")
    revoked = invite(client, team.org_id, team.owner, role="annotator")
    client.delete(f"{API}/orgs/{team.org_id}/invites/{revoked['id']}", headers=team.owner.headers)
    path = f"{API}/orgs/{team.org_id}/invites"
    listed = client.get(path, headers=team.manager.headers)
    assert listed.status_code == 200
    statuses = {i["id"]: i["status"] for i in listed.json()}
    assert listed.headers["x-total-count"] == "7"  # the fixture's four members joined by invite
    assert list(statuses.values())[3:] == ["used"] * 4
    assert list(statuses.items())[:3] == [
        (revoked["id"], "revoked"),
        (pending["id"], "pending"),
        (used["id"], "used"),
    ]
    assert "token" not in listed.text and used["token"] not in listed.text
    only_pending = client.get(path, params={"pending": True}, headers=team.owner.headers).json()
    assert [i["id"] for i in only_pending] == [pending["id"]]
    assert client.get(path, headers=team.reviewer.headers).status_code == 403
    revoke_used = client.delete(f"{path}/{used['id']}", headers=team.owner.headers)
    assert revoke_used.status_code == 410 and revoke_used.json()["code"] == "invite_used"


def test_an_invite_puts_the_person_on_its_projects_lists(client, team):
    first, second = new_project(client, team), new_project(client, team)
    made = invite(client, team.org_id, team.owner, role="annotator", project_ids=[second["id"]])
    assert made["project_ids"] == [second["id"]]
    joined = client.post(f"{API}/invites/{made['token']}/accept", json=new_person()).json()
    user_id = joined["membership"]["user_id"]
    access = client.get(f"{API}/projects/{second['id']}/access", headers=team.owner.headers).json()
    assert access == {"mode": "open", "user_ids": [user_id], "team_ids": []}
    untouched = client.get(f"{API}/projects/{first['id']}/access", headers=team.owner.headers)
    assert untouched.json()["user_ids"] == []


def test_an_invite_of_one_organization_grants_nothing_in_another(client, team):
    other = new_team(client, annotators=0)
    theirs = new_project(client, other)
    before = counts()
    answer = client.post(
        f"{API}/orgs/{team.org_id}/invites",
        json={"role": "annotator", "project_ids": [theirs["id"]]},
        headers=team.owner.headers,
    )
    assert answer.status_code == 404  # another organization's project is never confirmed
    assert counts() == before
    made = invite(client, team.org_id, team.owner, role="manager")
    joined = client.post(f"{API}/invites/{made['token']}/accept", json=new_person()).json()
    token = {"Authorization": f"Bearer {joined['access_token']}"}
    me = client.get(f"{API}/me", headers=token).json()
    assert [m["org_id"] for m in me["memberships"]] == [team.org_id]
    for path in (f"/orgs/{other.org_id}/projects", f"/projects/{theirs['id']}"):
        assert client.get(f"{API}{path}", headers=token).status_code == 404
    with Session(get_engine()) as session:
        lists = session.exec(
            select(ProjectAccessUser.project_id).where(
                ProjectAccessUser.user_id == joined["membership"]["user_id"]
            )
        ).all()
    assert lists == []


def test_two_acceptances_at_once_let_exactly_one_in(client, live_server, team):
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    made = invite(client, team.org_id, team.owner, role="annotator")
    people = [new_person(f"racer {i}") for i in range(4)]

    def accept(person):
        with httpx.Client(base_url=live_server, timeout=30) as http:
            return http.post(f"{API}/invites/{made['token']}/accept", json=person).status_code

    with ThreadPoolExecutor(len(people)) as pool:
        codes = sorted(pool.map(accept, people))
    assert codes == [201, 410, 410, 410]
    with Session(get_engine()) as session:
        emails = [p["email"] for p in people]
        created = session.exec(select(func.count()).select_from(User).where(User.email.in_(emails)))
        assert created.one() == 1  # the losers' accounts rolled back with their acceptance


def members_of(client, team):
    answer = client.get(f"{API}/orgs/{team.org_id}/members", headers=team.owner.headers)
    assert answer.status_code == 200
    return answer.json()


def test_an_intranet_address_may_be_invited_and_a_refused_one_has_a_stable_type(client, team):
    """Addresses under ``.local`` (a firm's own network) are invited; a special-use domain that
    never carries mail is refused with the field named and the type ``email_invalid``."""
    made = invite(
        client, team.org_id, team.manager, role="annotator", email="zhang.wei@plant.local"
    )
    assert made["email"] == "zhang.wei@plant.local"
    before = invites_of(team.org_id)
    refused = client.post(
        f"{API}/orgs/{team.org_id}/invites",
        json={"role": "annotator", "email": "newbie@qa.test"},
        headers=team.manager.headers,
    )
    assert refused.status_code == 422
    (error,) = refused.json()["detail"]
    assert error["loc"] == ["body", "email"] and error["type"] == "email_invalid"
    assert "special-use" in error["msg"]
    assert invites_of(team.org_id) == before  # nothing stored by the refusal


def invites_of(org_id: int) -> int:
    with Session(get_engine()) as session:
        return session.exec(
            select(func.count()).select_from(Invite).where(Invite.org_id == org_id)
        ).one()
