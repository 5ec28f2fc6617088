"""The annotators' queue through the API, for the tests that drive it: ``next``, ``submit``,
``skip``, a project with seeded items, an item's wanted count set directly, and a manager's
pause of a member."""

from __future__ import annotations

from sqlmodel import Session

from backend.db import get_engine
from backend.items.models import Item
from support.factories import new_project, new_team
from support.seed import seed_items


def nxt(client, who, project_id):
    return client.post(f"/api/v1/projects/{project_id}/next", headers=who.headers)


def submit(client, who, assignment_id, result, duration_ms=1200):
    return client.post(
        f"/api/v1/assignments/{assignment_id}/submit",
        json={"result": result, "duration_ms": duration_ms},
        headers=who.headers,
    )


def skip(client, who, assignment_id):
    return client.post(f"/api/v1/assignments/{assignment_id}/skip", headers=who.headers)


def setup_project(client, *, annotators=3, kind="text_classification", items=5, gold=0, **settings):
    team = new_team(client, annotators=annotators)
    settings.setdefault("gold_rate", 0.0)
    project = new_project(client, team, kind, **settings)
    seeded = seed_items(project_id=project["id"], count=items, gold=gold)
    return team, project, seeded


def set_wanted(item_id: int, wanted: int) -> None:
    with Session(get_engine()) as session:
        item = session.get(Item, item_id)
        item.wanted = wanted
        session.add(item)
        session.commit()


def pause(client, manager, project_id: int, user_id: int, reason: str) -> None:
    """``manager`` pauses ``user_id`` in the project (``POST …/annotators/{id}/pause``)."""
    answer = client.post(
        f"/api/v1/projects/{project_id}/annotators/{user_id}/pause",
        json={"reason": reason},
        headers=manager.headers,
    )
    assert answer.status_code == 200, answer.text
