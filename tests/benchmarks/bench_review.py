"""Review benchmark: what review buys (delivered accuracy per review spent) and what it costs the
server (reviewer next + submit throughput and latency).

Run on demand (pytest does not collect it)::

    .venv/bin/python tests/benchmarks/bench_review.py                     # both parts, PostgreSQL
    .venv/bin/python tests/benchmarks/bench_review.py --items 2000 --load-items 5000 --seconds 5

Part 1, quality: a scratch PostgreSQL database, the API as ``jinbiao serve`` runs it (reusing
``bench_distribution``'s setup), four annotators of the crowd simulator (three "good" of the
``--good`` profile and one spammer) and, per review setting, a text-classification project
(overlap 3, no gold) of ``--items`` seeded items. Each item is answered by three of the four
(item i leaves out annotator i mod 4), the answers written in bulk; then the real recompute
(consensus, ``ItemsFinished``, the review selection of ``backend/review/selection.py``) runs in
this process. Four simulated reviewers work the queue over HTTP (``review/next``, ``submit``),
each knowing the truth: accept when the consensus is right, else fix with the truth (a perfect
reviewer: the figures bound what review can do). A last recompute settles the final answers, and
the delivered set (every item's consensus row, which keeps fixes and accepted answers) is
compared with the truth. Settings: ``none``, ``sample`` 10 %, ``low_confidence`` at each of
``--thresholds``, ``all``.

Part 2, load: a project of ``--load-items`` items answered in bulk and finished in bulk
(``finish_in_bulk``: consensus, review queue and state rows written by three statements, as the
recompute leaves them for ``review_mode = all``; ``--recompute`` runs the real recompute, which
took 71–323 s at 100,000 items), every item waiting for review, ``--reviewers`` reviewers
shared out among 1, 8 and 32 clients (``peers/loadgen.py``: asyncio keep-alive connections in
this process), each client cycling review/next + submit (accept) for ``--seconds``. Cycles per
second, p50/p95/p99 of both calls and the CPU shares of client, server and PostgreSQL are reported,
with what the scratch database's active backends waited for (``pg_stat_activity`` sampled every 20
ms, and the relation of each row lock waited for: ``WaitSampler``).

``--keep`` keeps the scratch database (its name is printed) and ``--reuse NAME`` runs the load part
again on a kept one, without seeding (1M items take 207–447 s to seed): it is migrated to head
first, its reviewers sign in again, and the load project is the one with most items waiting for
review (each cycle reviews one: a 1M-item database serves many runs).

Results: a markdown table on stdout and in ``--output`` (default
``tests/benchmarks/results/review.md``, which it overwrites: keep the history by hand).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "tests" / "benchmarks")]

import bench_distribution as bd  # noqa: E402
from peers import loadgen  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from backend.consensus.recompute import recompute_project  # noqa: E402
from backend.db import make_engine  # noqa: E402
from backend.migrate import upgrade  # noqa: E402
from backend.wiring import wire  # noqa: E402
from support import crowd_simulator  # noqa: E402
from support.factories import (  # noqa: E402
    PASSWORD,
    Account,
    add_member,
    login,
    new_org,
    new_project,
    new_user,
)
from support.seed import seed_items, truth  # noqa: E402

RESULTS = REPO / "tests" / "benchmarks" / "results" / "review.md"
LABELS = ["electrical_fault", "mechanical_wear", "other"]


@dataclass
class People:
    org_id: int
    owner: Any
    annotators: list[Any]
    reviewers: list[Any]


def make_people(base: str, reviewers: int) -> People:
    with httpx.Client(base_url=base, timeout=120) as http:
        owner = new_user(http, name="Owner")
        org_id = new_org(http, owner, "Review Bench")
        annotators, judges = [], []
        for i in range(4):
            account = new_user(http, name=f"Annotator {i}")
            add_member(http, org_id, owner, account, "annotator")
            annotators.append(account)
        for i in range(reviewers):
            account = new_user(http, name=f"Reviewer {i}")
            add_member(http, org_id, owner, account, "reviewer")
            judges.append(account)
    return People(org_id, owner, annotators, judges)


def new_reviewed_project(base: str, people: People, **settings: Any) -> int:
    class Team:
        pass

    team = Team()
    team.org_id, team.manager = people.org_id, people.owner
    with httpx.Client(base_url=base, timeout=120) as http:
        project = new_project(
            http, team, "text_classification", overlap=3, max_overlap=3, gold_rate=0.0, **settings
        )
    return project["id"]


def answer_in_bulk(engine: Any, project_id: int, people: People, good: str, seed: int) -> None:
    """Three answers per item (item i leaves out annotator i mod 4), written as annotations."""
    profiles = [crowd_simulator.AnnotatorProfile.preset(good)] * 3 + [
        crowd_simulator.AnnotatorProfile.preset("spammer")
    ]
    rng = np.random.default_rng(seed)
    ids = [a.id for a in people.annotators]
    now = datetime.now(UTC)
    with engine.connect() as conn:
        items = [
            row[0]
            for row in conn.execute(
                text("SELECT id FROM items WHERE project_id = :p ORDER BY id"), {"p": project_id}
            )
        ]
    rows = []
    for item_id in items:
        right = truth(item_id, "text_classification", LABELS)
        for k in range(4):
            if k == item_id % 4:
                continue
            result = crowd_simulator.noisy_result(
                "text_classification", right, LABELS, profiles[k], rng
            )
            rows.append((item_id, ids[k], json.dumps(result)))
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(
            "CREATE TEMPORARY TABLE bench_answers (item_id int, annotator_id int, result jsonb)"
        )
        with cur.copy("COPY bench_answers (item_id, annotator_id, result) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(
            "INSERT INTO assignments (project_id, item_id, annotator_id, is_gold, status, "
            "created_at, expires_at, finished_at) SELECT %(p)s, item_id, annotator_id, false, "
            "'submitted', %(t)s, %(t)s, %(t)s FROM bench_answers",
            {"p": project_id, "t": now},
        )
        cur.execute(
            "INSERT INTO annotations (assignment_id, project_id, item_id, annotator_id, result, "
            "duration_ms, is_gold, review_status, created_at) SELECT s.id, %(p)s, b.item_id, "
            "b.annotator_id, b.result, 1000, false, 'submitted', %(t)s FROM bench_answers b "
            "JOIN assignments s ON s.project_id = %(p)s AND s.item_id = b.item_id "
            "AND s.annotator_id = b.annotator_id ORDER BY s.id",
            {"p": project_id, "t": now},
        )
        cur.execute(
            "UPDATE items SET annotation_count = 3 WHERE project_id = %(p)s", {"p": project_id}
        )
        cur.execute("DROP TABLE bench_answers")
        raw.commit()
    finally:
        raw.close()
    bd.settle(engine, "VACUUM ANALYZE")


def finish_in_bulk(engine: Any, project_id: int, people: People) -> None:
    """What the recompute leaves for ``review_mode = all``, written by three statements: each
    item's consensus (the most frequent answer), its row in review's queue (``in_review``,
    entered by ``all``), and the annotators' state rows. The real recompute took 71–323 s at
    100,000 items on this machine, which kept the issue's 1M items out of reach; the review
    path reads only these rows (and the annotations written by ``answer_in_bulk``)."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO consensus (item_id, project_id, result, confidence, n_annotations, "
                "method, updated_at) SELECT n.item_id, :p, (mode() WITHIN GROUP "
                "(ORDER BY n.result::text))::json, 0.67, count(*), 'bench', :t "
                "FROM annotations n WHERE n.project_id = :p GROUP BY n.item_id"
            ),
            {"p": project_id, "t": now},
        )
        conn.execute(
            text(
                "INSERT INTO review_items (item_id, project_id, state, rework_round, entered_by, "
                "reasons, comment, entered_at, updated_at) SELECT id, :p, 'in_review', 0, 'all', "
                "'[]', '', :t, :t FROM items WHERE project_id = :p"
            ),
            {"p": project_id, "t": now},
        )
        for annotator in people.annotators:
            conn.execute(
                text(
                    "INSERT INTO annotator_states (project_id, user_id, status, gold_answered, "
                    "gold_correct, review_answered, review_correct, updated_at) "
                    "VALUES (:p, :u, 'active', 0, 0, 0, 0, :t) ON CONFLICT DO NOTHING"
                ),
                {"p": project_id, "u": annotator.id, "t": now},
            )


