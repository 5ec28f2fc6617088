"""Distribution benchmark: next + submit over HTTP against a real server, at a million items.

Run on demand (pytest does not collect it)::

    .venv/bin/python tests/benchmarks/bench_distribution.py            # PostgreSQL and SQLite
    .venv/bin/python tests/benchmarks/bench_distribution.py --items 100000 --databases sqlite
    .venv/bin/python tests/benchmarks/bench_distribution.py --peer-items 10000 \
        --ls-venv /tmp/lsvenv                                          # with Label Studio

For each database: a scratch database (PostgreSQL: a new database beside ``--pg-url``; SQLite: a
file in a temporary folder), migrated; the API as ``jinbiao serve`` runs it (``postgresql``: it
connects to PostgreSQL over TCP as ``--pg-url`` says; ``postgresql-socket``: over the Unix socket
in ``--pg-socket``, as on a machine that runs both) in a subprocess pointed at it; a team of
``--annotators`` annotators and a text-classification project (overlap 3, gold rate 0.1) made
over HTTP; ``--items`` items of which ``--gold-share`` are gold, seeded in bulk
(``tests/support/seed.py``). Then, for each ``--workers`` setting and for 1, 8 and 32 concurrent
clients, ``--seconds`` of next + submit cycles: the annotators are shared out among the clients,
each client works its annotators round-robin; the answers are the crowd simulator's
(``tests/support/crowd_simulator.py``, "average" profile). At the end the database is checked
for overlap violations. The plan of the ``next`` query is printed (EXPLAIN ANALYZE on PostgreSQL,
EXPLAIN QUERY PLAN on SQLite). Results: a markdown table on stdout and in
``tests/benchmarks/results/distribution.md``.

The load comes from ``peers/loadgen.py``: asyncio keep-alive connections in this one process,
so that on a 2-CPU machine the client takes a small share of the CPU; each level reports the CPU
that the client, the server (all uvicorn processes) and PostgreSQL (the backends of the scratch
database) used, as a share of the machine, with the load average.

``--peer-items`` adds the comparison with Label Studio (``peers/label_studio.py``): for each size,
a Jinbiao project of that many items (no gold, overlap 3) in the same scratch databases, and a
Label Studio project of that many tasks (``maximum_annotations`` 3), driven by the same client at
the same client counts, one after the other in this run; the ratio of cycles per second is
printed side by side, with the overlap violations of both.

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
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "tests" / "benchmarks")]

from peers import loadgen  # noqa: E402
from peers.label_studio import LabelStudio  # noqa: E402
from peers.label_studio import make_cycle as ls_cycle  # noqa: E402
from sqlalchemy import bindparam, text  # noqa: E402

from backend.assignments.picking import open_item_statement  # noqa: E402
from backend.db import UTCDateTime, make_engine  # noqa: E402
from backend.migrate import upgrade  # noqa: E402
from support import crowd_simulator  # noqa: E402
from support.factories import add_member, new_org, new_project, new_user  # noqa: E402
from support.seed import TEXT, Seeded, seed_items, truth  # noqa: E402

RESULTS = REPO / "tests" / "benchmarks" / "results" / "distribution.md"


@dataclass
class Level:
    database: str
    workers: int
    clients: int
    seconds: float
    stats: loadgen.ClientStats
    cpu: dict[str, float] = field(default_factory=dict)  # share of the machine, 0..1
    load: str = ""
    items: int = 0

    @property
    def cycles(self) -> int:
        return self.stats.cycles

    @property
    def rate(self) -> float:
        return self.cycles / self.seconds

    @property
    def errors(self) -> dict[str, int]:
        return self.stats.errors

    def pct(self, q: float, which: str = "next") -> float:
        values = self.stats.next_latencies if which == "next" else self.stats.submit_latencies
        return float(np.percentile(values, q)) * 1000 if values else 0

    def line(self) -> str:
        cpu = " ".join(f"{k} {v:.0%}" for k, v in self.cpu.items())
        return (
            f"  {self.database} {self.items:,} items w{self.workers} {self.clients:>2} clients: "
            f"{self.rate:7.1f} "
            f"cycles/s, next p50 {self.pct(50):.1f} p95 {self.pct(95):.1f} p99 {self.pct(99):.1f}"
            f" ms, submit p50 {self.pct(50, 'submit'):.1f} ms, errors {self.errors}, "
            f"paused {self.stats.paused}, cpu {cpu}, load {self.load}, "
            f"cpu ms/cycle server {self.cpu_ms('server'):.1f} db {self.cpu_ms('postgres'):.1f} "
            f"client {self.cpu_ms('client'):.2f}"
        )

    def cpu_ms(self, who: str) -> float:
        """CPU milliseconds per cycle spent by ``who``."""
        used = self.cpu.get(who, 0.0) * self.seconds * (os.cpu_count() or 1)
        return used * 1000 / self.cycles if self.cycles else 0.0


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
    # The production command (``backend/serving.py``: one SO_REUSEPORT listener per process),
    # without the Celery worker, access log or info logging.
    argv = [
        sys.executable,
        "-m",
        "backend.cli",
        "serve",
        "--no-worker",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--api-processes",
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
    org_id: int = 0
    owner: Any = None


def make_crowd(base: str, database_url: str, args: argparse.Namespace) -> Crowd:
    with httpx.Client(base_url=base, timeout=120) as http:
        owner = new_user(http, name="Owner")
        org_id = new_org(http, owner, "Bench Org")
        accounts = []
        for i in range(args.annotators):
            account = new_user(http, name=f"Annotator {i}")
            add_member(http, org_id, owner, account, "annotator")
            accounts.append(account)
    crowd = Crowd(0, accounts, None, org_id, owner)  # type: ignore[arg-type]
    return add_project(base, database_url, crowd, args.items, int(args.items * args.gold_share))


def add_project(base: str, database_url: str, crowd: Crowd, items: int, gold: int) -> Crowd:
    """A new project of the crowd's organization with ``items`` seeded items."""

    class Team:
        pass

    team = Team()
    team.org_id, team.manager = crowd.org_id, crowd.owner
    gold_rate = 0.1 if gold else 0.0
    with httpx.Client(base_url=base, timeout=120) as http:
        project = new_project(http, team, "text_classification", overlap=3, gold_rate=gold_rate)
    engine = make_engine(database_url)
    started = time.perf_counter()
    seeded = seed_items(project_id=project["id"], count=items, gold=gold, engine=engine)
    print(f"  seeded {items:,} items ({gold:,} gold) in {time.perf_counter() - started:.0f} s")
    settle(engine, "VACUUM ANALYZE items")
    engine.dispose()
    return Crowd(project["id"], crowd.accounts, seeded, crowd.org_id, crowd.owner)


