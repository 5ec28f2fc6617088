"""Where the API's CPU goes in a reviewer's cycle (``review/next`` + accept) on PostgreSQL.

Run on demand (pytest does not collect it)::

    .venv/bin/python tests/benchmarks/profile_review.py --items 3000 --cycles 1500

A scratch PostgreSQL database and a project set up as ``bench_review``'s load part sets it up
(answers and the review queue written in bulk, ``review_mode = all``); then one reviewer's
cycles are driven through the app in this process (``httpx.ASGITransport``: no sockets, no
server process) on this event loop with the hot path's pool open, under ``cProfile``. Printed:
CPU per cycle of the whole process and of the event loop's thread (the rest is the thread pool:
``run_in_threadpool``), and the profile of the event loop's thread by own time and by
cumulative time. The client's share (httpx) is in the profile and named there: subtract it.
One client, so what is measured is CPU per cycle, not latency under load
(``bench_review.py`` measures that).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import httpx

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "tests" / "benchmarks")]

import bench_distribution as bd  # noqa: E402
import bench_review as br  # noqa: E402

from backend.db import make_engine  # noqa: E402
from backend.migrate import upgrade  # noqa: E402
from support.factories import add_member, new_org, new_project, new_user  # noqa: E402
from support.seed import seed_items  # noqa: E402


def _setup(client: httpx.Client, engine, items: int) -> tuple[int, dict[str, str]]:
    owner = new_user(client, name="Owner")
    org_id = new_org(client, owner, "Profile")
    annotators = []
    for i in range(4):
        account = new_user(client, name=f"Annotator {i}")
        add_member(client, org_id, owner, account, "annotator")
        annotators.append(account)
    reviewer = new_user(client, name="Reviewer")
    add_member(client, org_id, owner, reviewer, "reviewer")
    people = br.People(org_id, owner, annotators, [reviewer])
    team = SimpleNamespace(org_id=org_id, manager=owner)
    project = new_project(
        client,
        team,
        "text_classification",
        overlap=3,
        max_overlap=3,
        gold_rate=0.0,
        review_mode="all",
    )
    pid = project["id"]
    seed_items(project_id=pid, count=items, engine=engine)
    br.answer_in_bulk(engine, pid, people, "expert", seed=7)
    br.finish_in_bulk(engine, pid, people)
    bd.settle(engine, "VACUUM ANALYZE")
    return pid, {"Authorization": f"Bearer {reviewer.token}"}


async def _cycles(
    app, url: str, pid: int, headers: dict, cycles: int, warmup: int, profiled: bool
) -> dict:
    from backend.pg_pool import close_pool, open_pool

    await open_pool(url, max_size=4)
    transport = httpx.ASGITransport(app=app)
    body = {"decision": "accept"}
    result: dict = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def one() -> None:
            lease = await client.post(f"/api/v1/projects/{pid}/review/next", headers=headers)
            assert lease.status_code == 200, lease.text
            rid = lease.json()["review_id"]
            done = await client.post(f"/api/v1/reviews/{rid}/submit", headers=headers, json=body)
            assert done.status_code in (200, 201), done.text

        for _ in range(warmup):
            await one()
        profile = cProfile.Profile()
        wall, cpu, loop_cpu = time.perf_counter(), time.process_time(), time.thread_time()
        if profiled:
            profile.enable()
        for _ in range(cycles):
            await one()
        profile.disable()
        result = {
            "wall": time.perf_counter() - wall,
            "cpu": time.process_time() - cpu,
            "loop_cpu": time.thread_time() - loop_cpu,
            "profile": profile,
        }
    await close_pool()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--cycles", type=int, default=1500)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--dump", type=Path, help="also write the profile (pstats) to this file")
    parser.add_argument(
        "--no-profile", action="store_true", help="CPU per cycle only, without cProfile's overhead"
    )
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    url, drop = bd.pg_scratch(args.pg_url)
    os.environ.update(bd.server_env(url, Path(tempfile.mkdtemp(prefix="jinbiao-profile-"))))
    from backend.settings import get_settings

    get_settings.cache_clear()
    try:
        upgrade(database_url=url)
        from fastapi.testclient import TestClient

        from backend.app import create_app
        from backend.wiring import wire

        wire()
        app = create_app()
        engine = make_engine(url)
        with TestClient(app) as client:  # the setup's calls (its own loop and pool)
            pid, headers = _setup(client, engine, args.items)
        engine.dispose()
        run = asyncio.run(
            _cycles(app, url, pid, headers, args.cycles, args.warmup, not args.no_profile)
        )
    finally:
        drop()
    n = args.cycles
    print(
        f"{n} cycles in {run['wall']:.1f} s: {1000 * run['cpu'] / n:.2f} ms CPU per cycle in "
        f"this process, {1000 * run['loop_cpu'] / n:.2f} ms of it on the event loop's thread "
        f"(client included; wall {1000 * run['wall'] / n:.2f} ms per cycle)"
    )
    if args.no_profile:
        return
    if args.dump:
        run["profile"].dump_stats(args.dump)
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(run["profile"], stream=out)
        stats.sort_stats(order).print_stats(args.top)
        print(f"\n### by {order} (ms are per {n} cycles)\n")
        print(out.getvalue().split("\n", 4)[-1])


if __name__ == "__main__":
    main()
