"""One batch to an outside model over HTTP: timeouts, retries with backoff, a checked answer.

The protocol (examples/README.md): ``POST url`` with ``{project_id, kind, labels, items: [{id,
kind, text | media_url, width, height}]}``; the answer is ``{results: [{id, result, score}]}``
with each ``result`` in the project's result shape. A timeout, a connection error or a 5xx / 429
answer is retried with exponential backoff and full jitter (M. Brooker, "Exponential Backoff
And Jitter", AWS Architecture Blog, 2015); a 4xx or an answer that is not that JSON is not
(asking again would get the same). What comes back is only parsed here; the results are checked
against the project's kind by the caller (``endpoint_run``). The call goes only to an address
the server may call (``destinations``: public, or a network the operator allows; else the batch
is dropped as ``blocked``), and the answer is read up to ``MAX_ANSWER_BYTES``, no further.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from backend.security.destinations import DestinationRefused, Pinned, pinned

RETRIES = 2
BACKOFF_S = 0.5
MAX_ANSWER_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class BatchAnswer:
    """The parsed results by item id, or why the batch gave none (``reason``, ``detail``)."""

    results: dict[int, dict[str, Any]] = field(default_factory=dict)
    reason: str = ""
    detail: str = ""
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return not self.reason


def post_batch(
    *,
    url: str,
    timeout_s: float,
    payload: dict[str, Any],
    retries: int = RETRIES,
    backoff_s: float = BACKOFF_S,
    sleep: Callable[[float], None] = time.sleep,
) -> BatchAnswer:
    """Send one batch; the answer's results, or the reason it failed after the retries."""
    reason, detail = "", ""
    for attempt in range(retries + 1):
        if attempt:
            sleep(random.uniform(0, backoff_s * 2 ** (attempt - 1)))
        try:
            target = pinned(url)  # resolved and checked at each attempt (``destinations``)
        except DestinationRefused as exc:
            return BatchAnswer(reason="blocked", detail=str(exc)[:500], attempts=attempt + 1)
        try:
            status, content = _post(target, payload, timeout_s)
        except httpx.TimeoutException:
            reason, detail = "timeout", f"no answer within {timeout_s:g} s"
            continue
        except httpx.HTTPError as exc:
            reason, detail = "unreachable", f"{type(exc).__name__}: {exc}"[:500]
            continue
        if status >= 500 or status == 429:
            reason, detail = "http_error", f"HTTP {status}"
            continue
        if status >= 400:
            return BatchAnswer(reason="http_error", detail=f"HTTP {status}", attempts=attempt + 1)
        return _parse(content, attempts=attempt + 1)
    return BatchAnswer(reason=reason, detail=detail, attempts=retries + 1)


def _post(target: Pinned, payload: dict[str, Any], timeout_s: float) -> tuple[int, bytes | None]:
    """The answer's status and body; ``None`` for a body over ``MAX_ANSWER_BYTES`` (read no
    further than that: the model's answer is not trusted to be small)."""
    with (
        httpx.Client(timeout=timeout_s, follow_redirects=False) as http,
        http.stream(
            "POST",
            target.url,
            json=payload,
            headers=target.headers,
            extensions=target.extensions,
        ) as answer,
    ):
        chunks, size = [], 0
        for chunk in answer.iter_bytes():
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                return answer.status_code, None
            chunks.append(chunk)
        return answer.status_code, b"".join(chunks)


def _parse(content: bytes | None, *, attempts: int) -> BatchAnswer:
    if content is None:
        return BatchAnswer(reason="invalid_json", detail="answer too large", attempts=attempts)
    try:
        body = json.loads(content)
    except ValueError as exc:
        return BatchAnswer(reason="invalid_json", detail=str(exc)[:300], attempts=attempts)
    rows = body.get("results") if isinstance(body, dict) else None
    if not isinstance(rows, list):
        return BatchAnswer(
            reason="invalid_json", detail="the answer has no list 'results'", attempts=attempts
        )
    results: dict[int, dict[str, Any]] = {}
    for row in rows:
        if isinstance(row, dict) and isinstance(row.get("id"), int):
            results[row["id"]] = row
    return BatchAnswer(results=results, attempts=attempts)
