"""What the exports page shows of each version comes from the version list: the number of items
(``counts.items_total``, once built) and, for a version limited to accepted lots, the accepted
lots it was frozen with (``params.accepted_lots``), so an empty version says why before anyone
downloads it. Also for the client, whose list holds its pseudonymous versions."""

from __future__ import annotations

import pytest

from support.export_seed import build_now, create_version
from support.factories import add_member, new_project, new_team, new_user
from support.lot_seed import finished_items

pytestmark = pytest.mark.usefixtures("client")


def test_the_version_list_says_how_many_items_each_version_holds(client):
    team = new_team(client, annotators=1)
    customer = new_user(client, name="Client Person")
    add_member(client, team.org_id, team.owner, customer, "client")
    project = new_project(client, team, "text_classification")
    finished_items(project, 7, [team.annotators[0].id])
    headers = customer.headers

    queued = create_version(client, project, headers, format="jsonl", only_accepted_lots=True)
    assert queued["status"] == "queued" and queued["counts"] == {}
    empty = build_now(client, queued["id"], headers)
    full = build_now(
        client, create_version(client, project, headers, format="jsonl")["id"], headers
    )

    listed = client.get(f"/api/v1/projects/{project['id']}/versions", headers=headers)
    assert listed.status_code == 200, listed.text
    by_id = {v["id"]: v for v in listed.json()}
    assert by_id[empty["id"]]["status"] == "ready"
    assert by_id[empty["id"]]["counts"]["items_total"] == 0
    assert by_id[empty["id"]]["params"]["accepted_lots"] == []  # no lot accepted then
    assert by_id[empty["id"]]["params"]["source"] == "consensus"
    assert by_id[full["id"]]["counts"]["items_total"] == 7
    assert "accepted_lots" not in by_id[full["id"]]["params"]
