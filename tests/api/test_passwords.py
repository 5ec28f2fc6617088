"""``POST /me/password``: a new password, and every earlier sign-in token stops working."""

from __future__ import annotations

from support.factories import PASSWORD, login, new_project, new_user
from support.seed import seed_items

API = "/api/v1"
NEW = "another horse battery"


def change(client, headers, current=PASSWORD, new=NEW):
    return client.post(
        f"{API}/me/password",
        json={"current_password": current, "new_password": new},
        headers=headers,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_password_change_ends_every_earlier_sign_in_token(client):
    user = new_user(client)
    other_browser = bearer(login(client, user.email))
    assert client.get(f"{API}/me", headers=other_browser).status_code == 200
    answer = change(client, user.headers)
    assert answer.status_code == 200, answer.text
    fresh = bearer(answer.json()["access_token"])
    assert client.get(f"{API}/me", headers=fresh).json()["id"] == user.id
    for old in (user.headers, other_browser):
        stale = client.get(f"{API}/me", headers=old)
        assert stale.status_code == 401 and stale.json()["code"] == "not_authenticated"
    refused = client.post(f"{API}/auth/token", data={"username": user.email, "password": PASSWORD})
    assert refused.status_code == 401
    assert (
        client.get(f"{API}/me", headers=bearer(login(client, user.email, NEW))).status_code == 200
    )


def test_personal_api_tokens_outlive_a_password_change(client):
    user = new_user(client)
    script = client.post(f"{API}/me/tokens", json={"name": "script"}, headers=user.headers)
    secret = bearer(script.json()["token"])
    assert change(client, user.headers).status_code == 200
    assert client.get(f"{API}/me", headers=secret).status_code == 200  # revoked on their own


def test_a_wrong_current_password_changes_nothing(client):
    user = new_user(client)
    wrong = change(client, user.headers, current="not my password")
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "wrong_password"
    assert wrong.json()["detail"][0]["loc"] == ["body", "current_password"]
    assert client.get(f"{API}/me", headers=user.headers).status_code == 200
    same = change(client, user.headers, new=PASSWORD)
    assert same.status_code == 422 and same.json()["code"] == "same_password"
    short = change(client, user.headers, new="short")
    assert short.status_code == 422 and short.json()["detail"][0]["loc"] == ["body", "new_password"]
    assert client.post(f"{API}/me/password", json={}).status_code == 401
    login(client, user.email, PASSWORD)


def test_a_token_from_before_the_generation_claim_counts_as_generation_zero(client):
    import jwt

    from backend.security.jwt_tokens import ALGORITHM, access_claims
    from backend.settings import get_settings

    user = new_user(client)
    claims = jwt.decode(user.token, options={"verify_signature": False})
    assert claims["gen"] == 0
    del claims["gen"]
    legacy = jwt.encode(claims, get_settings().secret_key, algorithm=ALGORITHM)
    assert access_claims(legacy).generation == 0
    assert client.get(f"{API}/me", headers=bearer(legacy)).status_code == 200
    assert change(client, user.headers).status_code == 200
    assert client.get(f"{API}/me", headers=bearer(legacy)).status_code == 401


def test_next_refuses_a_token_from_before_a_password_change(client, team):
    project = new_project(client, team, gold_rate=0.0)
    seed_items(project_id=project["id"], count=5)
    annotator = team.annotators[0]
    first = client.post(f"{API}/projects/{project['id']}/next", headers=annotator.headers)
    assert first.status_code == 200  # the annotator's state row exists: the fast path answers
    assert change(client, annotator.headers).status_code == 200
    stale = client.post(f"{API}/projects/{project['id']}/next", headers=annotator.headers)
    assert stale.status_code == 401
