"""Driving a project to review through the public API: label items, recompute, review them."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from backend.consensus.models import Consensus
from backend.consensus.recompute import recompute_project
from backend.db import get_engine
from backend.review.models import ReviewItem


def label_all(client, who, project_id: int, answer_for) -> list[int]:
    """``who`` answers until ``next`` is 204; ``answer_for(item_id, lease)`` gives the result."""
    done = []
    while True:
        lease = client.post(f"/api/v1/projects/{project_id}/next", headers=who.headers)
        if lease.status_code == 204:
            return done
        assert lease.status_code == 200, lease.text
        body = lease.json()
        stored = client.post(
            f"/api/v1/assignments/{body['assignment_id']}/submit",
            json={"result": answer_for(body["item"]["id"], body), "duration_ms": 700},
            headers=who.headers,
        )
        assert stored.status_code == 201, stored.text
        done.append(body["item"]["id"])


def recompute(project_id: int) -> dict[str, Any]:
    with Session(get_engine(), expire_on_commit=False) as session:
        return recompute_project(session=session, project_id=project_id)


def consensus_of(project_id: int) -> dict[int, tuple[dict, float, int]]:
    with Session(get_engine()) as session:
        rows = session.exec(
            select(
                Consensus.item_id, Consensus.result, Consensus.confidence, Consensus.n_annotations
            ).where(Consensus.project_id == project_id)
        ).all()
    return {item_id: (result, confidence, n) for item_id, result, confidence, n in rows}


def review_states(project_id: int) -> dict[int, tuple[str, int]]:
    with Session(get_engine()) as session:
        rows = session.exec(
            select(ReviewItem.item_id, ReviewItem.state, ReviewItem.rework_round).where(
                ReviewItem.project_id == project_id
            )
        ).all()
    return {item_id: (state, rework_round) for item_id, state, rework_round in rows}


def review_next(client, who, project_id: int):
    return client.post(f"/api/v1/projects/{project_id}/review/next", headers=who.headers)


def verdict(client, who, review_id: int, **body: Any):
    return client.post(f"/api/v1/reviews/{review_id}/submit", json=body, headers=who.headers)
