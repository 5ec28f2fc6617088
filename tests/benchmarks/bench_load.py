"""Load: many simulated annotators, reviewers and a manager building exports, on the production
layout.

Run on demand (the issue's run: 500 annotators for 10 minutes, 20 reviewers, a manager)::

    JINBIAO_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
    JINBIAO_TEST_BROKER_URL=redis://127.0.0.1:6379/15 \\
        .venv/bin/python tests/benchmarks/bench_load.py --annotators 500 --seconds 600

The stack is the fault run's (``fault_stack.py``, no fault injected): ``jinbiao serve
--api-processes 4`` and two workers with one beat, on a scratch PostgreSQL database and Redis.
Each simulated annotator (crowd simulator answers, one keep-alive connection each,
``peers/loadgen.py``) loops next → submit, and between the two takes the time the simulator
says the item took a person (``duration_ms``, median 6 s: ``crowd_simulator.AnnotatorProfile``)
times ``--think``; ``--think 0`` is the old no-think-time hammer. The project sends a sample of
its finished items to review (``--review-rate``); ``--reviewers`` reviewers loop review/next →
submit (accept, one in ten a fix with an annotator's answer) with ``--review-think`` seconds per
item; a manager asks for an export every ``--export-every`` seconds. There is no heartbeat
route on this branch, so none is driven. Reported: throughput, p50/p99 per endpoint, CPU seconds
per process (each API process, the workers, the PostgreSQL backends, this client), the most
PostgreSQL connections seen against the configured budget, the load average, and the write
checks of ``write_check.py`` (submits) and ``review_check.py`` (verdicts). Results: stdout and
``results/load.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import psycopg

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "tests" / "benchmarks")]

import bench_distribution  # noqa: E402
import media_load  # noqa: E402
from fault_stack import Stack  # noqa: E402
from peers import loadgen  # noqa: E402
from review_check import ReviewAck, check_reviews  # noqa: E402
from write_check import Ack, check_writes  # noqa: E402

from backend.settings import Settings  # noqa: E402
from support.factories import add_member, new_user  # noqa: E402
from support.scratch_db import scratch_database  # noqa: E402

RESULTS = REPO / "tests" / "benchmarks" / "results" / "load.md"


class Tally:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter[str] = Counter()
        self.acks: list[Ack] = []
        self.review_acks: list[ReviewAck] = []
        self.exports = 0

    async def call(self, conn: loadgen.Connection, name: str, method: str, path: str, **kw):
        started = time.perf_counter()
        try:
            status, body, _ = await asyncio.wait_for(conn.request(method, path, **kw), 60)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, loadgen.HttpError):
            await conn.close()
            self.statuses[f"{name} error"] += 1
            return 0, b""
        self.latency[name].append(time.perf_counter() - started)
        self.statuses[f"{name} {status}"] += 1
        if status == 503:
            await asyncio.sleep(1)
        return status, body


async def annotator(
    port: int, member, user_id: int, project_id: int, tally: Tally, stop: float, think: float
):
    conn = loadgen.Connection("127.0.0.1", port)
    try:
        # People do not start in the same second: spread the first requests over a typical item.
        await asyncio.sleep(random.uniform(0, 6.0 * think))
        first = True
        while time.monotonic() < stop:
            timed = len(tally.latency["next"])
            status, body = await tally.call(
                conn, "next", "POST", f"/api/v1/projects/{project_id}/next", headers=member.headers
            )
            if first and len(tally.latency["next"]) > timed:
                # Also shown apart: the first next of each annotator creates their state row.
                tally.latency["next, each annotator's first"].append(tally.latency["next"][-1])
                first = False
            if status in (204, 403):
                return
            if status != 200:
                continue
            lease = loadgen.loads(body)
            result, duration_ms = member.sim.answer(lease["item"])
            await asyncio.sleep(duration_ms / 1000 * think)  # the person labels the item
            status, _ = await tally.call(
                conn,
                "submit",
                "POST",
                f"/api/v1/assignments/{lease['assignment_id']}/submit",
                headers=member.headers,
                body=loadgen.dumps({"result": result, "duration_ms": duration_ms}),
            )
            if status in (200, 201):
                tally.acks.append(Ack(lease["assignment_id"], lease["item"]["id"], user_id))
    finally:
        await conn.close()


async def reviewer(
    port: int, headers, user_id: int, project_id: int, tally: Tally, stop: float, think: float
):
    conn = loadgen.Connection("127.0.0.1", port)
    rng = random.Random(user_id)
    try:
        await asyncio.sleep(rng.uniform(0, think))
        while time.monotonic() < stop:
            status, body = await tally.call(
                conn,
                "review next",
                "POST",
                f"/api/v1/projects/{project_id}/review/next",
                headers=headers,
            )
            if status == 204:  # nothing waits for review yet
                await asyncio.sleep(5)
                continue
            if status != 200:
                continue
            lease = loadgen.loads(body)
            await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
            verdict: dict = {"decision": "accept"}
            if lease["annotations"] and rng.random() < 0.1:
                verdict = {"decision": "fix", "result": lease["annotations"][0]["result"]}
            status, _ = await tally.call(
                conn,
                "review submit",
                "POST",
                f"/api/v1/reviews/{lease['review_id']}/submit",
                headers=headers,
                body=loadgen.dumps(verdict),
            )
            if status in (200, 201):
                tally.review_acks.append(
                    ReviewAck(lease["review_id"], lease["item"]["id"], user_id, verdict["decision"])
                )
    finally:
        await conn.close()


async def manager(port: int, headers, project_id: int, tally: Tally, stop: float, every: float):
    conn = loadgen.Connection("127.0.0.1", port)
    body = loadgen.dumps({"format": "raw_jsonl", "source": "raw"})
    try:
        while time.monotonic() + every < stop:
            await asyncio.sleep(every)
            status, _ = await tally.call(
                conn,
                "export",
                "POST",
                f"/api/v1/projects/{project_id}/versions",
                headers=headers,
                body=body,
            )
            tally.exports += status == 202
    finally:
        await conn.close()


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) * 1000 if values else 0.0


def run(args: argparse.Namespace) -> str:
    with (
        scratch_database(args.pg_url, "jinbiao_load") as database_url,
        tempfile.TemporaryDirectory(prefix="jinbiao-load-") as workdir,
        contextlib.ExitStack() as services,
    ):
        store = services.enter_context(media_load.s3_server()) if args.s3 else None
        stack = Stack(
            database_url=database_url,
            redis_url=args.redis_url,
            port=bench_distribution.free_port(),
            api_processes=args.api_processes,
            workdir=Path(workdir),
            extra_env=store.env if store else {},
        )
        media = media_load.MediaTally()
        media_lines: list[str] = []
        extra: subprocess.Popen[bytes] | None = None
        try:
            stack.start(fault_delay_seconds=0)
            argv = [sys.executable, "-m", "backend.cli", "worker", "--concurrency", "1"]
            with (Path(workdir) / "worker-2.log").open("ab") as log:  # the second worker
                extra = subprocess.Popen(
                    argv, cwd=REPO, env=stack.worker_env, stdout=log, stderr=subprocess.STDOUT
                )
            ns = argparse.Namespace(annotators=args.annotators, items=args.items, gold_share=0.0)
            crowd = bench_distribution.make_crowd(stack.base, database_url, ns)
            members = bench_distribution.members(crowd)
            reviewers = _add_reviewers(stack.base, crowd, args)
            images = (
                media_load.add_image_project(stack.base, crowd.owner, crowd.org_id, args.images)
                if store
                else None
            )
            pg_pids = bench_distribution.pg_backends(database_url)
            api_pids = stack.api_pids()
            groups = {
                **{
                    f"api process {i + 1}": (lambda pid=pid: [pid])
                    for i, pid in enumerate(api_pids)
                },
                "workers": lambda: (
                    [
                        stack.worker.pid,
                        extra.pid,
                        *loadgen.children(stack.worker.pid),
                        *loadgen.children(extra.pid),
                    ]
                ),
            }
            load_before = os.getloadavg()
            before = {name: loadgen.cpu_seconds(pids()) for name, pids in groups.items()}
            db_before = {pid: loadgen.cpu_seconds([pid]) for pid in pg_pids()}
            tally = Tally()
            most_connections = [0]
            refused = [0]  # samples refused: PostgreSQL had no connection left

            async def sample_connections(stop: float) -> None:
                while time.monotonic() < stop:
                    try:
                        seen = len(await asyncio.to_thread(pg_pids))
                    except psycopg.OperationalError:  # the server is out of connections
                        refused[0] += 1
                    else:
                        most_connections[0] = max(most_connections[0], seen)
                    await asyncio.sleep(2)

            async def main() -> float:
                stop = time.monotonic() + args.seconds
                started = time.perf_counter()
                await asyncio.gather(
                    sample_connections(stop),
                    manager(
                        stack.port,
                        crowd.owner.headers,
                        crowd.project_id,
                        tally,
                        stop,
                        args.export_every,
                    ),
                    *(
                        annotator(stack.port, m, a.id, crowd.project_id, tally, stop, args.think)
                        for m, a in zip(members, crowd.accounts, strict=True)
                    ),
                    *(
                        reviewer(
                            stack.port,
                            r.headers,
                            r.id,
                            crowd.project_id,
                            tally,
                            stop,
                            args.review_think,
                        )
                        for r in reviewers
                    ),
                    *(
                        media_load.viewer(stack.port, crowd.owner.headers, images, media, stop)
                        for _ in range(args.viewers if images else 0)
                    ),
                )
                return time.perf_counter() - started

            cpu_client = time.process_time()
            elapsed = asyncio.run(main())
            cpu = {
                name: loadgen.cpu_seconds(pids()) - before[name] for name, pids in groups.items()
            }
            cpu["postgresql"] = sum(
                loadgen.cpu_seconds([pid]) - db_before.get(pid, 0.0) for pid in pg_pids()
            )
            cpu["client"] = time.process_time() - cpu_client
            load_after = os.getloadavg()
            if store and images:
                media_lines = media_load.check_media(store, images, media)
        finally:
            if extra is not None:
                extra.terminate()
                extra.wait(timeout=30)
            stack.stop()
        check = check_writes(
            database_url=database_url, project_id=crowd.project_id, acks=tally.acks
        )
        review = check_reviews(
            database_url=database_url, project_id=crowd.project_id, acks=tally.review_acks
        )
    machine = elapsed * (os.cpu_count() or 1)
    think = "no think time" if not args.think else f"think time x{args.think:g} of the simulator's"
    lines = [
        f"{args.annotators} simulated annotators ({think}) + {args.reviewers} reviewers "
        f"({args.review_think:g} s per item) + 1 manager exporting every "
        f"{args.export_every:.0f} s"
        + (f" + {args.viewers} clients viewing {args.images} images" if store else "")
        + f", {elapsed:.0f} s, {args.api_processes} API processes + 2 workers, PostgreSQL + Redis"
        + (" + S3 media (moto server)" if store else "")
        + f", {os.cpu_count()} CPUs shared by all of it",
        "",
        f"- load average (1, 5, 15 min) before: {_loads(load_before)}; after: {_loads(load_after)}",
        f"- throughput: {len(tally.acks) / elapsed:.1f} acknowledged submits/s "
        f"({len(tally.acks)} in all); {len(tally.review_acks) / elapsed:.2f} verdicts/s "
        f"({len(tally.review_acks)}); exports requested: {tally.exports}",
        "",
        "| endpoint | requests | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    latency = {**tally.latency, **{f"{k} (S3)": v for k, v in media.latency.items() if v}}
    for name, values in sorted(latency.items()):
        lines.append(f"| {name} | {len(values)} | {pct(values, 50):.0f} | {pct(values, 99):.0f} |")
    lines += ["", "| process group | CPU s | share of the machine |", "| --- | ---: | ---: |"]
    lines += [f"| {k} | {v:.0f} | {v / machine:.0%} |" for k, v in cpu.items()]
    lines += [
        "",
        f"- statuses: {dict(sorted(tally.statuses.items()))}",
        f"- most PostgreSQL connections seen to the database: {most_connections[0]} (the "
        f"configured ceiling: {_connection_budget(args)}); samples refused for want of a "
        f"connection (max_connections reached): {refused[0]}",
        f"- {check.summary()}; write check {'passed' if check.ok else 'FAILED'}",
        f"- {review.summary()}; review check {'passed' if review.ok else 'FAILED'}",
        *([f"- media statuses: {dict(sorted(media.statuses.items()))}"] if store else []),
        *media_lines,
    ]
    return "\n".join(lines)


def _loads(values: tuple[float, float, float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


def _connection_budget(args: argparse.Namespace) -> str:
    """The most connections the configured pools can open (README, "Running at scale")."""
    settings = Settings()
    per_api = settings.db_pool_size + settings.db_pool_max_overflow + settings.pg_pool_size
    per_worker = settings.db_pool_size + settings.db_pool_max_overflow
    worker_processes = 2  # two workers of concurrency 1: the jobs run in one pool child each
    total = args.api_processes * per_api + worker_processes * per_worker
    return (
        f"{args.api_processes} API processes x {per_api} + {worker_processes} worker processes "
        f"x {per_worker} = {total}"
    )


def _add_reviewers(base: str, crowd, args: argparse.Namespace) -> list:
    """Sample review on for the project, and ``--reviewers`` reviewers in its organization."""
    with httpx.Client(base_url=base, timeout=120) as http:
        answer = http.patch(
            f"/api/v1/projects/{crowd.project_id}",
            json={"review_mode": "sample", "review_rate": args.review_rate},
            headers=crowd.owner.headers,
        )
        answer.raise_for_status()
        found = []
        for i in range(args.reviewers):
            account = new_user(http, name=f"Reviewer {i}")
            add_member(http, crowd.org_id, crowd.owner, account, "reviewer")
            found.append(account)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("JINBIAO_TEST_DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("JINBIAO_TEST_BROKER_URL", ""))
    parser.add_argument("--annotators", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--api-processes", type=int, default=4)
    parser.add_argument("--export-every", type=float, default=20.0)
    parser.add_argument("--think", type=float, default=1.0, help="x the simulated labelling time")
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--review-rate", type=float, default=0.2)
    parser.add_argument("--review-think", type=float, default=4.0)
    parser.add_argument(
        "--s3", action="store_true", help="media in an S3 server started here (moto), viewed"
    )
    parser.add_argument("--images", type=int, default=200, help="with --s3: images imported")
    parser.add_argument("--viewers", type=int, default=10, help="with --s3: clients viewing")
    args = parser.parse_args()
    if not (args.pg_url.startswith("postgresql") and args.redis_url.startswith("redis")):
        raise SystemExit("needs --pg-url postgresql+psycopg://… and --redis-url redis://…")
    table = run(args)
    print(table)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = (
        f"tests/benchmarks/bench_load.py --annotators {args.annotators} --seconds "
        f"{args.seconds:.0f} --items {args.items} --think {args.think:g} --reviewers "
        f"{args.reviewers} --api-processes {args.api_processes}"
        + (f" --s3 --images {args.images} --viewers {args.viewers}" if args.s3 else "")
    )
    # The newest run first; earlier runs (and what was said of them) stay below it.
    history = RESULTS.read_text().removeprefix("# Load\n") if RESULTS.exists() else ""
    RESULTS.write_text(f"# Load\n\n## Run of {stamp}\n\n{stamp}, `{command}`\n\n{table}\n{history}")


if __name__ == "__main__":
    main()
