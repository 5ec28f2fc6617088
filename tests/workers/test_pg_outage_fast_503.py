"""While PostgreSQL is unreachable, requests answer 503 with Retry-After at once (issue 23).

Before, ``next`` and ``submit`` waited for a connection of the hot path's pool for psycopg's
default 30 s (the pool has none to give while it reconnects), and the other routes for
SQLAlchemy's 30 s ``pool_timeout``: clients saw time-outs rather than 503. Both pools now wait
``JINBIAO_DB_POOL_TIMEOUT_SECONDS`` (3 s by default) and the time-out is answered 503
``unavailable`` with Retry-After (``backend/unavailable.py``). The database goes away for the
served API only: the TCP proxy in front of it is cut (``tests/benchmarks/fault_stack.py``). The
client's own time-out (20 s) is the bound: an answer that did not come within it is a failure.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import time

import httpx
import pytest

from support.served_stack import needs_postgresql_and_redis, served_stack

pytestmark = needs_postgresql_and_redis

CLIENT_TIMEOUT = 20.0  # below the 30 s a request used to wait for a pool connection


def _ask(base: str, method: str, path: str, headers: dict[str, str]) -> tuple[int | str, str]:
    """(status, Retry-After) of one request on a fresh connection; ("timeout", "") if none."""
    try:
        answer = httpx.request(method, base + path, headers=headers, timeout=CLIENT_TIMEOUT)
    except httpx.TimeoutException:
        return "timeout", ""
    return answer.status_code, answer.headers.get("retry-after", "")


@pytest.mark.timeout(300)
def test_requests_answer_503_with_retry_after_while_postgresql_is_cut():
    with served_stack("jinbiao_pg_outage", with_worker=False) as (stack, database_url, bench):
        args = argparse.Namespace(annotators=8, items=200, gold_share=0.0)
        crowd = bench.make_crowd(stack.base, database_url, args)
        team = bench.members(crowd)
        next_path = f"/api/v1/projects/{crowd.project_id}/next"
        for member in team:  # both pools hold live connections before the cut
            assert _ask(stack.base, "POST", next_path, member.headers)[0] == 200
            assert _ask(stack.base, "GET", "/api/v1/me", member.headers)[0] == 200

        stack.pg_proxy.cut()
        calls = [("POST", next_path, m.headers) for m in team for _ in range(3)]
        calls += [("GET", "/api/v1/me", m.headers) for m in team for _ in range(2)]
        calls += [("GET", f"/api/v1/projects/{crowd.project_id}", crowd.owner.headers)] * 4
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(calls)) as pool:
            answers = list(pool.map(lambda call: _ask(stack.base, *call), calls))
        statuses = [status for status, _ in answers]
        assert statuses == [503] * len(calls), statuses
        assert all(retry_after.isdigit() for _, retry_after in answers), answers

        stack.pg_proxy.restore()
        deadline = time.monotonic() + 60
        recovered = False
        while time.monotonic() < deadline and not recovered:
            recovered = _ask(stack.base, "POST", next_path, team[0].headers)[0] == 200
            time.sleep(0.5)
        assert recovered, "the API did not answer 200 again after the restore"
        assert _ask(stack.base, "GET", "/api/v1/me", team[1].headers)[0] == 200