class WaitSampler:
    """What the scratch database's backends wait for during a level: ``pg_stat_activity``'s
    wait events of active backends every 20 ms (``Lock:tuple`` / ``Lock:transactionid``: a row
    lock held by another transaction), and which relations the waited-for row locks are on."""

    def __init__(self, url: str) -> None:
        import threading

        self.dsn = url.replace("postgresql+psycopg://", "postgresql://")
        self.samples = 0
        self.events: dict[str, int] = {}
        self.relations: dict[str, int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> WaitSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stop.wait(0.02):
                self.samples += 1
                for event, n in conn.execute(
                    "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), count(*) "
                    "FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state = 'active' AND pid <> pg_backend_pid() GROUP BY 1"
                ):
                    self.events[event] = self.events.get(event, 0) + n
                for relation, n in conn.execute(
                    "SELECT coalesce(held.relation::regclass::text, held.locktype), count(*) "
                    "FROM pg_locks w JOIN pg_locks held ON held.granted AND NOT w.granted "
                    "AND held.locktype = w.locktype AND held.transactionid "
                    "IS NOT DISTINCT FROM w.transactionid AND held.relation IS NOT DISTINCT "
                    "FROM w.relation AND held.page IS NOT DISTINCT FROM w.page "
                    "AND held.tuple IS NOT DISTINCT FROM w.tuple AND held.pid <> w.pid "
                    "WHERE w.locktype = 'tuple' GROUP BY 1"
                ):
                    self.relations[relation] = self.relations.get(relation, 0) + n

    def summary(self) -> str:
        """Mean active backends per wait event (and, for row locks, per relation)."""
        n = max(self.samples, 1)
        events = ", ".join(
            f"{k} {v / n:.2f}" for k, v in sorted(self.events.items(), key=lambda kv: -kv[1])
        )
        relations = ", ".join(f"{k} {v / n:.2f}" for k, v in sorted(self.relations.items()))
        return f"{events}; tuple-lock waits on: {relations or 'none'} ({self.samples} samples)"


def recompute(engine: Any, project_id: int) -> dict[str, Any]:
    with Session(engine, expire_on_commit=False) as session:
        return recompute_project(session=session, project_id=project_id)


def waiting(engine: Any, project_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM review_items WHERE project_id = :p AND state = 'in_review'"),
            {"p": project_id},
        ).scalar_one()


async def timed_next(
    conn: loadgen.Connection, path: str, headers: dict, stats: loadgen.ClientStats
) -> tuple[str | None, bytes]:
    """``review/next`` timed into ``stats``: ``(None, body)`` with a lease, else the cycle's end
    (``"done"`` on 204, ``"error"``) and no body."""
    started = time.perf_counter()
    status, body, _ = await conn.request("POST", path, headers=headers)
    stats.next_latencies.append(time.perf_counter() - started)
    if status == 204:
        return "done", b""
    if status != 200:
        stats.error(f"next {status}")
        return "error", b""
    return None, body


def truth_cycle(project_id: int) -> loadgen.Cycle:
    """A reviewer who knows the truth: accept a right consensus, fix a wrong one."""
    next_path = f"/api/v1/projects/{project_id}/review/next"

    async def cycle(conn: loadgen.Connection, headers: dict, stats: loadgen.ClientStats) -> str:
        ended, body = await timed_next(conn, next_path, headers, stats)
        if ended:
            return ended
        lease = loadgen.loads(body)
        right = truth(lease["item"]["id"], "text_classification", LABELS)
        consensus = (lease.get("consensus") or {}).get("result")
        verdict = {"decision": "accept"} if consensus == right else {"decision": "fix"}
        if verdict["decision"] == "fix":
            verdict["result"] = right
        started = time.perf_counter()
        status, _, _ = await conn.request(
            "POST",
            f"/api/v1/reviews/{lease['review_id']}/submit",
            headers=headers,
            body=loadgen.dumps(verdict),
        )
        stats.submit_latencies.append(time.perf_counter() - started)
        if status in (200, 201):
            return "submitted"
        stats.error(f"submit {status}")
        return "error"

    return cycle


def delivered_accuracy(engine: Any, project_id: int) -> tuple[float, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT i.id, c.result ->> 'label' FROM items i LEFT JOIN consensus c "
                "ON c.item_id = i.id WHERE i.project_id = :p"
            ),
            {"p": project_id},
        ).all()
    right = sum(1 for item_id, label in rows if label == LABELS[item_id % len(LABELS)])
    return right / len(rows), len(rows)


