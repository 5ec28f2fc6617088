"""Making a lot and inspecting it as a client would: ``POST /projects/{id}/lots``, then
``POST /lots/{id}/next`` and a verdict on each lease."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from support.factories import Account


def make_lot(client: httpx.Client, project_id: int, who: Account, **body: Any) -> dict[str, Any]:
    """A lot of ``project_id`` made by ``who`` (``item_ids``, ``aql``, ...); 201 expected."""
    answer = client.post(f"/api/v1/projects/{project_id}/lots", json=body, headers=who.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def next_sample(client: httpx.Client, lot_id: int, who: Account) -> httpx.Response:
    return client.post(f"/api/v1/lots/{lot_id}/next", headers=who.headers)


def judge(
    client: httpx.Client,
    review_id: int,
    who: Account,
    decision: str,
    result: dict[str, Any] | None = None,
    reasons: tuple[str, ...] = (),
) -> httpx.Response:
    """Judge an acceptance lease with ``POST /reviews/{review_id}/submit``; 201 expected."""
    body: dict[str, Any] = {"decision": decision, "reasons": list(reasons)}
    if result is not None:
        body["result"] = result
    answer = client.post(f"/api/v1/reviews/{review_id}/submit", json=body, headers=who.headers)
    assert answer.status_code == 201, answer.text
    return answer


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
