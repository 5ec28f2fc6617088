"""Load: many simulated annotators and a manager building exports, on the production layout.

Run on demand::

    JINBIAO_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
    JINBIAO_TEST_BROKER_URL=redis://127.0.0.1:6379/15 \\
        .venv/bin/python tests/benchmarks/bench_load.py --annotators 500 --seconds 120

The stack is the fault run's (``fault_stack.py``, no fault injected): ``jinbiao serve
--api-processes 4`` and two workers with one beat, on a scratch PostgreSQL database and Redis.
Each simulated annotator (crowd simulator answers, one keep-alive connection each,
``peers/loadgen.py``) loops next → submit with no think time, which is far harsher than people
(a person submits every few seconds); a manager asks for a CSV export every ``--export-every``
seconds. There is no heartbeat route and no reviewer queue on this branch yet, so neither is
driven. Reported: cycles per second, p50/p99 per endpoint, CPU seconds per process group (API,
workers, PostgreSQL backends, this client) as a share of the machine, the most PostgreSQL
connections seen, and the write check of ``write_check.py``. Results: stdout and
``results/load.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psycopg

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "tests" / "benchmarks")]

import bench_distribution  # noqa: E402
from fault_stack import Stack  # noqa: E402
from peers import loadgen  # noqa: E402
from write_check import Ack, check_writes  # noqa: E402

from support.scratch_db import scratch_database  # noqa: E402

RESULTS = REPO / "tests" / "benchmarks" / "results" / "load.md"


class Tally:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter[str] = Counter()
        self.acks: list[Ack] = []
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


async def annotator(port: int, member, user_id: int, project_id: int, tally: Tally, stop: float):
    conn = loadgen.Connection("127.0.0.1", port)
    try:
        while time.monotonic() < stop:
            status, body = await tally.call(
                conn, "next", "POST", f"/api/v1/projects/{project_id}/next", headers=member.headers
            )
            if status in (204, 403):
                return
            if status != 200:
                continue
            lease = loadgen.loads(body)
            result, duration_ms = member.sim.answer(lease["item"])
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
    ):
        stack = Stack(
            database_url=database_url,
            redis_url=args.redis_url,
            port=bench_distribution.free_port(),
            api_processes=args.api_processes,
            workdir=Path(workdir),
        )
        extra: subprocess.Popen[bytes] | None = None
        try:
            stack.start(fault_delay_seconds=0)
            argv = [sys.executable, "-m", "backend.cli", "worker", "--concurrency", "1"]
            extra = subprocess.Popen(argv, cwd=REPO, env=stack.worker_env)  # the second worker
            ns = argparse.Namespace(annotators=args.annotators, items=args.items, gold_share=0.0)
            crowd = bench_distribution.make_crowd(stack.base, database_url, ns)
            members = bench_distribution.members(crowd)
            pg_pids = bench_distribution.pg_backends(database_url)
            groups = {
                "api": lambda: loadgen.children(stack.api.pid),
                "workers": lambda: loadgen.children(stack.worker.pid) + loadgen.children(extra.pid),
            }
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
                        annotator(stack.port, m, a.id, crowd.project_id, tally, stop)
                        for m, a in zip(members, crowd.accounts, strict=True)
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
        finally:
            if extra is not None:
                extra.terminate()
                extra.wait(timeout=30)
            stack.stop()
        check = check_writes(
            database_url=database_url, project_id=crowd.project_id, acks=tally.acks
        )
    machine = elapsed * (os.cpu_count() or 1)
    lines = [
        f"{args.annotators} simulated annotators (no think time) + 1 manager exporting every "
        f"{args.export_every:.0f} s, {elapsed:.0f} s, {args.api_processes} API processes + 2 "
        f"workers, PostgreSQL + Redis, {os.cpu_count()} CPUs shared by all of it",
        "",
        f"- throughput: {len(tally.acks) / elapsed:.1f} acknowledged submits/s "
        f"({len(tally.acks)} in all); exports requested: {tally.exports}",
        "",
        "| endpoint | requests | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, values in sorted(tally.latency.items()):
        lines.append(f"| {name} | {len(values)} | {pct(values, 50):.0f} | {pct(values, 99):.0f} |")
    lines += ["", "| process group | CPU s | share of the machine |", "| --- | ---: | ---: |"]
    lines += [f"| {k} | {v:.0f} | {v / machine:.0%} |" for k, v in cpu.items()]
    lines += [
        "",
        f"- statuses: {dict(sorted(tally.statuses.items()))}",
        f"- most PostgreSQL connections seen to the database: {most_connections[0]}; "
        f"samples refused for want of a connection (max_connections reached): {refused[0]}",
        f"- {check.summary()}; write check {'passed' if check.ok else 'FAILED'}",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("JINBIAO_TEST_DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("JINBIAO_TEST_BROKER_URL", ""))
    parser.add_argument("--annotators", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--api-processes", type=int, default=4)
    parser.add_argument("--export-every", type=float, default=20.0)
    args = parser.parse_args()
    if not (args.pg_url.startswith("postgresql") and args.redis_url.startswith("redis")):
        raise SystemExit("needs --pg-url postgresql+psycopg://… and --redis-url redis://…")
    table = run(args)
    print(table)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    RESULTS.write_text(
        f"# Load\n\n{stamp}, `tests/benchmarks/bench_load.py --annotators {args.annotators} "
        f"--seconds {args.seconds:.0f} --items {args.items}`\n\n{table}\n"
    )


if __name__ == "__main__":
    main()
