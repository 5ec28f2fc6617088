"""Every error answer carries a stable ``code`` beside ``detail`` (SPEC, "The firm's workflow")."""

from __future__ import annotations


def test_framework_errors_get_the_default_code_of_their_status(client) -> None:
    unauthenticated = client.get("/api/v1/me")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["code"] == "not_authenticated"

    wrong_method = client.delete("/api/v1/orgs")
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {"detail": "Method Not Allowed", "code": "method_not_allowed"}
    assert wrong_method.headers["allow"] == "GET, POST"


def test_validation_errors_name_the_field_and_say_invalid_input(client) -> None:
    answer = client.post("/api/v1/auth/signup", json={"email": "not-an-address", "name": "x"})
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "invalid_input"
    fields = {tuple(entry["loc"]) for entry in body["detail"]}
    assert ("body", "email") in fields
    assert ("body", "password") in fields


def test_service_errors_keep_their_shape_and_gain_a_code(client, team) -> None:
    owner = team.owner
    foreign = client.get("/api/v1/projects/999999", headers=owner.headers)
    assert foreign.status_code == 404
    assert foreign.json() == {"detail": "project not found", "code": "not_found"}


def test_a_role_refusal_lists_the_roles_that_may(client, team) -> None:
    """The page says which roles may, in the reader's language, from data (not English text)."""
    refused = client.get(f"/api/v1/orgs/{team.org_id}/members", headers=team.annotators[0].headers)
    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "forbidden"
    assert body["roles"] == sorted(body["roles"]) and "owner" in body["roles"]
    assert "annotator" not in body["roles"]
