"""Distribution benchmark: next + submit over HTTP against a real server, at a million items.

Run on demand (pytest does not collect it)::

    .venv/bin/python tests/benchmarks/bench_distribution.py            # PostgreSQL and SQLite
    .venv/bin/python tests/benchmarks/bench_distribution.py --items 100000 --databases sqlite

For each database: a scratch database (PostgreSQL: a new database beside ``--pg-url``; SQLite: a
file in a temporary folder), migrated; a uvicorn server in a subprocess pointed at it; a team of
``--annotators`` annotators and a text-classification project (overlap 3, gold rate 0.1) made
over HTTP; ``--items`` items of which ``--gold-share`` are gold, seeded in bulk
(``tests/support/seed.py``). Then, for 1, 8 and 32 concurrent clients, ``--seconds`` of
next + submit cycles: the annotators are shared out among the clients, each client works its
annotators round-robin through the crowd simulator (``tests/support/crowd_simulator.py``) or a
small loop of its own if that module is missing. At the end the database is checked for overlap
violations. The plan of the ``next`` query is printed (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN
QUERY PLAN on SQLite). Results: a markdown table on stdout and in
``tests/benchmarks/results/distribution.md``.

The server runs with cheap Argon2 parameters (200 sign-ups); nothing else differs from the
defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from sqlalchemy import bindparam, text  # noqa: E402

from backend.assignments.picking import open_item_statement  # noqa: E402
from backend.db import UTCDateTime, make_engine  # noqa: E402
from backend.migrate import upgrade  # noqa: E402
from support.factories import add_member, new_org, new_project, new_user  # noqa: E402
from support.seed import Seeded, seed_items  # noqa: E402

try:
    from support import crowd_simulator
except ImportError:  # the simulator is another engineer's module; fall back to our own loop
    crowd_simulator = None

RESULTS = REPO / "tests" / "benchmarks" / "results" / "distribution.md"


@dataclass
class Level:
    database: str
    clients: int
    seconds: float
    cycles: int
    next_latencies: list[float]
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.cycles / self.seconds

    def pct(self, q: float) -> float:
        return float(np.percentile(self.next_latencies, q)) * 1000 if self.next_latencies else 0


# -- server -----------------------------------------------------------------------------------


def server_env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        JINBIAO_ENV="local",
        JINBIAO_DATABASE_URL=database_url,
        JINBIAO_DATA_DIR=str(data_dir),
        JINBIAO_PASSWORD_HASH_TIME_COST="1",
        JINBIAO_PASSWORD_HASH_MEMORY_KIB="1024",
    )
    return env


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "backend.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(argv, cwd=REPO, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- setup ------------------------------------------------------------------------------------


@dataclass
class Crowd:
    project_id: int
    accounts: list[Any]
    seeded: Seeded


def make_crowd(base: str, database_url: str, args: argparse.Namespace) -> Crowd:
    with httpx.Client(base_url=base, timeout=120) as http:
        owner = new_user(http, name="Owner")
        org_id = new_org(http, owner, "Bench Org")
        accounts = []
        for i in range(args.annotators):
            account = new_user(http, name=f"Annotator {i}")
            add_member(http, org_id, owner, account, "annotator")
            accounts.append(account)

        class Team:
            pass

        team = Team()
        team.org_id, team.manager = org_id, owner
        project = new_project(http, team, "text_classification", overlap=3, gold_rate=0.1)
    engine = make_engine(database_url)
    gold = int(args.items * args.gold_share)
    started = time.perf_counter()
    seeded = seed_items(project_id=project["id"], count=args.items, gold=gold, engine=engine)
    print(f"  seeded {args.items:,} items ({gold:,} gold) in {time.perf_counter() - started:.0f} s")
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE items")
            )
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()
    engine.dispose()
    return Crowd(project_id=project["id"], accounts=accounts, seeded=seeded)


PREFILL_ASSIGNMENTS = """
INSERT INTO assignments
  (project_id, item_id, annotator_id, is_gold, status, created_at, expires_at, finished_at)
SELECT i.project_id, i.id, :first_uid + ((i.id + k.n * 67) % :annotators), i.is_gold,
       'submitted', :ts, :ts, :ts
FROM (SELECT id, project_id, is_gold FROM items
      WHERE project_id = :p AND NOT is_gold ORDER BY id LIMIT :n) i
CROSS JOIN (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2) k
"""
PREFILL_ANNOTATIONS = """
INSERT INTO annotations
  (assignment_id, project_id, item_id, annotator_id, result, duration_ms, is_gold,
   review_status, created_at)