def settle(engine: Any, vacuum: str) -> None:
    """After a bulk load: fresh statistics, and on PostgreSQL a checkpoint, so that the load's
    dirty pages are written now and not by the backends of the first measured level."""
    with engine.connect() as conn:
        if engine.dialect.name != "postgresql":
            conn.execute(text("ANALYZE"))
            conn.commit()
            return
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text(vacuum))
        try:
            conn.execute(text("CHECKPOINT"))
        except Exception as exc:  # needs superuser or pg_checkpoint; the run goes on without
            print(f"  no checkpoint after the load: {exc.__class__.__name__}")


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
    settle(engine, "VACUUM ANALYZE")
    engine.dispose()
    print(
        f"  prefilled {done:,} done items ({3 * done:,} annotations) in "
        f"{time.perf_counter() - started:.0f} s"
    )


# -- load -------------------------------------------------------------------------------------


@dataclass
class Member:
    """One annotator as a client works it: its token and its simulated answers."""

    headers: dict[str, str]
    sim: Any


def members(crowd: Crowd) -> list[Member]:
    found = []
    for account in crowd.accounts:
        sim = crowd_simulator.SimulatedAnnotator(
            None,  # the simulator only answers here; peers.loadgen carries the requests
            username=account.email,
            password=account.password,
            profile=crowd_simulator.AnnotatorProfile.preset("average"),
            project_id=crowd.project_id,
            truth_for=crowd.seeded.truth_for,
            labels=crowd.seeded.labels,
        )
        found.append(Member({"Authorization": f"Bearer {account.token}"}, sim))
    return found


