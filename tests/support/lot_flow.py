"""Inspecting a lot as a client would: ``POST /lots/{id}/next``, then judge each lease."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from sqlmodel import Session

from backend.db import get_engine
from backend.lots.inspection import Judgment
from backend.lots.inspection import judge as judge_service
from support.factories import Account


def next_sample(client: httpx.Client, lot_id: int, who: Account) -> httpx.Response:
    return client.post(f"/api/v1/lots/{lot_id}/next", headers=who.headers)


def judge(
    client: httpx.Client,
    review_id: int,
    who: Account,
    decision: str,
    result: dict[str, Any] | None = None,
    reasons: tuple[str, ...] = (),
) -> None:
    """Judge an acceptance lease (the service ``POST /reviews/{id}/submit`` calls)."""
    del client
    with Session(get_engine(), expire_on_commit=False) as session:
        judge_service(
            session=session,
            assignment_id=review_id,
            user_id=who.id,
            judgment=Judgment(decision=decision, result=result, reasons=reasons),
        )


def inspect_all(
    client: httpx.Client, lot_id: int, who: Account, *, decide: Callable[[int], str]
) -> list[int]:
    """Judge every sampled item ``who`` gets, the n-th one with ``decide(n)``; the item ids."""
    seen: list[int] = []
    while True:
        answer = next_sample(client, lot_id, who)
        if answer.status_code == 204:
            return seen
        assert answer.status_code == 200, answer.text
        lease = answer.json()
        decision = decide(len(seen))
        result = lease["consensus"]["result"] if decision == "fix" else None
        reasons = ("错标",) if decision != "accept" else ()
        judge(client, lease["review_id"], who, decision, result, reasons)
        seen.append(lease["item"]["id"])
