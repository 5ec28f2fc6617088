"""The client role (验收方) never receives an annotator's name, e-mail or raw id.

Every route of the OpenAPI schema is called as a client, with real ids from a seeded project
(annotations, consensus, a lot under inspection, a version the client built), and every answer
is searched: no annotator's name or e-mail anywhere, and no annotator's id under a key that
names a person (``annotator_id``, ``user_id``, ``annotator_ids``, ``created_by``...). Routes the
client may not call answer 403/404 and are searched all the same. A new route with a path
parameter this walk does not know fails the test until it is given a real id here. On SQLite
and PostgreSQL.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import pytest
from sqlmodel import Session, select

from backend.assignments.models import Annotation
from backend.db import get_engine
from support.export_seed import build_now
from support.factories import add_member, new_project, new_team, new_user
from support.lot_seed import finished_items

pytestmark = pytest.mark.usefixtures("client")

# Keys whose value names people by id (counts such as ``annotators: 2`` are not ids).
PERSON_KEY = re.compile(
    r"(annotator|user|reviewer|inspector|member|author|actor|owner)_ids?$|^created_by$"
)
PSEUDONYM = re.compile(r"^A-[0-9a-f]{4}$")
# Calls that would end the walk itself (a new password ends the client's sign-in; accepting an
# invitation would change the client's role), or wait on a worker; none of them answers anything
# about annotators.
SKIPPED = {
    ("post", "/api/v1/me/password"),
    ("post", "/api/v1/invites/{token}/accept"),
    ("post", "/api/v1/me/invites/{invite_id}/accept"),
    ("post", "/api/v1/auth/signup"),
    ("post", "/api/v1/auth/token"),
    ("post", "/api/v1/system/ping"),
}


def _person_values(value: Any, key: str = "") -> list[tuple[str, Any]]:
    """Every (key, value) under a key that names a person, at any depth."""
    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if PERSON_KEY.search(k):
                found.append((k, v))
            found += _person_values(v, k)
    elif isinstance(value, list):
        for v in value:
            found += _person_values(v, key)
    return found


def _flat_ints(value: Any) -> set[int]:
    if isinstance(value, bool):
        return set()
    if isinstance(value, int):
        return {value}
    if isinstance(value, list):
        return set().union(*(_flat_ints(v) for v in value)) if value else set()
    return set()


class Seeded:
    def __init__(self, client) -> None:
        self.team = new_team(client, annotators=2)
        self.customer = new_user(client, name="Client Person")
        add_member(client, self.team.org_id, self.team.owner, self.customer, "client")
        self.project = new_project(client, self.team)
        self.annotators = self.team.annotators
        self.item_ids = finished_items(self.project, 12, [a.id for a in self.annotators])
        headers = self.customer.headers
        lot = client.post(
            f"/api/v1/projects/{self.project['id']}/lots",
            json={"item_ids": self.item_ids[:10], "aql": "1.0"},
            headers=headers,
        )
        assert lot.status_code == 201, lot.text
        self.lot_id = lot.json()["id"]
        lease = client.post(f"/api/v1/lots/{self.lot_id}/next", headers=headers)
        assert lease.status_code == 200, lease.text
        self.lease = lease.json()
        self.versions = []
        for _ in range(2):
            made = client.post(
                f"/api/v1/projects/{self.project['id']}/versions",
                json={"format": "jsonl", "source": "raw", "min_answers": 0},  # 2 answers, overlap 3
                headers=headers,
            )
            assert made.status_code == 202, made.text
            self.versions.append(build_now(client, made.json()["id"], headers))
        staff_version = client.post(
            f"/api/v1/projects/{self.project['id']}/versions",
            json={"format": "jsonl", "source": "raw", "min_answers": 0},  # 2 answers, overlap 3
            headers=self.team.manager.headers,
        )
        self.staff_version_id = staff_version.json()["id"]
        invite = client.post(
            f"/api/v1/orgs/{self.team.org_id}/invites",
            json={"role": "annotator"},
            headers=self.team.owner.headers,
        )
        self.invite = invite.json()
        token = client.post("/api/v1/me/tokens", json={"name": "walk"}, headers=headers)
        self.token_id = token.json().get("id", 0)
        with Session(get_engine()) as session:
            self.annotation_id = session.exec(
                select(Annotation.id).where(Annotation.item_id == self.item_ids[0])
            ).first()

    def path_ids(self) -> dict[str, Any]:
        annotator = self.annotators[0].id
        return {
            "org_id": self.team.org_id,
            "project_id": self.project["id"],
            "lot_id": self.lot_id,
            "item_id": self.item_ids[0],
            "version_id": self.versions[0]["id"],
            "other_id": self.versions[1]["id"],
            "user_id": annotator,
            "member_id": annotator,
            "assignment_id": self.lease["review_id"],
            "review_id": self.lease["review_id"],
            "annotation_id": self.annotation_id,
            "token": self.invite["token"],
            "invite_id": self.invite["id"],
            "team_id": 1,
            "token_id": self.token_id,
        }


def _bodies(seeded: Seeded) -> dict[tuple[str, str], dict[str, Any]]:
    """Bodies for the calls a client makes; every other write gets ``{}``."""
    return {
        ("post", "/api/v1/projects/{project_id}/lots"): {"all_finished": True, "aql": "1.0"},
        ("post", "/api/v1/projects/{project_id}/versions"): {"format": "jsonl", "source": "raw"},
        ("post", "/api/v1/me/tokens"): {"name": "walk-2"},
    }


def _check(answer, seeded: Seeded, where: str) -> None:
    text = answer.text
    for person in seeded.annotators:
        assert person.email not in text, where
    for name in ("Annotator 0", "Annotator 1"):
        assert name not in text, where
    if "json" not in answer.headers.get("content-type", ""):
        return
    raw_ids = {a.id for a in seeded.annotators}
    for key, value in _person_values(answer.json()):
        assert not (_flat_ints(value) & raw_ids), f"{where}: {key}={value!r}"


def test_the_client_never_sees_an_annotators_name_email_or_id(app, client):
    seeded = Seeded(client)
    ids = seeded.path_ids()
    bodies = _bodies(seeded)
    called = 0
    for path, operations in sorted(app.openapi()["paths"].items()):
        for method in operations:
            if (method, path) in SKIPPED:
                continue
            names = re.findall(r"{(\w+)}", path)
            unknown = [name for name in names if name not in ids]
            assert not unknown, f"{method} {path}: give the walk a real {unknown}"
            url = path.format(**ids)
            params = {"lot_size": 100} if path.endswith("/acceptance/plan") else None
            body = bodies.get((method, path), {})
            answer = client.request(
                method.upper(),
                url,
                headers=seeded.customer.headers,
                params=params,
                json=None if method == "get" else body,
            )
            called += 1
            _check(answer, seeded, f"{method.upper()} {url} -> {answer.status_code}")
    assert called >= 50


def test_the_client_gets_pseudonyms_in_samples_and_versions(client):
    seeded = Seeded(client)
    pseudonyms = [a["annotator_id"] for a in seeded.lease["annotations"]]
    assert len(pseudonyms) == 2 and all(PSEUDONYM.match(p) for p in pseudonyms)
    assert len(set(pseudonyms)) == 2
    # Stable: the same annotators have the same pseudonyms on the next lease.
    lease = client.post(
        f"/api/v1/lots/{seeded.lot_id}/next", headers=seeded.team.manager.headers
    ).json()
    assert sorted(a["annotator_id"] for a in lease["annotations"]) == sorted(
        a.id for a in seeded.annotators
    )  # staff see ids
    zipped = client.get(
        f"/api/v1/versions/{seeded.versions[0]['id']}/download", headers=seeded.customer.headers
    )
    assert zipped.status_code == 200
    written = set()
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        for name in archive.namelist():
            if name.endswith(".jsonl") and name != "index.jsonl":  # the index keeps a hash only
                for line in archive.read(name).decode().splitlines():
                    written.add(json.loads(line)["annotator_id"])
        manifest = json.loads(archive.read("manifest.json"))
    assert written == set(pseudonyms)
    assert manifest["filter"]["annotators_pseudonymous"] is True
    # The manager's version names people: the client cannot see it.
    for path in ("", "/download"):
        url = f"/api/v1/versions/{seeded.staff_version_id}{path}"
        assert client.get(url, headers=seeded.customer.headers).status_code == 404
    listed = client.get(
        f"/api/v1/projects/{seeded.project['id']}/versions", headers=seeded.customer.headers
    ).json()
    assert {v["id"] for v in listed} == {v["id"] for v in seeded.versions}
    project = client.get(
        f"/api/v1/projects/{seeded.project['id']}", headers=seeded.customer.headers
    ).json()
    assert project["reward_per_item"] is None
    settings = client.patch(
        f"/api/v1/projects/{seeded.project['id']}",
        json={"overlap": 1},
        headers=seeded.customer.headers,
    )
    assert settings.status_code == 403