SELECT id, project_id, item_id, annotator_id, {result}, 1000, is_gold, 'submitted', :ts
FROM assignments WHERE project_id = :p
"""
PREFILL_COUNTS = """
UPDATE items SET annotation_count = 3
WHERE project_id = :p AND id IN (SELECT item_id FROM assignments WHERE project_id = :p)
"""


def prefill(database_url: str, crowd: Crowd, done: int) -> None:
    """Mark the first ``done`` normal items finished by 3 annotators each, in bulk, so the plan
    of ``next`` is seen with a large assignments table and long annotator histories."""
    ids = sorted(a.id for a in crowd.accounts)
    if ids != list(range(ids[0], ids[0] + len(ids))):
        print("  prefill skipped: annotator ids are not contiguous")
        return
    engine = make_engine(database_url)
    postgresql = engine.dialect.name == "postgresql"
    result = "CAST(:result AS jsonb)" if postgresql else ":result"
    params = {
        "p": crowd.project_id,
        "n": done,
        "first_uid": ids[0],
        "annotators": len(ids),
        "ts": datetime.now(UTC),
        "result": json.dumps({"label": crowd.seeded.labels[0]}),
    }
    stamp = bindparam("ts", type_=UTCDateTime())
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(PREFILL_ASSIGNMENTS).bindparams(stamp), params)
        conn.execute(text(PREFILL_ANNOTATIONS.format(result=result)).bindparams(stamp), params)
        conn.execute(text(PREFILL_COUNTS), params)
    with engine.connect() as conn:
        if postgresql:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()
    engine.dispose()
    print(
        f"  prefilled {done:,} done items ({3 * done:,} annotations) in "
        f"{time.perf_counter() - started:.0f} s"
    )


# -- load -------------------------------------------------------------------------------------


class Worker:
    """One annotator's next + submit cycle, through the simulator when it is there."""

    def __init__(self, base: str, account: Any, crowd: Crowd) -> None:
        self.http = httpx.Client(base_url=base, timeout=120)
        self.account = account
        self.crowd = crowd
        self.next_latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.sim = None
        if crowd_simulator is not None:
            self.sim = crowd_simulator.SimulatedAnnotator(
                self.http,
                username=account.email,
                password=account.password,
                profile=crowd_simulator.AnnotatorProfile.preset("average"),
                project_id=crowd.project_id,
                truth_for=crowd.seeded.truth_for,
                labels=crowd.seeded.labels,
            )
            self.sim.token = account.token

    def cycle(self) -> str:
        if self.sim is not None:
            before = len(self.sim.stats.next_latencies)
            outcome = self.sim.step()
            self.next_latencies.extend(self.sim.stats.next_latencies[before:])
            if outcome == "error":
                self.errors = dict(self.sim.stats.errors)
            return outcome
        headers = self.account.headers
        started = time.perf_counter()
        answer = self.http.post(f"/api/v1/projects/{self.crowd.project_id}/next", headers=headers)
        self.next_latencies.append(time.perf_counter() - started)
        if answer.status_code == 204:
            return "done"
        if answer.status_code != 200:
            self.errors[str(answer.status_code)] = self.errors.get(str(answer.status_code), 0) + 1
            return "error"
        lease = answer.json()
        body = {"result": self.crowd.seeded.truth_for(lease["item"]["id"]), "duration_ms": 900}
        done = self.http.post(
            f"/api/v1/assignments/{lease['assignment_id']}/submit", json=body, headers=headers
        )
        if done.status_code not in (200, 201, 409):
            self.errors[str(done.status_code)] = self.errors.get(str(done.status_code), 0) + 1
            return "error"
        return "submitted"