def jinbiao_cycle(project_id: int) -> loadgen.Cycle:
    next_path = f"/api/v1/projects/{project_id}/next"

    async def cycle(conn: loadgen.Connection, member: Member, stats: loadgen.ClientStats) -> str:
        started = time.perf_counter()
        status, body, _ = await conn.request("POST", next_path, headers=member.headers)
        stats.next_latencies.append(time.perf_counter() - started)
        if status == 204:
            stats.nothing_left += 1
            return "done"
        if status == 403:  # paused by rule 5: the simulated annotator failed its gold
            stats.paused += 1
            return "done"
        if status != 200:
            stats.error(f"next {status}")
            return "error"
        lease = loadgen.loads(body)
        result, duration_ms = member.sim.answer(lease["item"])
        payload = loadgen.dumps({"result": result, "duration_ms": duration_ms})
        started = time.perf_counter()
        status, _, _ = await conn.request(
            "POST",
            f"/api/v1/assignments/{lease['assignment_id']}/submit",
            headers=member.headers,
            body=payload,
        )
        stats.submit_latencies.append(time.perf_counter() - started)
        if status in (200, 201, 409):
            return "submitted"
        if status == 403:
            stats.paused += 1
            return "done"
        stats.error(f"submit {status}")
        return "error"

    return cycle


