"""The tenancy walk (issue 23): every route of the OpenAPI schema that takes an id, called by
every kind of caller of organization A with organization B's ids, answers exactly as it does for
an id that exists nowhere — same status, same ``code`` — never 2xx, never 5xx, and no byte of
B's data appears in any answer. Afterwards B's data is all still there.

Callers: A's owner, manager, reviewer, annotator and client, no token, an expired token and a
forged one. A route with an id parameter the walk cannot make a foreign value for fails the
test: a new route must teach the walk its ids (``_foreign_ids``) before it lands.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import jwt
import pytest

from backend import clock
from backend.security.jwt_tokens import ALGORITHM, AUDIENCE
from backend.settings import get_settings
from support.factories import Account, add_member, new_project, new_team, new_user
from support.lot_seed import finished_items
from support.review_flow import recompute, review_next

API = "/api/v1"
MISSING_ID = 2_000_000_000
# Capability URLs: whoever holds an invitation link may read it, by design (SPEC "People").
BY_DESIGN_PUBLIC = {"token"}
# Minimal valid bodies, so that the lookup of the id is reached rather than a 422 on the body.
BODIES: dict[tuple[str, str], dict] = {
    ("PATCH", "/api/v1/projects/{project_id}"): {"name": "renamed by a stranger"},
    ("PUT", "/api/v1/projects/{project_id}/access"): {
        "mode": "open",
        "user_ids": [],
        "team_ids": [],
    },
    ("POST", "/api/v1/projects/{project_id}/items"): {"items": [{"text": "planted"}]},
    ("POST", "/api/v1/projects/{project_id}/versions"): {"format": "jsonl"},
    ("POST", "/api/v1/orgs/{org_id}/invites"): {"role": "annotator"},
    ("POST", "/api/v1/orgs/{org_id}/teams"): {"name": "planted", "member_ids": []},
    ("POST", "/api/v1/orgs/{org_id}/projects"): {
        "name": "planted",
        "kind": "text_classification",
        "labels": [{"name": "a"}, {"name": "b"}],
    },
    ("POST", "/api/v1/orgs/{org_id}/members"): {"email": "x@example.com", "role": "annotator"},
    ("PATCH", "/api/v1/orgs/{org_id}/members/{member_id}"): {"role": "annotator"},
    ("POST", "/api/v1/orgs/{org_id}/members/{member_id}/password"): {
        "password": "temporary-pass-1"
    },
    ("PATCH", "/api/v1/teams/{team_id}"): {"name": "renamed"},
    ("PATCH", "/api/v1/annotations/{annotation_id}"): {"result": {"label": "b"}},
    ("POST", "/api/v1/projects/{project_id}/labels/rename"): {"from": "a", "to": "c"},
    ("POST", "/api/v1/reviews/{review_id}/submit"): {"decision": "accept"},
    ("POST", "/api/v1/assignments/{assignment_id}/submit"): {"result": {"label": "a"}},
    ("POST", "/api/v1/items/{item_id}/suggest"): {"points": [[1, 1]]},
}


def _token(user_id: int, *, minutes: float, key: str | None = None) -> str:
    now = clock.now()
    claims = {
        "sub": str(user_id),
        "aud": AUDIENCE,
        "gen": 0,
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
    }
    return jwt.encode(claims, key or get_settings().secret_key, algorithm=ALGORITHM)


@pytest.fixture(scope="module")
def foreign(client):
    """Organization B with something behind every kind of id, and the strings that are B's."""
    marker = uuid.uuid4().hex[:10]
    b = new_team(client)
    project = new_project(
        client,
        b,
        name=f"foreign project {marker}",
        gold_rate=0.0,
        overlap=1,
        max_overlap=1,
        review_mode="all",
        labels=[{"name": "a"}, {"name": "b"}],
    )
    texts = [f"secret-item-{marker}-{n}" for n in range(4)]
    imported = client.post(
        f"{API}/projects/{project['id']}/items",
        json={"items": [{"text": t} for t in texts]},
        headers=b.manager.headers,
    )
    assert imported.status_code == 201, imported.text
    listed = client.get(f"{API}/projects/{project['id']}/items", headers=b.manager.headers).json()
    rows = listed["items"] if isinstance(listed, dict) else listed
    annotator = b.annotators[0]
    lease = client.post(f"{API}/projects/{project['id']}/next", headers=annotator.headers).json()
    submitted = client.post(
        f"{API}/assignments/{lease['assignment_id']}/submit",
        json={"result": {"label": "a"}},
        headers=annotator.headers,
    )
    recompute(project["id"])  # the answered item is finished and enters review
    review = review_next(client, b.reviewer, project["id"])
    assert review.status_code == 200, review.text
    inspected = new_project(client, b, name=f"lots {marker}", gold_rate=0.0)
    finished = finished_items(inspected, 4, [a.id for a in b.annotators])
    lot = client.post(
        f"{API}/projects/{inspected['id']}/lots",
        json={"item_ids": finished, "aql": "1.0"},
        headers=b.manager.headers,
    )
    assert lot.status_code == 201, lot.text
    version = client.post(
        f"{API}/projects/{project['id']}/versions",
        json={"format": "jsonl"},
        headers=b.manager.headers,
    )
    assert version.status_code == 202, version.text
    team = client.post(
        f"{API}/orgs/{b.org_id}/teams",
        json={"name": f"team {marker}", "member_ids": [annotator.id]},
        headers=b.manager.headers,
    ).json()
    invite = client.post(
        f"{API}/orgs/{b.org_id}/invites", json={"role": "annotator"}, headers=b.owner.headers
    ).json()
    personal = client.post(
        f"{API}/me/tokens", json={"name": "b script"}, headers=b.owner.headers
    ).json()
    members = client.get(f"{API}/orgs/{b.org_id}/members", headers=b.owner.headers).json()
    member_rows = members["items"] if isinstance(members, dict) else members
    member_id = next(m["id"] for m in member_rows if m.get("user_id", m["id"]) == annotator.id)
    ids = {
        "org_id": b.org_id,
        "project_id": project["id"],
        "item_id": rows[0]["id"],
        "assignment_id": lease["assignment_id"],
        "annotation_id": submitted.json()["id"],
        "review_id": review.json()["review_id"],
        "lot_id": lot.json()["id"],
        "version_id": version.json()["id"],
        "other_id": version.json()["id"],
        "team_id": team["id"],
        "invite_id": invite["id"],
        "token_id": personal["id"],
        "member_id": member_id,
        "user_id": annotator.id,
    }
    secrets = [project["name"], *texts, f"team {marker}", annotator.email]
    return {"team": b, "ids": ids, "secrets": secrets, "project": project}


