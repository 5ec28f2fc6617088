"""``GET /orgs/{org_id}/audit``: owners read who did what, newest first, by cursor (issue 23)."""

from __future__ import annotations

from support.factories import new_team

API = "/api/v1"


def test_owners_read_role_changes_and_invitations_newest_first_by_cursor(client) -> None:
    team = new_team(client)
    for role in ("reviewer", "annotator", "reviewer"):
        changed = client.patch(
            f"{API}/orgs/{team.org_id}/members/{_member_id(client, team)}",
            json={"role": role},
            headers=team.owner.headers,
        )
        assert changed.status_code == 200, changed.text
    invited = client.post(
        f"{API}/orgs/{team.org_id}/invites",
        json={"role": "annotator"},
        headers=team.manager.headers,
    )
    assert invited.status_code == 201

    first = client.get(f"{API}/orgs/{team.org_id}/audit?limit=2", headers=team.owner.headers)
    assert first.status_code == 200
    body = first.json()
    assert [e["action"] for e in body["events"]] == ["invite.create", "member.role"]
    assert body["events"][0]["actor_name"] == "Manager"
    assert {"member.role", "invite.create", "member.join"} <= set(body["actions"])

    seen, cursor = [], None
    while True:
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        page = client.get(f"{API}/orgs/{team.org_id}/audit{query}", headers=team.owner.headers)
        seen += [e["id"] for e in page.json()["events"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen))
    everything = client.get(f"{API}/orgs/{team.org_id}/audit?limit=200", headers=team.owner.headers)
    assert seen == [e["id"] for e in everything.json()["events"]]

    roles = client.get(
        f"{API}/orgs/{team.org_id}/audit?action=member.role", headers=team.owner.headers
    ).json()
    assert [e["action"] for e in roles["events"]] == ["member.role"] * 3


def test_only_owners_read_it_and_other_organizations_get_404(client, team) -> None:
    denied = client.get(f"{API}/orgs/{team.org_id}/audit", headers=team.manager.headers)
    assert denied.status_code == 403
    stranger = new_team(client)
    foreign = client.get(f"{API}/orgs/{team.org_id}/audit", headers=stranger.owner.headers)
    assert foreign.status_code == 404


def _member_id(client, team) -> int:
    members = client.get(f"{API}/orgs/{team.org_id}/members", headers=team.owner.headers).json()
    rows = members["items"] if isinstance(members, dict) else members
    return next(m["id"] for m in rows if m["user_id"] == team.annotators[0].id)