def pg_backends(database_url: str) -> Callable[[], list[int]]:
    """A function listing the PostgreSQL backend pids of the scratch database."""
    if not database_url.startswith("postgresql"):
        return list
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    plain = database_url.replace("postgresql+psycopg://", "postgresql://", 1)

    def pids() -> list[int]:
        with psycopg.connect(plain, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchall()
        return [row[0] for row in rows]

    return pids


def run_level(
    *,
    label: str,
    workers: int,
    port: int,
    groups: list[list[Any]],
    cycle: loadgen.Cycle,
    seconds: float,
    server_pids: Callable[[], list[int]],
    db_pids: Callable[[], list[int]],
    items: int = 0,
) -> Level:
    """``len(groups)`` clients for ``seconds``, with the CPU each side used."""
    before_server = {pid: loadgen.cpu_seconds([pid]) for pid in server_pids()}
    before_db = {pid: loadgen.cpu_seconds([pid]) for pid in db_pids()}
    busy0, total0, steal0 = loadgen.machine_busy()
    stats, elapsed, client_cpu = loadgen.run_clients(
        host="127.0.0.1", port=port, groups=groups, cycle=cycle, seconds=seconds
    )
    busy1, total1, steal1 = loadgen.machine_busy()
    load = loadgen.load_average()

    def used(before: dict[int, float], pids: list[int]) -> float:
        return sum(loadgen.cpu_seconds([pid]) - before.get(pid, 0.0) for pid in pids)

    capacity = elapsed * (os.cpu_count() or 1)
    cpu = {
        "client": client_cpu / capacity,
        "server": used(before_server, server_pids()) / capacity,
    }
    pids = db_pids()
    if pids:
        cpu["postgres"] = used(before_db, pids) / capacity
    cpu["machine"] = (busy1 - busy0) / max(total1 - total0, 1)
    cpu["steal"] = (steal1 - steal0) / max(total1 - total0, 1)
    level = Level(label, workers, len(groups), elapsed, stats, cpu, load, items)
    print(level.line(), flush=True)
    return level


def share(items: list[Any], clients: int) -> list[list[Any]]:
    return [items[i::clients] for i in range(clients)]


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


def local_socket_url(url: str, folder: str) -> str:
    """The same database through PostgreSQL's Unix socket in ``folder`` instead of TCP.

    What libpq does by default on the database's own machine; here the API, PostgreSQL and
    the load share 2 CPUs, and a round trip over the socket costs both sides less kernel time
    than one over loopback TCP.
    """
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    query = {"host": folder, **({"port": str(parsed.port)} if parsed.port else {})}
    return parsed._replace(host=None, port=None, query=query).render_as_string(hide_password=False)


def pg_scratch(admin_url: str) -> tuple[str, Callable[[], None]]:
    from support.scratch_db import database_and_dropper

    return database_and_dropper(admin_url, "jinbiao_bench")


@dataclass
class Outcome:
    levels: list[Level]
    checks: dict[str, Any]
    plan: str
    peer_levels: list[Level] = field(default_factory=list)
    peer_checks: dict[str, dict[str, Any]] = field(default_factory=dict)


def bench_database(database: str, args: argparse.Namespace) -> Outcome:
    scratch = Path(tempfile.mkdtemp(prefix=f"jinbiao-bench-{database}-"))
    if database.startswith("postgresql"):
        url, drop = pg_scratch(args.pg_url)
    else:
        url, drop = f"sqlite:///{scratch / 'bench.db'}", lambda: None
    print(f"\n## {database}: {url}", flush=True)
    server = None
    db_pids = pg_backends(url)
    try:
        upgrade(database_url=url)
        port = free_port()
        served = local_socket_url(url, args.pg_socket) if database == "postgresql-socket" else url
        env = server_env(served, scratch)
        server = start_server(env, port, args.workers[0])
        base = f"http://127.0.0.1:{port}"
        crowd = make_crowd(base, url, args)
        if args.prefill:
            prefill(url, crowd, args.prefill)
        # A fresh project per size and repeat: a 10,000-item project is nearly done after one
        # pass of the three client counts, and a level must not measure the end of a project.
        peers = [
            add_project(base, url, crowd, n, 0) for _ in range(args.repeat) for n in args.peer_items
        ]
        plan = explain(url, crowd)
        print(plan)
        levels: list[Level] = []
        peer_levels: list[Level] = []
        for workers in args.workers:
            if server is None:
                server = start_server(env, port, workers)
            root = server.pid

            def pids(root: int = root) -> list[int]:
                return loadgen.children(root)

            team = members(crowd)
            for _ in range(args.repeat):
                for clients in args.clients:
                    levels.append(
                        run_level(
                            label=database,
                            workers=workers,
                            port=port,
                            groups=share(team, clients),
                            cycle=jinbiao_cycle(crowd.project_id),
                            seconds=args.seconds,
                            server_pids=pids,
                            db_pids=db_pids,
                            items=args.items,
                        )
                    )
            if workers == args.workers[0]:
                for peer in peers:
                    team = members(peer)
                    for clients in args.peer_clients:
                        level = run_level(
                            label=database,
                            workers=workers,
                            port=port,
                            groups=share(team, clients),
                            cycle=jinbiao_cycle(peer.project_id),
                            seconds=args.peer_seconds,
                            server_pids=pids,
                            db_pids=db_pids,
                            items=len(peer.seeded.item_ids),
                        )
                        peer_levels.append(level)
            stop_server(server)
            server = None
        checks = check(url, crowd.project_id)
        print(f"  checks: {checks}")
        peer_checks = {
            f"{len(p.seeded.item_ids):,} items, project {p.project_id}": check(url, p.project_id)
            for p in peers
        }
        if peer_checks:
            print(f"  checks of the Label Studio-sized projects: {peer_checks}")
        plan_after = explain(url, crowd)
        plans = f"-- before the run\n{plan}\n\n-- after the run\n{plan_after}"
        return Outcome(levels, checks, plans, peer_levels, peer_checks)
    finally:
        if server is not None:
            stop_server(server)
        if not args.keep:
            drop()


def bench_label_studio(args: argparse.Namespace) -> Outcome:
    """The same cycle against Label Studio, one project per size in ``--peer-items``."""
    scratch = Path(tempfile.mkdtemp(prefix="jinbiao-bench-ls-"))
    ls = LabelStudio(venv=args.ls_venv, data_dir=scratch, port=free_port())
    print(f"\n## Label Studio {ls.version()} in {scratch}", flush=True)
    print(f"  started in {ls.start():.0f} s", flush=True)
    labels = ["bearing", "gearbox", "motor", "other"]
    try:
        team = ls.add_annotators(max(args.peer_clients), tag=uuid.uuid4().hex[:6])
        levels, checks = [], {}
        for size in args.peer_items:
            project_id = ls.create_project(title=f"bench {size}", labels=labels, overlap=3)
            took = ls.import_tasks(project_id, lambda n: TEXT.format(n=n), size)
            print(f"  imported {size:,} tasks in {took:.0f} s", flush=True)

            def answer(task_id: int) -> str:
                return truth(task_id, "text_classification", labels)["label"]

            for clients in [c for _ in range(args.repeat) for c in args.peer_clients]:
                level = run_level(
                    label="label-studio",
                    workers=1,
                    port=ls.port,
                    groups=share(team[:clients], clients),
                    cycle=ls_cycle(project_id, answer),
                    seconds=args.peer_seconds,
                    server_pids=ls.pids,
                    db_pids=list,
                    items=size,
                )
                levels.append(level)
            checks[f"{size:,} items"] = ls.check(project_id, overlap=3)
            print(f"  checks: {checks[f'{size:,} items']}", flush=True)
        locked = ls.log_count("database is locked")
        for size in checks:
            checks[size]["log_database_is_locked"] = locked
        return Outcome([], {}, "", levels, checks)
    finally:
        ls.stop()


def _level_row(lv: Level) -> str:
    cpu = " / ".join(f"{lv.cpu.get(k, 0):.0%}" for k in ("client", "server", "postgres"))
    return (
        f"| {lv.database} | {lv.items:,} | {lv.workers} | {lv.clients} | {lv.cycles:,} | "
        f"{lv.rate:.1f} | {lv.pct(50):.1f} | {lv.pct(95):.1f} | {lv.pct(99):.1f} | "
        f"{lv.pct(50, 'submit'):.1f} | {lv.pct(99, 'submit'):.1f} | "
        f"{json.dumps(lv.errors) if lv.errors else 0} | {cpu} | {lv.cpu.get('machine', 0):.0%} | "
        f"{lv.cpu.get('steal', 0):.0%} | {lv.load} |"
    )


HEADER = [
    "| database | items | workers | clients | cycles | cycles/s | next p50 ms | p95 ms | p99 ms "
    "| submit p50 ms | submit p99 ms | errors | CPU client / server / postgres | machine busy "
    "| steal | load avg |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---|",
]


def _medians(levels: list[Level]) -> dict[tuple[str, int, int], dict[str, float]]:
    """Per (database, items, clients): the median over repeated runs of each figure."""
    groups: dict[tuple[str, int, int], list[Level]] = {}
    for lv in levels:
        groups.setdefault((lv.database, lv.items, lv.clients), []).append(lv)
    return {
        key: {
            "rate": float(np.median([lv.rate for lv in runs])),
            "p50": float(np.median([lv.pct(50) for lv in runs])),
            "p99": float(np.median([lv.pct(99) for lv in runs])),
            "steal": float(np.median([lv.cpu.get("steal", 0.0) for lv in runs])),
        }
        for key, runs in groups.items()
    }


def markdown(args: argparse.Namespace, results: dict[str, Outcome]) -> str:
    lines = [
        "# Distribution benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.platform()} · "
        f"{os.cpu_count()} CPUs · Python {platform.python_version()}",
        "",
        "Host speed (`peers/loadgen.host_speed_ms`, a fixed piece of Python and SQLite work on "
        "one CPU, lower is faster; compare it before comparing runs of different days): "
        f"{args.host_speed[0]:.0f} ms before the run, {args.host_speed[-1]:.0f} ms after.",
        "",
        f"{args.items:,} items ({args.gold_share:.0%} gold; {args.prefill:,} normal items "
        "already done by 3 annotators each, bulk-inserted before the run), overlap 3, "
        "gold rate 0.1, "
        f"{args.annotators} annotators, text classification; `jinbiao serve --api-processes "
        f"{', '.join(map(str, args.workers))}` (uvicorn, one listener per process); answers by "
        "the crowd simulator, requests by `peers/loadgen.py` (asyncio, one process); "
        f"{args.seconds:g} s per level. A cycle is one `next` + one `submit`; latencies are "
        "client side. CPU is the share of the whole machine (100% = both CPUs) used by the "
        "client process, the uvicorn processes and the PostgreSQL backends of the scratch "
        "database; machine busy counts everything, other engineers' work included; steal is "
        "the share of the virtual CPUs the hypervisor gave to other machines (counted in busy).",
        "",
        *HEADER,
    ]
    main_rows = [
        lv
        for database, outcome in results.items()
        if database != "label-studio"
        for lv in outcome.levels
    ]
    lines += [_level_row(lv) for lv in main_rows]
    if args.repeat > 1:
        lines += [
            "",
            f"Medians of the {args.repeat} runs of each level:",
            "",
            "| database | items | clients | cycles/s | next p50 ms | next p99 ms | steal |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for (database, items, clients), m in _medians(main_rows).items():
            lines.append(
                f"| {database} | {items:,} | {clients} | {m['rate']:.1f} | {m['p50']:.1f} | "
                f"{m['p99']:.1f} | {m['steal']:.0%} |"
            )
    lines += ["", "## Checks after the run", ""]
    for database, outcome in results.items():
        if database != "label-studio":
            lines.append(f"- {database}: {json.dumps(outcome.checks)}")
    peer_rows = [lv for outcome in results.values() for lv in outcome.peer_levels]
    if peer_rows:
        lines += [
            "",
            "## Label Studio in the same run",
            "",
            f"Projects of {', '.join(f'{n:,}' for n in args.peer_items)} items/tasks, overlap 3 "
            "(`maximum_annotations` 3 in Label Studio), no gold, the same client; Label Studio "
            "with its default start (SQLite, one process), one user per client. "
            f"{args.peer_seconds:g} s per level.",
            "",
            *HEADER,
            *[_level_row(lv) for lv in peer_rows],
            "",
            "| items | clients | database | Jinbiao cycles/s | Label Studio cycles/s | ratio |",
            "|---:|---:|---|---:|---:|---:|",
        ]
        theirs_by = _medians(results.get("label-studio", Outcome([], {}, "")).peer_levels)
        for (database, items, clients), ours in _medians(peer_rows).items():
            if database == "label-studio":
                continue
            theirs = theirs_by.get(("label-studio", items, clients))
            ratio = f"{ours['rate'] / theirs['rate']:.0f}×" if theirs else "n/a"
            their_rate = "n/a" if theirs is None else f"{theirs['rate']:.1f}"
            lines.append(
                f"| {items:,} | {clients} | {database} | {ours['rate']:.1f} | {their_rate} | "
                f"{ratio} |"
            )
        if args.repeat > 1:
            lines += ["", f"Cycles per second are medians of the {args.repeat} runs of each level."]
        lines += ["", "Overlap checks of these projects at the end:", ""]
        for database, outcome in results.items():
            for size, checks in outcome.peer_checks.items():
                lines.append(f"- {database}, {size}: {json.dumps(checks)}")
    lines += ["", "## Plan of the `next` candidate query, before and after the run", ""]
    for database, outcome in results.items():
        if outcome.plan:
            lines += [f"### {database}", "", "```", outcome.plan, "```", ""]
    return "\n".join(lines)


def _ints(value: str) -> list[int]:
    return [int(x) for x in value.split(",") if x]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--gold-share", type=float, default=0.1)
    parser.add_argument("--annotators", type=int, default=200)
    parser.add_argument("--clients", type=_ints, default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--repeat", type=int, default=1, help="run every level this many times")
    parser.add_argument("--workers", type=_ints, default=[2], help="uvicorn workers, e.g. 2,3,4")
    parser.add_argument(
        "--prefill",
        type=int,
        default=200_000,
        help="normal items marked done by 3 annotators each before the run (0: none)",
    )
    socket = Path("/var/run/postgresql/.s.PGSQL.5432").exists()
    parser.add_argument(
        "--databases",
        default="postgresql,postgresql-socket,sqlite" if socket else "postgresql,sqlite",
        help="postgresql (the API connects over TCP), postgresql-socket (over the local Unix "
        "socket, see --pg-socket), sqlite",
    )
    parser.add_argument("--pg-socket", default="/var/run/postgresql")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--peer-items", type=_ints, default=[], help="project sizes for Label Studio, e.g. 10000"
    )
    parser.add_argument("--peer-clients", type=_ints, default=[1, 8, 32])
    parser.add_argument("--peer-seconds", type=float, default=20)
    parser.add_argument("--ls-venv", type=Path, default=Path("/tmp/lsvenv"))
    args = parser.parse_args()
    args.host_speed = [loadgen.host_speed_ms()]
    results: dict[str, Outcome] = {}
    for database in [d for d in args.databases.split(",") if d]:
        results[database] = bench_database(database, args)
    if args.peer_items:
        results["label-studio"] = bench_label_studio(args)
    args.host_speed.append(loadgen.host_speed_ms())
    report = markdown(args, results)
    print("\n" + report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