@dataclass
class QualityRow:
    setting: str
    items: int
    reviews: int
    accepted: int
    fixed: int
    accuracy_before: float
    accuracy_after: float
    seconds: float


def quality_run(base: str, port: int, engine: Any, people: People, args, name: str, **settings):
    project_id = new_reviewed_project(base, people, **settings)
    seed_items(project_id=project_id, count=args.items, engine=engine)
    answer_in_bulk(engine, project_id, people, args.good, seed=args.seed)
    recompute(engine, project_id)
    before, n = delivered_accuracy(engine, project_id)
    queued = waiting(engine, project_id)
    started = time.perf_counter()
    groups = bd.share([{"Authorization": f"Bearer {r.token}"} for r in people.reviewers], 4)
    stats, _, _ = loadgen.run_clients(
        host="127.0.0.1", port=port, groups=groups, cycle=truth_cycle(project_id), seconds=3600
    )
    elapsed = time.perf_counter() - started
    recompute(engine, project_id)
    after, _ = delivered_accuracy(engine, project_id)
    with engine.connect() as conn:
        decisions = dict(
            conn.execute(
                text("SELECT decision, count(*) FROM reviews WHERE project_id = :p GROUP BY 1"),
                {"p": project_id},
            ).all()
        )
    row = QualityRow(
        name,
        n,
        sum(decisions.values()),
        decisions.get("accept", 0),
        decisions.get("fix", 0),
        before,
        after,
        elapsed,
    )
    print(
        f"  {name}: {queued:,} queued, {row.reviews:,} reviews ({row.fixed:,} fixes), accuracy "
        f"{before:.4f} -> {after:.4f}, errors {stats.errors}",
        flush=True,
    )
    return row


