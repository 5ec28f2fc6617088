"""Faults under load: nothing acknowledged is lost, clients see 503 + Retry-After, never a 500.

Run on demand (the test ``tests/workers/test_faults.py`` runs it small)::

    JINBIAO_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
    JINBIAO_TEST_BROKER_URL=redis://127.0.0.1:6379/15 \\
        .venv/bin/python tests/benchmarks/faults.py --clients 100 --seconds 150

The stack (``fault_stack.py``): ``jinbiao serve --api-processes 2`` and a separate worker with
beat, on a scratch PostgreSQL database and Redis, each reached through a TCP proxy that is cut
to make the dependency "go down" (the real servers are shared with other work on this machine
and are never stopped). The load: ``--clients`` simulated annotators (one keep-alive connection
each, ``peers/loadgen.py``), answers from the crowd simulator (``support/crowd_simulator.py``),
next → submit on a text-classification project (overlap 3) seeded in bulk, set up as the
distribution benchmark does. Every acknowledged submit (200/201) is logged client side. A 503
must carry ``Retry-After``; the client waits it out (at most 1 s, so recovery is seen to the
second) and goes on.

The faults, one after another with load between them:

1. ``api``: SIGKILL one API process; recovery = seconds until the supervisor runs a replacement.
2. ``worker``: SIGKILL the worker (whole process group) while a recompute is in flight, start it
   again 2 s later; recovery = seconds from the restart until a recompute finishes.
3. ``redis``: the broker unreachable for ``--outage`` s; submits go on being acknowledged (the
   job is sent after commit and its loss is logged), and after the restore the sweep sends the
   recompute again; recovery = seconds from the restore until consensus is computed again.
4. ``postgresql``: the database unreachable for ``--outage`` s (503s); recovery = seconds from
   the restore until the next acknowledged submit.

Afterwards ``write_check.py`` proves from the database that every acknowledged submit is
stored exactly once, no item exceeds its overlap and no annotator answered an item twice.
Results: a table on stdout and, for a run from the command line, ``results/faults.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "tests" / "benchmarks")]

import bench_distribution  # noqa: E402
from fault_stack import Stack  # noqa: E402
from peers import loadgen  # noqa: E402
from write_check import Ack, WriteCheck, check_writes  # noqa: E402

from support.scratch_db import scratch_database  # noqa: E402

RESULTS = REPO / "tests" / "benchmarks" / "results" / "faults.md"
REQUEST_TIMEOUT = 30.0


@dataclass
class Fault:
    name: str
    started: float = 0.0  # time.time()
    ended: float = 0.0  # the dependency restored / the process killed or restarted
    recovered: float | None = None
    note: str = ""

    @property
    def recovery_seconds(self) -> float | None:
        return None if self.recovered is None else max(0.0, self.recovered - self.ended)


@dataclass
class Run:
    clients: int
    seconds: float
    statuses: Counter[str] = field(default_factory=Counter)
    acks: list[Ack] = field(default_factory=list)
    ack_times: list[float] = field(default_factory=list)
    without_retry_after: int = 0
    faults: list[Fault] = field(default_factory=list)
    check: WriteCheck | None = None
    consensus_after: int = 0
    worker_log: str = ""  # the worker's last lines, if it had exited by the end

    @property
    def server_errors(self) -> int:
        return sum(n for key, n in self.statuses.items() if key.split()[-1].startswith("5")) - sum(
            n for key, n in self.statuses.items() if key.endswith(" 503")
        )

    def acked_between(self, start: float, end: float) -> int:
        return sum(1 for t in self.ack_times if start <= t <= end)


# -- the load -----------------------------------------------------------------------------------


async def _call(
    conn: loadgen.Connection, run: Run, name: str, method: str, path: str, **kwargs: Any
) -> tuple[int, bytes]:
    try:
        status, body, headers = await asyncio.wait_for(
            conn.request(method, path, **kwargs), REQUEST_TIMEOUT
        )
    except TimeoutError:
        await conn.close()
        run.statuses[f"{name} timeout"] += 1
        return 0, b""
    except (OSError, asyncio.IncompleteReadError, loadgen.HttpError):
        await conn.close()
        run.statuses[f"{name} connection"] += 1
        await asyncio.sleep(0.2)
        return 0, b""
    run.statuses[f"{name} {status}"] += 1
    if status == 503:
        retry_after = headers.get("retry-after")
        if retry_after is None:
            run.without_retry_after += 1
        await asyncio.sleep(min(float(retry_after or 1), 1.0))
    return status, body


async def _annotator(
    base_port: int, member: Any, user_id: int, project_id: int, run: Run, stop: list[float]
) -> None:
    conn = loadgen.Connection("127.0.0.1", base_port)
    next_path = f"/api/v1/projects/{project_id}/next"
    try:
        while time.monotonic() < stop[0]:
            status, body = await _call(conn, run, "next", "POST", next_path, headers=member.headers)
            if status in (204, 403):  # nothing left, or paused by the quality loop
                return
            if status != 200:
                continue
            lease = loadgen.loads(body)
            result, duration_ms = member.sim.answer(lease["item"])
            status, _ = await _call(
                conn,
                run,
                "submit",
                "POST",
                f"/api/v1/assignments/{lease['assignment_id']}/submit",
                headers=member.headers,
                body=loadgen.dumps({"result": result, "duration_ms": duration_ms}),
            )
            if status in (200, 201):
                run.acks.append(Ack(lease["assignment_id"], lease["item"]["id"], user_id))
                run.ack_times.append(time.time())
    finally:
        await conn.close()


# -- the faults ---------------------------------------------------------------------------------


async def _until(predicate: Any, timeout: float, every: float = 0.2) -> float | None:
    """time.time() when ``predicate()`` (run in a thread) first holds, None on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(predicate):
            return time.time()
        await asyncio.sleep(every)
    return None


