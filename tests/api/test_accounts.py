"""Sign-up, the password flow, /me and personal API tokens."""

from __future__ import annotations

import uuid

import pytest

from support.factories import PASSWORD, new_org, new_user


def _email() -> str:
    return f"a{uuid.uuid4().hex[:10]}@example.com"


def test_signup_token_me_round_trip(client):
    email = _email()
    created = client.post(
        "/api/v1/auth/signup", json={"email": email, "password": PASSWORD, "name": "Li"}
    )
    assert created.status_code == 201
    assert created.json()["email"] == email
    assert "password" not in created.text and "hash" not in created.text

    token = client.post(
        "/api/v1/auth/token", data={"username": email.upper(), "password": PASSWORD}
    )
    assert token.status_code == 200
    assert token.json()["token_type"] == "bearer"

    me = client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["email"] == email
    assert me.json()["memberships"] == []


def test_me_lists_memberships_with_roles(client):
    owner = new_user(client)
    org_id = new_org(client, owner, name="Steel Works 钢铁厂")
    me = client.get("/api/v1/me", headers=owner.headers).json()
    assert me["memberships"] == [
        {"org_id": org_id, "org_name": "Steel Works 钢铁厂", "role": "owner"}
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD, "name": "X"}, "email"),
        ({"email": "ok@example.com", "password": "short", "name": "X"}, "password"),
        ({"email": "ok@example.com", "password": PASSWORD, "name": "   "}, "name"),
        ({"email": "ok@example.com", "password": PASSWORD}, "name"),
    ],
)
def test_signup_rejects_bad_fields_naming_them(client, body, field):
    answer = client.post("/api/v1/auth/signup", json=body)
    assert answer.status_code == 422
    assert [e["loc"][-1] for e in answer.json()["detail"]] == [field]


def test_duplicate_signup_is_a_conflict(client):
    email = _email()
    body = {"email": email, "password": PASSWORD, "name": "A"}
    assert client.post("/api/v1/auth/signup", json=body).status_code == 201
    again = client.post("/api/v1/auth/signup", json={**body, "email": email.upper()})
    assert again.status_code == 409


def test_wrong_password_and_unknown_email_get_the_same_401(client):
    user = new_user(client)
    wrong = client.post(
        "/api/v1/auth/token", data={"username": user.email, "password": "nope-nope-nope"}
    )
    unknown = client.post("/api/v1/auth/token", data={"username": _email(), "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


@pytest.mark.parametrize(
    "header", [None, "Bearer garbage", "Bearer jb_not-a-real-token", "Basic abc"]
)
def test_missing_or_bad_token_is_401(client, header):
    headers = {"Authorization": header} if header else {}
    answer = client.get("/api/v1/me", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


def test_expired_access_token_is_401(client, monkeypatch):
    from datetime import timedelta

    from backend import clock

    user = new_user(client)
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() - timedelta(days=3))
    from backend.security.jwt_tokens import create_access_token

    stale = create_access_token(user.id)
    monkeypatch.setattr(clock, "now", real_now)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {stale}"}).status_code == 401


def test_personal_api_token_works_until_revoked(client):
    user = new_user(client)
    created = client.post(
        "/api/v1/me/tokens", json={"name": "labeling script"}, headers=user.headers
    )
    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith("jb_")
    script = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=script).json()["id"] == user.id

    listed = client.get("/api/v1/me/tokens", headers=user.headers).json()
    assert [t["name"] for t in listed] == ["labeling script"]
    assert "token" not in listed[0]

    assert (
        client.delete(f"/api/v1/me/tokens/{created.json()['id']}", headers=user.headers).status_code
        == 204
    )
    assert client.get("/api/v1/me", headers=script).status_code == 401


def test_api_token_is_stored_hashed(client):
    from sqlmodel import Session, select

    from backend.accounts.models import ApiToken
    from backend.db import get_engine

    user = new_user(client)
    secret = client.post("/api/v1/me/tokens", json={"name": "ci"}, headers=user.headers).json()[
        "token"
    ]
    with Session(get_engine()) as session:
        rows = session.exec(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    assert len(rows) == 1
    assert secret not in (rows[0].token_hash, rows[0].prefix)
    assert len(rows[0].token_hash) == 64


def test_someone_elses_token_cannot_be_revoked(client):
    alice, bob = new_user(client), new_user(client)
    token_id = client.post("/api/v1/me/tokens", json={"name": "x"}, headers=alice.headers).json()[
        "id"
    ]
    assert client.delete(f"/api/v1/me/tokens/{token_id}", headers=bob.headers).status_code == 404


def test_signup_can_be_switched_off(client, monkeypatch):
    from backend.settings import get_settings

    monkeypatch.setattr(get_settings(), "allow_signup", False)
    answer = client.post(
        "/api/v1/auth/signup", json={"email": _email(), "password": PASSWORD, "name": "N"}
    )
    assert answer.status_code == 403
    assert "disabled" in answer.json()["detail"]


def test_passwords_are_hashed_with_argon2id(client):
    from sqlmodel import Session

    from backend.accounts.models import User
    from backend.db import get_engine

    user = new_user(client)
    with Session(get_engine()) as session:
        stored = session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