def load_project(base: str, engine: Any, people: People, args) -> int:
    """The load part's project, seeded (or, with ``--reuse``, the kept one)."""
    if args.reuse:
        project_id = kept_project(engine)
        args.load_items = items_of(engine, project_id)
        print(
            f"  load project {project_id} reused: {args.load_items:,} items, "
            f"{waiting(engine, project_id):,} waiting for review",
            flush=True,
        )
        return project_id
    project_id = new_reviewed_project(base, people, review_mode="all")
    started = time.perf_counter()
    seed_items(project_id=project_id, count=args.load_items, engine=engine)
    answer_in_bulk(engine, project_id, people, args.good, seed=args.seed + 1)
    if args.recompute:
        summary = recompute(engine, project_id)
        how = f"recompute {summary.get('duration_ms')} ms"
    else:
        finish_in_bulk(engine, project_id, people)
        how = "finished in bulk"
    print(
        f"  load project: {args.load_items:,} items answered and finished in "
        f"{time.perf_counter() - started:.0f} s ({how}), "
        f"{waiting(engine, project_id):,} waiting for review",
        flush=True,
    )
    return project_id


def kept_project(engine: Any) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT project_id FROM review_items WHERE state = 'in_review' "
                "GROUP BY project_id ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar_one()


def items_of(engine: Any, project_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM items WHERE project_id = :p"), {"p": project_id}
        ).scalar_one()