def run_level(database: str, workers: list[Worker], clients: int, seconds: float) -> Level:
    groups = [workers[i::clients] for i in range(clients)]
    marks = [len(w.next_latencies) for w in workers]
    counts = [0] * clients
    stop = time.perf_counter() + seconds
    barrier = threading.Barrier(clients + 1)

    def drive(n: int) -> None:
        barrier.wait()
        turn = 0
        while time.perf_counter() < stop:
            worker = groups[n][turn % len(groups[n])]
            turn += 1
            if worker.cycle() == "submitted":
                counts[n] += 1

    threads = [threading.Thread(target=drive, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies = [x for w, m in zip(workers, marks, strict=True) for x in w.next_latencies[m:]]
    errors: dict[str, int] = {}
    for w in workers:
        for key, value in w.errors.items():
            errors[key] = errors.get(key, 0) + value
    return Level(database, clients, elapsed, sum(counts), latencies, errors)


# -- checks -----------------------------------------------------------------------------------

VIOLATIONS = """
SELECT
  (SELECT count(*) FROM (
      SELECT a.item_id FROM annotations a JOIN items i ON i.id = a.item_id
      WHERE a.project_id = :p AND NOT i.is_gold
      GROUP BY a.item_id, i.wanted HAVING count(*) > i.wanted) over_done),
  (SELECT count(*) FROM (
      SELECT item_id FROM annotations WHERE project_id = :p
      GROUP BY item_id, annotator_id HAVING count(*) > 1) twice),
  (SELECT count(*) FROM items
   WHERE project_id = :p AND NOT is_gold AND annotation_count > wanted),
  (SELECT count(*) FROM annotations WHERE project_id = :p)
"""


def check(database_url: str, project_id: int) -> dict[str, int]:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        over, twice, counter_over, total = conn.execute(text(VIOLATIONS), {"p": project_id}).one()
    engine.dispose()
    return {
        "items_over_overlap": over,
        "annotator_item_twice": twice,
        "counter_over_wanted": counter_over,
        "annotations": total,
    }


def explain(database_url: str, crowd: Crowd) -> str:
    """The plan of the ``next`` candidate query for one annotator, now."""
    engine = make_engine(database_url)
    postgresql = engine.dialect.name == "postgresql"
    statement = open_item_statement(postgresql=postgresql)
    params = {
        "project_id": crowd.project_id,
        "annotator_id": crowd.accounts[0].id,
        "now": datetime.now(UTC),
    }
    compiled = str(statement)
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgresql else "EXPLAIN QUERY PLAN "
    with engine.begin() as conn:
        query = text(prefix + compiled).bindparams(bindparam("now", type_=UTCDateTime()))
        rows = conn.execute(query, params)
        lines = [" | ".join(str(c) for c in row) for row in rows]
        conn.rollback()
    engine.dispose()
    return "\n".join(lines)


# -- main -------------------------------------------------------------------------------------


def pg_scratch(admin_url: str) -> tuple[str, Callable[[], None]]:
    import psycopg

    name = f"jinbiao_bench_{uuid.uuid4().hex[:8]}"
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return admin_url.rsplit("/", 1)[0] + "/" + name, drop


def bench_database(database: str, args: argparse.Namespace) -> tuple[list[Level], dict, str]:
    scratch = Path(tempfile.mkdtemp(prefix=f"jinbiao-bench-{database}-"))
    if database == "postgresql":
        url, drop = pg_scratch(args.pg_url)
    else:
        url, drop = f"sqlite:///{scratch / 'bench.db'}", lambda: None
    print(f"\n## {database}: {url}")
    server = None
    try:
        upgrade(database_url=url)
        port = free_port()
        server = start_server(server_env(url, scratch), port, args.workers)
        base = f"http://127.0.0.1:{port}"
        crowd = make_crowd(base, url, args)
        if args.prefill:
            prefill(url, crowd, args.prefill)
        plan = explain(url, crowd)
        print(plan)
        workers = [Worker(base, account, crowd) for account in crowd.accounts]
        levels = []
        for clients in args.clients:
            level = run_level(database, workers, clients, args.seconds)
            print(
                f"  {clients:>2} clients: {level.rate:7.1f} cycles/s, next p50 {level.pct(50):.1f}"
                f" p95 {level.pct(95):.1f} p99 {level.pct(99):.1f} ms, errors {level.errors}"
            )
            levels.append(level)
        checks = check(url, crowd.project_id)
        print(f"  checks: {checks}")
        plan_after = explain(url, crowd)
        return levels, checks, f"-- before the run\n{plan}\n\n-- after the run\n{plan_after}"
    finally:
        if server is not None:
            stop_server(server)
        if not args.keep:
            drop()


def markdown(args: argparse.Namespace, results: dict[str, tuple[list[Level], dict, str]]) -> str:
    driver = "crowd simulator" if crowd_simulator is not None else "own loop"
    lines = [
        "# Distribution benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.platform()} · "
        f"{os.cpu_count()} CPUs · Python {platform.python_version()}",
        "",
        f"{args.items:,} items ({args.gold_share:.0%} gold; {args.prefill:,} normal items "
        "already done by 3 annotators each, bulk-inserted before the run), overlap 3, "
        "gold rate 0.1, "
        f"{args.annotators} annotators, text classification; uvicorn with {args.workers} "
        f"worker process(es); clients driven by the {driver}; {args.seconds:g} s per level. "
        "A cycle is one `next` + one `submit`; latencies are of `next`, client side.",
        "",
        "| database | clients | cycles | cycles/s | next p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for levels, _, _ in results.values():
        for lv in levels:
            lines.append(
                f"| {lv.database} | {lv.clients} | {lv.cycles:,} | {lv.rate:.1f} | "
                f"{lv.pct(50):.1f} | {lv.pct(95):.1f} | {lv.pct(99):.1f} | "
                f"{json.dumps(lv.errors) if lv.errors else 0} |"
            )
    lines += ["", "## Checks after the run", ""]
    for database, (_, checks, _) in results.items():
        lines.append(f"- {database}: {json.dumps(checks)}")
    lines += ["", "## Plan of the `next` candidate query, before and after the run", ""]
    for database, (_, _, plan) in results.items():
        lines += [f"### {database}", "", "```", plan, "```", ""]
    lines += [
        "Label Studio comparison: not run (stretch goal of issue 8, not done yet).",
        "",
    ]
    return "\n".join(lines)


def _ints(value: str) -> list[int]:
    return [int(x) for x in value.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--gold-share", type=float, default=0.1)
    parser.add_argument("--annotators", type=int, default=200)
    parser.add_argument(
        "--clients", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8, 32]
    )
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--prefill",
        type=int,
        default=200_000,
        help="normal items marked done by 3 annotators each before the run (0: none)",
    )
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    results = {}
    for database in args.databases.split(","):
        results[database] = bench_database(database, args)
    report = markdown(args, results)
    print("\n" + report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