async def _faults(stack: Stack, project_id: int, run: Run, gap: float, outage: float) -> None:
    await asyncio.sleep(gap)

    api = Fault("api: SIGKILL one of the API processes", started=time.time())
    victim = await asyncio.to_thread(stack.kill_api_process)
    api.ended = time.time()
    api.recovered = await _until(lambda: stack.api_replaced(victim), 60)
    api.note = "supervisor started a replacement"
    run.faults.append(api)
    await asyncio.sleep(gap)

    worker = Fault("worker: SIGKILL mid-recompute, restart after 2 s")
    in_flight = await _until(lambda: stack.job_in_flight(project_id), 30, every=0.05)
    worker.started = time.time()
    await asyncio.to_thread(stack.kill_worker)
    worker.note = "killed with a recompute in flight" if in_flight else "no job was in flight"
    await asyncio.sleep(2)
    await asyncio.to_thread(stack.start_worker)
    worker.ended = time.time()
    worker.recovered = await _until(
        lambda: (stack.quality_state(project_id)[2] or 0) > worker.ended, 60
    )
    run.faults.append(worker)
    await asyncio.sleep(gap)

    redis = Fault(f"redis: unreachable for {outage:.0f} s", started=time.time())
    assert stack.redis_proxy is not None
    stack.redis_proxy.cut()
    await asyncio.sleep(outage)
    stack.redis_proxy.restore()
    redis.ended = time.time()
    acked = run.acked_between(redis.started, redis.ended)
    # The catch-up: a recompute that started after the restore has finished, so the submits
    # acknowledged while the broker was down are in the consensus.
    redis.recovered = await _until(
        lambda: _caught_up(stack.quality_state(project_id), redis.ended), 90
    )
    after = "consensus recomputed after" if redis.recovered else "consensus NOT recomputed"
    redis.note = f"{acked} submits acknowledged while down; {after}"
    run.faults.append(redis)
    await asyncio.sleep(gap)

    pg = Fault(f"postgresql: unreachable for {outage:.0f} s", started=time.time())
    assert stack.pg_proxy is not None
    stack.pg_proxy.cut()
    await asyncio.sleep(outage)
    stack.pg_proxy.restore()
    pg.ended = time.time()
    pg.recovered = await _until(lambda: any(t > pg.ended for t in run.ack_times[-50:]), 90, 0.05)
    pg.note = f"{run.acked_between(pg.started, pg.ended)} submits acknowledged while down"
    run.faults.append(pg)


def _caught_up(state: tuple[float | None, float | None, float | None], since: float) -> bool:
    _, started, computed = state
    return started is not None and computed is not None and started > since and computed > started


# -- the run ------------------------------------------------------------------------------------