def kept_people(base: str, engine: Any) -> People:
    """The people of a kept database, signed in again (``support.factories``' password)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT u.id, u.email, u.name, m.org_id FROM users u JOIN memberships m "
                "ON m.user_id = u.id JOIN organizations o ON o.id = m.org_id "
                "WHERE o.name = 'Review Bench' ORDER BY u.id"
            )
        ).all()
    with httpx.Client(base_url=base, timeout=120) as http:

        def account(row: Any) -> Any:
            return Account(
                id=row.id, email=row.email, password=PASSWORD, token=login(http, row.email)
            )

        owner = next(account(r) for r in rows if r.name == "Owner")
        annotators = [account(r) for r in rows if r.name.startswith("Annotator ")]
        reviewers = [account(r) for r in rows if r.name.startswith("Reviewer ")]
    return People(rows[0].org_id, owner, annotators, reviewers)


def load_run(base: str, port: int, url: str, engine: Any, people: People, args) -> list[bd.Level]:
    project_id = load_project(base, engine, people, args)
    bd.settle(engine, "VACUUM ANALYZE")
    headers = [{"Authorization": f"Bearer {r.token}"} for r in people.reviewers]
    levels = []
    server_pids = args.server_pids
    for clients in args.clients:
        with WaitSampler(url) as waits:
            levels.append(
                bd.run_level(
                    label="postgresql",
                    workers=args.workers,
                    port=port,
                    groups=bd.share(headers, clients),
                    cycle=accept_cycle(project_id, with_next=args.with_next),
                    seconds=args.seconds,
                    server_pids=server_pids,
                    db_pids=bd.pg_backends(url),
                    items=args.load_items,
                )
            )
        print(f"  waits at {clients} clients: {waits.summary()}", flush=True)
        args.waits[clients] = waits.summary()
    try:
        plans = explain_review_calls(url, project_id, people.reviewers[0])
    except Exception as exc:  # a database without the function (an older revision)
        plans = f"not available: {exc}"
    print("  plans inside jinbiao_review_next after the run:\n" + plans, flush=True)
    return levels


def explain_review_calls(url: str, project_id: int, reviewer: Any) -> str:
    """The plans PostgreSQL ran inside one ``jinbiao_review_next`` call (and a rolled-back
    ``jinbiao_review_submit`` of its lease), with their timings: ``auto_explain`` of the
    functions' nested statements, sent to this connection as notices."""
    import psycopg

    plans: list[str] = []
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        conn.add_notice_handler(lambda diag: plans.append(diag.message_primary or ""))
        for setting in (
            "LOAD 'auto_explain'",
            "SET auto_explain.log_min_duration = 0",
            "SET auto_explain.log_analyze = on",
            "SET auto_explain.log_buffers = on",
            "SET auto_explain.log_nested_statements = on",
            "SET auto_explain.log_level = notice",
            "SET client_min_messages = notice",
        ):
            conn.execute(setting)
        row = conn.execute(
            "SELECT outcome, assignment_id, answers, consensus_result FROM jinbiao_review_next("
            "%s, %s, now(), '{manager,owner,reviewer}', 8, 0)",
            (project_id, reviewer.id),
        ).fetchone()
        conn.rollback()
    statements = [p for p in plans if "jinbiao_review_next(" not in p.split("\n", 2)[0]]
    return f"outcome {row[0] if row else None}\n\n" + "\n\n".join(statements)


