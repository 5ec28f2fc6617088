"""Driving pay through its real parts: label through the API, recompute and build the ledger as
the workers would, read the ledger back, and emit the events review and lots will emit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from backend import events
from backend.consensus.recompute import recompute_project
from backend.db import get_engine
from backend.pay.build import build_project
from backend.pay.models import PayEntry
from backend.pay.money import money
from backend.wiring import wire


def label(client, who, project_id: int, value: str) -> dict[str, Any]:
    """Lease the next item and submit ``{"label": value}``: the stored annotation."""
    lease = client.post(f"/api/v1/projects/{project_id}/next", headers=who.headers)
    assert lease.status_code == 200, lease.text
    done = client.post(
        f"/api/v1/assignments/{lease.json()['assignment_id']}/submit",
        json={"result": {"label": value}, "duration_ms": 900},
        headers=who.headers,
    )
    assert done.status_code == 201, done.text
    return done.json()


def recompute(project_id: int) -> dict[str, Any]:
    wire()
    with Session(get_engine(), expire_on_commit=False) as session:
        return recompute_project(session=session, project_id=project_id)


def build(project_id: int, *, full: bool = False) -> dict[str, Any]:
    wire()
    with Session(get_engine(), expire_on_commit=False) as session:
        return build_project(session=session, project_id=project_id, full=full)


def entries(project_id: int) -> list[tuple[int | None, int, str, int, Decimal]]:
    """(annotation, annotator, kind, revision, amount) of the project's ledger, in write order."""
    with Session(get_engine()) as session:
        rows = session.execute(
            select(
                PayEntry.annotation_id,
                PayEntry.annotator_id,
                PayEntry.kind,
                PayEntry.revision,
                PayEntry.amount,
            )
            .where(PayEntry.project_id == project_id)
            .order_by(PayEntry.id)
        ).all()
    return [(a, u, k, r, money(m)) for a, u, k, r, m in rows]


def emit(event_type: type, **fields: Any) -> None:
    """Emit an event inside a transaction of its own and commit it, as an emitter would."""
    wire()
    with Session(get_engine(), expire_on_commit=False) as session:
        events.emit(event_type(session=session, **fields))
        session.commit()


def set_pay(client, team, project_id: int, **pay: Any) -> dict[str, Any]:
    answer = client.patch(
        f"/api/v1/projects/{project_id}", json={"pay": pay}, headers=team.manager.headers
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["pay"]


def build_when_started(project_id: int, full: bool, start: Any) -> None:
    """A worker process's body for the race tests: wait for the start signal, then build."""
    import backend.all_models  # noqa: F401  (every table known, as in a worker)

    wire()
    start.wait(30)
    build(project_id, full=full)