def run_faults(
    *,
    pg_base: str,
    redis_url: str,
    clients: int = 30,
    seconds: float = 60.0,
    outage: float = 6.0,
    items: int = 3000,
    api_processes: int = 2,
) -> Run:
    """Set up, load, inject the four faults, check; returns the run (see the module docstring)."""
    run = Run(clients=clients, seconds=seconds)
    with (
        scratch_database(pg_base, "jinbiao_faults") as database_url,
        tempfile.TemporaryDirectory(prefix="jinbiao-faults-") as workdir,
    ):
        stack = Stack(
            database_url=database_url,
            redis_url=redis_url,
            port=bench_distribution.free_port(),
            api_processes=api_processes,
            workdir=Path(workdir),
        )
        try:
            stack.start()
            args = argparse.Namespace(annotators=clients, items=items, gold_share=0.0)
            crowd = bench_distribution.make_crowd(stack.base, database_url, args)
            members = bench_distribution.members(crowd)
            gap = max(2.0, (seconds - 2 * outage - 10) / 5)

            async def main() -> None:
                # The load runs until the faults are over and recovered, then ``gap`` more
                # seconds (at most three times ``seconds`` in all).
                stop = [time.monotonic() + 3 * seconds]
                load = [
                    _annotator(stack.port, m, a.id, crowd.project_id, run, stop)
                    for m, a in zip(members, crowd.accounts, strict=True)
                ]

                async def faults_then_tail() -> None:
                    await _faults(stack, crowd.project_id, run, gap, outage)
                    stop[0] = min(stop[0], time.monotonic() + gap)

                await asyncio.gather(faults_then_tail(), *load)

            asyncio.run(main())
            _wait_settled(stack, crowd.project_id, max(run.ack_times, default=0.0))
            run.consensus_after = stack.consensus_rows(crowd.project_id)
        finally:
            if stack.worker is not None and stack.worker.poll() is not None:
                run.worker_log = stack.worker_log_tail()
            stack.stop()
        run.check = check_writes(
            database_url=database_url, project_id=crowd.project_id, acks=run.acks
        )
    return run


def _wait_settled(stack: Stack, project_id: int, since: float, timeout: float = 90) -> None:
    """Until a recompute that started after the last acknowledged submit has finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _caught_up(stack.quality_state(project_id), since):
            return
        time.sleep(0.5)


def report(run: Run) -> str:
    assert run.check is not None
    lines = [
        f"{run.clients} simulated annotators, {run.seconds:.0f} s, 2 API processes + 1 worker, "
        "PostgreSQL + Redis through cut-able TCP proxies",
        "",
        "| fault | recovery (s) | note |",
        "| --- | ---: | --- |",
    ]
    for fault in run.faults:
        seconds = fault.recovery_seconds
        shown = "not recovered" if seconds is None else f"{seconds:.1f}"
        lines.append(f"| {fault.name} | {shown} | {fault.note} |")
    lines += ["", "| endpoint and status | answers |", "| --- | ---: |"]
    lines += [f"| {key} | {n} |" for key, n in sorted(run.statuses.items())]
    lines += [
        "",
        f"- 503 answers without Retry-After: {run.without_retry_after}",
        f"- 5xx other than 503: {run.server_errors}",
        f"- {run.check.summary()}",
        f"- consensus rows after the run: {run.consensus_after}",
        f"- write check: {'passed' if run.check.ok else 'FAILED'}",
    ]
    if run.worker_log:
        lines += ["", "The worker had exited; its last lines:", "", "```", run.worker_log, "```"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("JINBIAO_TEST_DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("JINBIAO_TEST_BROKER_URL", ""))
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=150.0)
    parser.add_argument("--outage", type=float, default=15.0)
    parser.add_argument("--items", type=int, default=20_000)
    args = parser.parse_args()
    if not (args.pg_url.startswith("postgresql") and args.redis_url.startswith("redis")):
        raise SystemExit("needs --pg-url postgresql+psycopg://… and --redis-url redis://…")
    run = run_faults(
        pg_base=args.pg_url,
        redis_url=args.redis_url,
        clients=args.clients,
        seconds=args.seconds,
        outage=args.outage,
        items=args.items,
    )
    table = report(run)
    print(table)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    RESULTS.write_text(
        f"# Faults under load\n\n{stamp}, {os.cpu_count()} CPUs, `tests/benchmarks/faults.py "
        f"--clients {args.clients} --seconds {args.seconds:.0f} --outage {args.outage:.0f} "
        f"--items {args.items}`\n\n{table}\n"
    )


if __name__ == "__main__":
    main()