def accept_cycle(project_id: int, *, with_next: bool = False) -> loadgen.Cycle:
    """A reviewer's cycle: ``review/next`` then ``submit`` (accept). ``with_next``: what the review
    page does, one ``submit?next=true`` per item whose answer carries the next lease;
    ``review/next`` only for a reviewer's first lease (or after nothing was left), so a cycle is
    one item judged and the submit's latency is the whole per-item wait."""
    next_path = f"/api/v1/projects/{project_id}/review/next"
    body = loadgen.dumps({"decision": "accept"})
    held: dict[str, int] = {}  # with_next: reviewer's token -> the lease the last answer carried

    async def cycle(conn: loadgen.Connection, headers: dict, stats: loadgen.ClientStats) -> str:
        who = headers["Authorization"]
        review_id = held.pop(who, None)
        if review_id is None:
            ended, raw = await timed_next(conn, next_path, headers, stats)
            if ended:
                return ended
            review_id = loadgen.loads(raw)["review_id"]
        submit = f"/api/v1/reviews/{review_id}/submit" + ("?next=true" if with_next else "")
        started = time.perf_counter()
        status, raw, _ = await conn.request("POST", submit, headers=headers, body=body)
        stats.submit_latencies.append(time.perf_counter() - started)
        if status not in (200, 201):
            stats.error(f"submit {status}")
            return "error"
        following = loadgen.loads(raw).get("next") if with_next else None
        if following is not None:
            held[who] = following["review_id"]
        return "submitted"

    return cycle