def _callers(client, team) -> dict[str, dict[str, str]]:
    customer = new_user(client, name="Client")
    add_member(client, team.org_id, team.owner, customer, "client")
    someone: Account = team.annotators[0]
    return {
        "owner": team.owner.headers,
        "manager": team.manager.headers,
        "reviewer": team.reviewer.headers,
        "annotator": someone.headers,
        "client": customer.headers,
        "no token": {},
        "expired token": {"Authorization": f"Bearer {_token(someone.id, minutes=-5)}"},
        "forged token": {
            "Authorization": f"Bearer {_token(team.owner.id, minutes=5, key='not-the-key' * 4)}"
        },
    }


def _routes(app) -> list[tuple[str, str, list[str]]]:
    routes = []
    for path, operations in app.openapi()["paths"].items():
        params = re.findall(r"{(\w+)}", path)
        if not params or set(params) & BY_DESIGN_PUBLIC:
            continue
        for method in operations:
            routes.append((method.upper(), path, params))
    return routes


def test_foreign_ids_answer_exactly_like_ids_that_exist_nowhere(app, client, team, foreign):
    callers = _callers(client, team)
    routes = _routes(app)
    unknown = sorted({p for _, _, params in routes for p in params} - set(foreign["ids"]))
    assert not unknown, f"teach the walk how to make a foreign value for: {unknown}"
    leaks = []
    for method, template, params in routes:
        body = BODIES.get((method, template))
        for caller, headers in callers.items():
            answers = {}
            for which, value in (("foreign", None), ("missing", MISSING_ID)):
                path = template
                for name in params:
                    path = path.replace(f"{{{name}}}", str(value or foreign["ids"][name]))
                kwargs = {"json": body} if method in ("POST", "PUT", "PATCH") else {}
                if method in ("POST", "PUT", "PATCH") and body is None:
                    kwargs = {"json": {}}
                answers[which] = client.request(method, path, headers=headers, **kwargs)
            got, expected = answers["foreign"], answers["missing"]
            where = f"{caller}: {method} {template}"
            if got.status_code >= 500 or 200 <= got.status_code < 300:
                leaks.append(f"{where} → {got.status_code} {got.text[:200]}")
                continue
            if (got.status_code, _code(got)) != (expected.status_code, _code(expected)):
                leaks.append(
                    f"{where} → foreign {got.status_code} {_code(got)} vs missing "
                    f"{expected.status_code} {_code(expected)}"
                )
            for secret in foreign["secrets"]:
                if secret in got.text:
                    leaks.append(f"{where} → the answer contains B's {secret!r}")
    assert not leaks, "\n".join(leaks)


def test_after_the_walk_organization_b_has_lost_nothing(client, foreign):
    b = foreign["team"]
    project = client.get(f"{API}/projects/{foreign['project']['id']}", headers=b.owner.headers)
    assert project.status_code == 200
    assert project.json()["name"] == foreign["project"]["name"]
    members = client.get(f"{API}/orgs/{b.org_id}/members", headers=b.owner.headers).json()
    rows = members["items"] if isinstance(members, dict) else members
    assert len(rows) == 5
    teams = client.get(f"{API}/orgs/{b.org_id}/teams", headers=b.manager.headers).json()
    assert [t["id"] for t in (teams["items"] if isinstance(teams, dict) else teams)] == [
        foreign["ids"]["team_id"]
    ]
    token = client.get(f"{API}/me/tokens", headers=b.owner.headers).json()
    assert [t["id"] for t in token] == [foreign["ids"]["token_id"]]


def _code(answer) -> str | None:
    try:
        body = answer.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None
