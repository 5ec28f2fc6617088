"""Building users, organizations and projects through the public API, as a client would.

Every call makes fresh emails, so tests share one database without seeing each other's rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

PASSWORD = "correct-horse-battery"


@dataclass
class Account:
    id: int
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Team:
    org_id: int
    owner: Account
    manager: Account
    reviewer: Account
    annotators: list[Account] = field(default_factory=list)


def new_user(client: httpx.Client, *, name: str = "Test User") -> Account:
    email = f"u{uuid.uuid4().hex[:12]}@example.com"
    answer = client.post(
        "/api/v1/auth/signup", json={"email": email, "password": PASSWORD, "name": name}
    )
    assert answer.status_code == 201, answer.text
    return Account(
        id=answer.json()["id"], email=email, password=PASSWORD, token=login(client, email)
    )


def login(client: httpx.Client, email: str, password: str = PASSWORD) -> str:
    answer = client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def new_org(client: httpx.Client, owner: Account, name: str = "Test Org") -> int:
    answer = client.post("/api/v1/orgs", json={"name": name}, headers=owner.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def add_member(client: httpx.Client, org_id: int, by: Account, user: Account, role: str) -> None:
    """``by`` invites ``user`` by e-mail and ``user`` accepts, as joining always takes."""
    invited = client.post(
        f"/api/v1/orgs/{org_id}/members",
        json={"email": user.email, "role": role},
        headers=by.headers,
    )
    assert invited.status_code == 201, invited.text
    accepted = client.post(
        f"/api/v1/invites/{invited.json()['token']}/accept", json={}, headers=user.headers
    )
    assert accepted.status_code == 201, accepted.text


def new_team(client: httpx.Client, *, annotators: int = 2) -> Team:
    owner = new_user(client, name="Owner")
    org_id = new_org(client, owner)
    team = Team(
        org_id=org_id,
        owner=owner,
        manager=new_user(client, name="Manager"),
        reviewer=new_user(client, name="Reviewer"),
    )
    add_member(client, org_id, owner, team.manager, "manager")
    add_member(client, org_id, owner, team.reviewer, "reviewer")
    for i in range(annotators):
        annotator = new_user(client, name=f"Annotator {i}")
        add_member(client, org_id, owner, annotator, "annotator")
        team.annotators.append(annotator)
    return team


DEFAULT_LABELS = {
    "image_classification": ["ok", "scratch", "dent"],
    "image_boxes": ["scratch", "dent", "stain"],
    "image_polygons": ["scratch", "dent", "stain"],
    "text_classification": ["electrical_fault", "mechanical_wear", "other"],
    "text_spans": ["PART", "DEFECT", "LOCATION"],
}


def new_project(
    client: httpx.Client, team: Team, kind: str = "text_classification", **settings: Any
) -> dict[str, Any]:
    labels = settings.pop("labels", None) or [
        {"name": name, "hotkey": str(i + 1)} for i, name in enumerate(DEFAULT_LABELS[kind])
    ]
    body = {"name": f"{kind} project", "kind": kind, "labels": labels, **settings}
    answer = client.post(
        f"/api/v1/orgs/{team.org_id}/projects", json=body, headers=team.manager.headers
    )
    assert answer.status_code == 201, answer.text
    return answer.json()