def markdown(args, quality: list[QualityRow], levels: list[bd.Level]) -> str:
    lines = [
        "# Review benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `tests/benchmarks/bench_review.py` on "
        f"PostgreSQL (2 CPUs shared with other work: load {loadgen.load_average()}). Host "
        f"speed (`peers/loadgen.host_speed_ms`, lower is faster; compare it before comparing "
        f"runs of different days): {args.host_speed:.0f} ms before the run.",
        "",
        f"## Delivered accuracy per review spent ({args.items:,} items, overlap 3)",
        "",
        f"Crowd: three `{args.good}` annotators and one spammer of the crowd simulator; each item "
        "answered by three of the four. Reviewers know the truth (accept a right consensus, fix "
        "a wrong one), so the figures bound what review can do. `low_confidence@t` reviews the "
        "items whose consensus confidence is below t.",
        "",
        "| review setting | reviews | share of items | fixes | accuracy before | "
        "delivered accuracy | reviews vs `all` |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    everything = next((q for q in quality if q.setting == "all"), None)
    for q in quality:
        versus = (
            f"{q.reviews / everything.reviews:.1%}" if everything and everything.reviews else ""
        )
        lines.append(
            f"| {q.setting} | {q.reviews:,} | {q.reviews / q.items:.1%} | {q.fixed:,} | "
            f"{q.accuracy_before:.2%} | {q.accuracy_after:.2%} | {versus} |"
        )
    if everything:
        lines += [
            "",
            "Target: `low_confidence` within 0.5 points of `all` with at most 25 % of its reviews.",
        ]
        for q in quality:
            if q.setting.startswith("low_confidence"):
                gap = (everything.accuracy_after - q.accuracy_after) * 100
                share = q.reviews / everything.reviews if everything.reviews else 0
                ok = gap <= 0.5 and share <= 0.25
                lines.append(
                    f"- {q.setting}: {gap:.2f} points below `all` with {share:.1%} of its "
                    f"reviews: {'met' if ok else 'not met'}"
                )
    if levels:
        lines += [
            "",
            f"## Reviewer next + submit on PostgreSQL ({args.load_items:,} items waiting, "
            f"{len(args.clients and args.clients)} client counts, {args.seconds:.0f} s each, "
            f"{args.workers} API processes)",
            "",
            "Review `next` runs in one PostgreSQL call (`jinbiao_review_next`) and `accept` in "
            "one prepared statement (`jinbiao_review_submit`; `jinbiao_review_fold` in a second "
            "round trip once an annotator has `FOLD_AT` review records pending: "
            "`backend/review/pg_review.py`); a reviewer's first `next` "
            "and the submit of that lease take the Python paths. CPU ms per cycle is the CPU "
            "the API processes and the PostgreSQL backends spent per next + submit, the figure "
            "that depends least on what else the machine runs.",
            "",
            *(
                [
                    "Mode `--with-next`: a cycle is one `submit?next=true` (the review page's "
                    "request: the verdict's answer carries the next lease), so the submit "
                    "columns are the per-item wait; `next` is only each reviewer's first lease.",
                    "",
                ]
                if args.with_next
                else []
            ),
            "| clients | cycles/s | next p50 | next p95 | next p99 | submit p50 | submit p99 | "
            "errors | cpu client / server / postgres | CPU ms/cycle API / db | load avg |",
            "|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|",
        ]
        for lv in levels:
            cpu = " / ".join(f"{lv.cpu.get(k, 0):.0%}" for k in ("client", "server", "postgres"))
            lines.append(
                f"| {lv.clients} | {lv.rate:.1f} | {lv.pct(50):.1f} | {lv.pct(95):.1f} | "
                f"{lv.pct(99):.1f} | {lv.pct(50, 'submit'):.1f} | {lv.pct(99, 'submit'):.1f} | "
                f"{lv.errors or ''} | {cpu} | {lv.cpu_ms('server'):.1f} / "
                f"{lv.cpu_ms('postgres'):.1f} | {lv.load} |"
            )
        for clients, waits in args.waits.items():
            lines.append(f"- waits at {clients} clients (mean backends): {waits}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--good", default="expert", choices=["expert", "average"])
    parser.add_argument(
        "--thresholds", type=lambda v: [float(x) for x in v.split(",")], default=[0.9, 0.95]
    )
    parser.add_argument("--load-items", type=int, default=50_000)
    parser.add_argument("--reviewers", type=int, default=32)
    parser.add_argument("--clients", type=bd._ints, default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument(
        "--recompute",
        action="store_true",
        help="finish the load project by the real recompute (slow) instead of in bulk",
    )
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--with-next",
        action="store_true",
        help="each cycle one submit?next=true (what the review page sends) instead of "
        "review/next + submit",
    )
    parser.add_argument("--reuse", metavar="NAME", help="run the load part on a kept database")
    args = parser.parse_args()
    args.waits = {}
    args.host_speed = loadgen.host_speed_ms()
    wire()
    scratch = Path(tempfile.mkdtemp(prefix="jinbiao-bench-review-"))
    if args.reuse:
        url, drop = args.pg_url.rsplit("/", 1)[0] + "/" + args.reuse, (lambda: None)
        args.skip_quality = True
    else:
        url, drop = bd.pg_scratch(args.pg_url)
    if args.keep:
        drop = lambda: print(f"kept the database {url.rsplit('/', 1)[1]}", flush=True)  # noqa: E731
    server = None
    try:
        upgrade(database_url=url)
        engine = make_engine(url)
        port = bd.free_port()
        server = bd.start_server(bd.server_env(url, scratch), port, args.workers)
        root = server.pid
        args.server_pids = lambda: loadgen.children(root)
        base = f"http://127.0.0.1:{port}"
        people = kept_people(base, engine) if args.reuse else make_people(base, args.reviewers)
        quality: list[QualityRow] = []
        if not args.skip_quality:
            settings = [
                ("none", {"review_mode": "none"}),
                ("sample 10%", {"review_mode": "sample", "review_rate": 0.1}),
            ]
            settings += [
                (
                    f"low_confidence@{t}",
                    {"review_mode": "low_confidence", "review_confidence_below": t},
                )
                for t in args.thresholds
            ]
            settings.append(("all", {"review_mode": "all"}))
            for name, body in settings:
                quality.append(quality_run(base, port, engine, people, args, name, **body))
        levels = [] if args.skip_load else load_run(base, port, url, engine, people, args)
        engine.dispose()
    finally:
        if server is not None:
            bd.stop_server(server)
        drop()
    report = markdown(args, quality, levels)
    print("\n" + report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
