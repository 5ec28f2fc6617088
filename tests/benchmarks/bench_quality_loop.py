"""Quality-loop benchmark (issue 4): full recompute time and last submit -> updated consensus.

Run on demand (pytest does not collect it)::

    .venv/bin/python tests/benchmarks/bench_quality_loop.py
    .venv/bin/python tests/benchmarks/bench_quality_loop.py --items 20000 --no-boxes --runs 1
    .venv/bin/python tests/benchmarks/bench_quality_loop.py --profile-only /tmp/recompute.prof

Setup: a scratch PostgreSQL database beside ``--pg-url`` (created, migrated, dropped at the end),
Redis database ``--redis-url`` flushed, a uvicorn server and a real Celery worker
(``--pool=solo``) in subprocesses, both pointed at them. Over HTTP: an organization,
``--annotators`` annotators and a text-classification project (5 labels, overlap 3, gold rate
0.05); then in bulk (``tests/support/seed.py`` and COPY): ``--items`` items (``--gold-share``
gold, with gold answers), three annotations per item from annotators of mixed accuracy (good,
average, poor, spammers), their assignments, item counters and the annotators' gold counters.
A few items keep two annotations so that live annotators have work.

Measured:

(a) full recompute: the job with ``force=True`` sent to the worker, timed from the send until its
    ``project_quality.computed_at`` is visible; the first run writes every consensus row, the
    later ones only what changed. The job's own breakdown (load, infer, write, ...) comes from its
    result in the Redis result backend.
(b) last submit -> consensus: live annotators ``next`` + ``submit`` a burst of annotations over
    HTTP; timed from the last 201 until that item's consensus row counts the new annotation.
    Broken down into the coalescing window plus queue (last 201 -> the job's claim,
    ``started_at``), the recompute (``duration_ms``) and the commit / poll remainder.

Results: a markdown table on stdout and in ``tests/benchmarks/results/quality_loop.md``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

RESULTS = REPO / "tests" / "benchmarks" / "results" / "quality_loop.md"
TEXT_LABELS = ["electrical_fault", "mechanical_wear", "leak", "sensor_drift", "other"]
BOX_LABELS = ["scratch", "dent", "stain"]
SPAN_LABELS = ["PART", "DEFECT", "LOCATION"]
JOB = "jinbiao.quality.recompute_project"


# -- processes --------------------------------------------------------------------------------


def pg_scratch(admin_url: str) -> tuple[str, Callable[[], None]]:
    from support.scratch_db import database_and_dropper

    return database_and_dropper(admin_url, "jinbiao_bench_q")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_env(database_url: str, redis_url: str, data_dir: Path, coalesce: float) -> dict:
    env = dict(os.environ)
    env.update(
        JINBIAO_ENV="local",
        JINBIAO_DATABASE_URL=database_url,
        JINBIAO_BROKER_URL=redis_url,
        JINBIAO_RESULT_BACKEND=redis_url,
        JINBIAO_DATA_DIR=str(data_dir),
        JINBIAO_PASSWORD_HASH_TIME_COST="1",
        JINBIAO_PASSWORD_HASH_MEMORY_KIB="1024",
        JINBIAO_QUALITY_COALESCE_SECONDS=str(coalesce),
    )
    return env


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "uvicorn", "backend.app:create_app", "--factory"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    argv += ["--no-access-log"]
    process = subprocess.Popen(argv, cwd=REPO, env=env)
    deadline = time.monotonic() + 180  # a loaded shared machine imports slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "--pool=solo"]
    argv += ["--loglevel=WARNING", f"--hostname=bench-{os.getpid()}@%h", "-Q", "jinbiao"]
    return subprocess.Popen(argv, cwd=REPO, env=env)


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- seeding ----------------------------------------------------------------------------------


@dataclass
class Crowd:
    project_id: int
    kind: str
    labels: list[str]
    annotator_ids: list[int]
    accuracy: dict[int, float]
    live: list[Any]  # accounts that submit over HTTP
    manager: Any
    n_annotations: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def accuracies(n: int, rng: np.random.Generator) -> np.ndarray:
    """Mixed crowd: 2/3 good, 1/5 average, the rest poor, two spammers (random answers)."""
    good = int(n * 2 / 3)
    average = int(n / 5)
    out = np.concatenate(
        [
            rng.uniform(0.80, 0.95, good),
            rng.uniform(0.60, 0.75, average),
            rng.uniform(0.40, 0.55, n - good - average),
        ]
    )
    out[-2:] = 0.0  # spammers: answer at random
    return out


def make_people(base: str, kind: str, args: argparse.Namespace) -> Crowd:
    from support.factories import add_member, new_org, new_project, new_user

    with httpx.Client(base_url=base, timeout=120) as http:
        owner = new_user(http, name="Owner")
        org_id = new_org(http, owner, f"Bench {kind}")
        ids, live = [], []
        for i in range(args.annotators + args.live):
            account = new_user(http, name=f"Annotator {i}")
            add_member(http, org_id, owner, account, "annotator")
            (live if i >= args.annotators else ids).append(
                account if i >= args.annotators else account.id
            )

        class Team:
            pass

        team = Team()
        team.org_id, team.manager = org_id, owner
        labels = LABELS[kind]
        project = new_project(
            http,
            team,
            kind,
            labels=[{"name": n} for n in labels],
            overlap=3,
            max_overlap=4,
            gold_rate=args.gold_share,
        )
    rng = np.random.default_rng(7)
    acc = accuracies(len(ids), rng)
    return Crowd(
        project_id=project["id"],
        kind=kind,
        labels=labels,
        annotator_ids=ids,
        accuracy=dict(zip(ids, acc.tolist(), strict=True)),
        live=live,
        manager=owner,
    )


def _answer_text(
    item_ids: np.ndarray,
    annotators: np.ndarray,
    acc: np.ndarray,
    labels: list[str],
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    k = len(labels)
    true = item_ids % k
    right = rng.random(len(item_ids)) < acc
    wrong = (true + 1 + rng.integers(0, k - 1, len(item_ids))) % k
    random_ = rng.integers(0, k, len(item_ids))
    spam = acc == 0.0
    code = np.where(spam, random_, np.where(right, true, wrong))
    return [{"label": labels[c]} for c in code.tolist()]


def _answer_boxes(
    item_ids: np.ndarray,
    annotators: np.ndarray,
    acc: np.ndarray,
    labels: list[str],
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    from support.seed import truth

    out = []
    for item, a in zip(item_ids.tolist(), acc.tolist(), strict=True):
        boxes = [dict(b) for b in truth(item, "image_boxes", labels)["boxes"]]
        if a == 0.0:  # spammer: one random box
            boxes = [
                {
                    "label": labels[int(rng.integers(len(labels)))],
                    "x": float(rng.uniform(0, 500)),
                    "y": float(rng.uniform(0, 380)),
                    "w": 60.0,
                    "h": 60.0,
                }
            ]
        else:
            jitter = (1 - a) * 40
            for b in boxes:
                b["x"] = round(b["x"] + float(rng.normal(0, jitter)), 1)
                b["y"] = round(b["y"] + float(rng.normal(0, jitter)), 1)
                if rng.random() > a:
                    b["label"] = labels[(labels.index(b["label"]) + 1) % len(labels)]
            if rng.random() > a:  # a spurious extra box now and then
                boxes.append({"label": labels[0], "x": 400.0, "y": 300.0, "w": 50.0, "h": 40.0})
        out.append({"boxes": boxes})
    return out


def _answer_spans(
    item_ids: np.ndarray,
    annotators: np.ndarray,
    acc: np.ndarray,
    labels: list[str],
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    out = []
    for item, a in zip(item_ids.tolist(), acc.tolist(), strict=True):
        label = labels[item % len(labels)]
        if a == 0.0:  # spammer: a random span
            start = int(rng.integers(0, 20))
            spans = [
                {"label": labels[int(rng.integers(len(labels)))], "start": start, "end": start + 4}
            ]
        else:
            end = 5 if rng.random() < a else 5 + int(rng.integers(1, 4))
            if rng.random() > a:
                label = labels[(labels.index(label) + 1) % len(labels)]
            spans = [{"label": label, "start": 0, "end": end}]
        out.append({"spans": spans})
    return out


ANSWERS = {
    "text_classification": _answer_text,
    "image_boxes": _answer_boxes,
    "text_spans": _answer_spans,
}
LABELS = {"text_classification": TEXT_LABELS, "image_boxes": BOX_LABELS, "text_spans": SPAN_LABELS}


def seed_annotations(database_url: str, crowd: Crowd, args: argparse.Namespace, items: int) -> None:
    """Items, assignments, annotations, counters and gold counters, in bulk."""
    from sqlalchemy import text

    from backend.db import make_engine
    from backend.kinds.gold import gold_score
    from support.seed import seed_items, truth

    engine = make_engine(database_url)
    started = time.perf_counter()
    seeded = seed_items(
        project_id=crowd.project_id,
        count=items,
        gold=int(items * args.gold_share),
        engine=engine,
        seed=3,
    )
    crowd.seconds["items"] = time.perf_counter() - started
    started = time.perf_counter()
    rng = np.random.default_rng(11)
    all_ids = np.asarray(sorted(seeded.item_ids + seeded.gold_ids), dtype=np.int64)
    n_ann = len(crowd.annotator_ids)
    # three distinct annotators per item; the last ``--open-items`` normal items get only two
    picks = np.argsort(rng.random((len(all_ids), n_ann)), axis=1)[:, :3]
    per_item = np.full(len(all_ids), 3)
    open_ids = set(seeded.item_ids[-args.open_items :]) if args.open_items else set()
    per_item[np.isin(all_ids, list(open_ids))] = 2
    mask = np.arange(3)[None, :] < per_item[:, None]
    item_col = np.repeat(all_ids[:, None], 3, axis=1)[mask]
    annotator_pos = picks[mask]
    annotator_col = np.asarray(crowd.annotator_ids, dtype=np.int64)[annotator_pos]
    acc_col = np.asarray([crowd.accuracy[u] for u in crowd.annotator_ids])[annotator_pos]
    results = ANSWERS[crowd.kind](item_col, annotator_col, acc_col, crowd.labels, rng)
    is_gold = np.isin(item_col, seeded.gold_ids)
    gold_correct: dict[int, list[float]] = {u: [0, 0.0] for u in crowd.annotator_ids}
    scores: list[float | None] = []
    for item, user, result, g in zip(
        item_col.tolist(), annotator_col.tolist(), results, is_gold.tolist(), strict=True
    ):
        if g:
            score = gold_score(crowd.kind, result, truth(item, crowd.kind, crowd.labels))
            gold_correct[user][0] += 1
            gold_correct[user][1] += score
            scores.append(score)
        else:
            scores.append(None)
    now = datetime.now(UTC)
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur:
            cur.execute(
                "CREATE TEMP TABLE bench_answers (item_id bigint, annotator_id bigint, "
                "result jsonb, is_gold boolean, gold_score double precision)"
            )
            with cur.copy(
                "COPY bench_answers (item_id, annotator_id, result, is_gold, gold_score) FROM STDIN"
            ) as copy:
                for row in zip(
                    item_col.tolist(),
                    annotator_col.tolist(),
                    results,
                    is_gold.tolist(),
                    scores,
                    strict=True,
                ):
                    copy.write_row((row[0], row[1], json.dumps(row[2]), row[3], row[4]))
            cur.execute(
                "INSERT INTO assignments (project_id, item_id, annotator_id, is_gold, status, "
                "created_at, expires_at, finished_at) "
                "SELECT %(p)s, item_id, annotator_id, is_gold, 'submitted', %(t)s, %(t)s, %(t)s "
                "FROM bench_answers",
                {"p": crowd.project_id, "t": now},
            )
            cur.execute(
                "INSERT INTO annotations (assignment_id, project_id, item_id, annotator_id, "
                "result, duration_ms, is_gold, gold_score, review_status, created_at) "
                "SELECT s.id, %(p)s, b.item_id, b.annotator_id, b.result, 1000, b.is_gold, "
                "b.gold_score, 'submitted', %(t)s FROM bench_answers b JOIN assignments s "
                "ON s.project_id = %(p)s AND s.item_id = b.item_id "
                "AND s.annotator_id = b.annotator_id ORDER BY s.id",
                {"p": crowd.project_id, "t": now},
            )
            cur.execute(
                "UPDATE items i SET annotation_count = c.n FROM (SELECT item_id, count(*) n "
                "FROM bench_answers GROUP BY item_id) c WHERE i.id = c.item_id"
            )
            for user, (answered, correct) in gold_correct.items():
                cur.execute(
                    "INSERT INTO annotator_states (project_id, user_id, status, gold_answered, "
                    "gold_correct, updated_at) VALUES (%s, %s, 'active', %s, %s, %s)",
                    (crowd.project_id, user, answered, correct, now),
                )
        raw.commit()
    finally:
        raw.close()
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    engine.dispose()
    crowd.n_annotations = len(item_col)
    crowd.seconds["annotations"] = time.perf_counter() - started
    print(
        f"  seeded {items:,} items ({len(seeded.gold_ids):,} gold) in "
        f"{crowd.seconds['items']:.0f} s, {len(item_col):,} annotations in "
        f"{crowd.seconds['annotations']:.0f} s"
    )


# -- measuring --------------------------------------------------------------------------------


def quality_row(engine: Any, project_id: int) -> tuple[Any, ...] | None:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT requested_at, started_at, computed_at, duration_ms, n_annotations "
                "FROM project_quality WHERE project_id = :p"
            ),
            {"p": project_id},
        ).one_or_none()


def job_summary(redis_url: str, project_id: int, match: Callable[[float], bool]) -> dict[str, Any]:
    """The summary of the job whose start (epoch seconds) matches; the worker stores its result
    just after the commit the benchmark waits for, so wait a little for it."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for result in reversed(job_results(redis_url, project_id)):
            if match(datetime.fromisoformat(result["started_at"]).timestamp()):
                return result
        time.sleep(0.05)
    return {}


def job_results(redis_url: str, project_id: int) -> list[dict[str, Any]]:
    """Every finished recompute job's own summary, from the Redis result backend."""
    import redis

    client = redis.Redis.from_url(redis_url)
    out = []
    for key in client.scan_iter("celery-task-meta-*"):
        meta = json.loads(client.get(key))
        result = meta.get("result")
        if (
            meta.get("status") == "SUCCESS"
            and isinstance(result, dict)
            and result.get("project_id") == project_id
            and "started_at" in result
        ):
            out.append(result)
    return sorted(out, key=lambda r: r.get("started_at", ""))


def full_recompute(engine: Any, crowd: Crowd, redis_url: str) -> dict[str, Any]:
    from backend.queue import get_celery

    sent = time.time()
    get_celery().send_task(JOB, args=(crowd.project_id, True), queue="jinbiao")
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        row = quality_row(engine, crowd.project_id)
        if row is not None and row[2] is not None and row[2].timestamp() > sent:
            seen = time.time()
            break
        time.sleep(0.02)
    else:
        raise RuntimeError("the full recompute did not finish")
    summary = job_summary(redis_url, crowd.project_id, lambda t: t >= sent)
    return {
        "seconds": seen - sent,
        "queue": row[1].timestamp() - sent,
        "compute": row[3] / 1000,
        "summary": summary,
    }


def _submit(http: httpx.Client, account: Any, crowd: Crowd) -> tuple[int, float] | None:
    from support.seed import truth

    nxt = http.post(f"/api/v1/projects/{crowd.project_id}/next", headers=account.headers)
    if nxt.status_code != 200:
        return None
    item_id = nxt.json()["item"]["id"]
    done = http.post(
        f"/api/v1/assignments/{nxt.json()['assignment_id']}/submit",
        json={"result": truth(item_id, crowd.kind, crowd.labels), "duration_ms": 900},
        headers=account.headers,
    )
    assert done.status_code == 201, done.text
    return item_id, time.time()


def submit_burst(base: str, engine: Any, crowd: Crowd, size: int, redis_url: str) -> dict[str, Any]:
    from sqlalchemy import text

    with httpx.Client(base_url=base, timeout=120) as http:
        submitted = []
        for n in range(size):
            got = _submit(http, crowd.live[n % len(crowd.live)], crowd)
            if got is not None:
                submitted.append(got)
    if not submitted:
        raise RuntimeError("no live annotator got an item")
    item_id, last = submitted[-1]
    with engine.connect() as conn:
        expected = conn.execute(
            text(
                "SELECT count(*) FROM annotations a WHERE a.item_id = :i AND NOT EXISTS ("
                "SELECT 1 FROM annotator_states s WHERE s.project_id = a.project_id "
                "AND s.user_id = a.annotator_id AND s.status = 'paused')"
            ),
            {"i": item_id},
        ).scalar_one()
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            got = conn.execute(
                text("SELECT n_annotations FROM consensus WHERE item_id = :i"), {"i": item_id}
            ).scalar_one_or_none()
        if got == expected:
            seen = time.time()
            break
        time.sleep(0.01)
    else:
        raise RuntimeError("the consensus never caught up with the last submit")
    row = quality_row(engine, crowd.project_id)
    started = row[1].timestamp()
    summary = job_summary(redis_url, crowd.project_id, lambda t: t >= started - 1e-3)
    first = submitted[0][1] - 1.0  # the first submit's 201 (its job may start before it)
    jobs = [
        r
        for r in job_results(redis_url, crowd.project_id)
        if first <= datetime.fromisoformat(r["started_at"]).timestamp() <= seen
    ]
    return {
        "jobs": len(jobs),
        "submits": len(submitted),
        "burst_seconds": last - submitted[0][1],
        "seconds": seen - last,
        "window_queue": started - last,
        "compute": row[3] / 1000,
        "commit_poll": seen - started - row[3] / 1000,
        "summary": summary,
    }


def profile_in_process(database_url: str, project_id: int, out: Path | None) -> str:
    """One forced recompute in this process under cProfile; the top of the profile as text."""
    os.environ["JINBIAO_DATABASE_URL"] = database_url
    from sqlmodel import Session

    from backend.consensus.recompute import recompute_project
    from backend.consensus.scheduling import claim_recompute
    from backend.db import make_engine
    from backend.wiring import wire

    wire()  # the recompute emits events (items finished, annotators paused), as a worker does
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        claim_recompute(session=session, project_id=project_id, force=True)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        summary = recompute_project(session=session, project_id=project_id)
        profiler.disable()
        wall = time.perf_counter() - started
    engine.dispose()
    if out is not None:
        profiler.dump_stats(str(out))
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(30)
    text_ = buffer.getvalue()
    return f"in-process recompute: {wall:.2f} s, summary {summary}\n{text_}"


# -- one project ------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    items: int
    annotations: int
    full: list[dict[str, Any]]
    bursts: list[dict[str, Any]]
    profile: str = ""


def bench_project(
    kind: str, items: int, base: str, url: str, args: argparse.Namespace, bursts: int
) -> Outcome:
    from backend.db import make_engine

    print(f"\n## {kind}: {items:,} items")
    crowd = make_people(base, kind, args)
    seed_annotations(url, crowd, args, items)
    engine = make_engine(url)
    full = []
    for n in range(args.runs + 1):  # the first run writes every consensus row
        result = full_recompute(engine, crowd, args.redis_url)
        result["first"] = n == 0
        print(
            f"  full recompute {'(first)' if n == 0 else n}: {result['seconds']:.2f} s "
            f"(queue {result['queue']:.2f}, compute {result['compute']:.2f}); "
            f"{result['summary'].get('timings_ms', '')}"
        )
        full.append(result)
    profile = ""
    if args.profile:
        profile = profile_in_process(url, crowd.project_id, None)
        print(profile)
    measured = []
    for size in [1] * (args.singles if bursts else 0) + [args.burst] * bursts:
        time.sleep(args.coalesce + 0.5)  # an idle project: the last window has passed
        result = submit_burst(base, engine, crowd, size, args.redis_url)
        print(
            f"  last submit -> consensus: {result['seconds']:.2f} s (window+queue "
            f"{result['window_queue']:.2f}, compute {result['compute']:.2f}, commit+poll "
            f"{result['commit_poll']:.2f}) after {result['submits']} submit(s) in "
            f"{result['burst_seconds']:.2f} s; {result['jobs']} job(s); "
            f"{result['summary'].get('consensus_written')} rows written, "
            f"{result['summary'].get('timings_ms')}"
        )
        measured.append(result)
    engine.dispose()
    return Outcome(kind, items, crowd.n_annotations, full, measured, profile)


# -- report -----------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _list(rows: list[dict[str, Any]]) -> str:
    return ", ".join(f"{r['seconds']:.2f}" for r in rows)


def markdown(args: argparse.Namespace, outcomes: list[Outcome], label: str) -> str:
    lines = [
        "# Quality-loop benchmark (issue 4)",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.platform()} · "
        f"{os.cpu_count()} CPUs (shared) · Python {platform.python_version()} · {label}",
        "",
        "PostgreSQL + Redis, one Celery worker process (`--pool=solo`), uvicorn for the API. "
        f"{args.annotators} annotators of mixed accuracy, overlap 3, "
        f"{args.gold_share:.0%} gold; coalescing window "
        f"`quality_coalesce_seconds` = {args.coalesce:g} s. Times in seconds; medians of the "
        "repeated runs (the first full recompute, which inserts every consensus row, apart).",
        "",
        "## Full recompute (job with force=True, send -> computed_at visible)",
        "",
        "Stage columns are wall seconds inside the job; worker CPU: the job's own CPU seconds "
        "(`cpu_ms` of its summary, without PostgreSQL's), the figure a loaded machine moves "
        f"least. Load average at the end of the run: {os.getloadavg()[0]:.1f}.",
        "",
        "| kind | items | annotations | first run | repeated runs (median) | queue | compute |"
        " worker CPU | load | infer | consensus write | annotator stats | agreement | overlap |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for o in outcomes:
        rest = [r for r in o.full if not r["first"]] or o.full
        first = next(r for r in o.full if r["first"])

        def t(key: str, rows: list[dict[str, Any]] = rest) -> str:
            vals = [r["summary"].get("timings_ms", {}).get(key) for r in rows]
            vals = [v for v in vals if v is not None]
            return f"{_median(vals) / 1000:.2f}" if vals else "–"

        cpu = [sum(r["summary"].get("cpu_ms", {}).values()) / 1000 for r in rest]
        lines.append(
            f"| {o.kind} | {o.items:,} | {o.annotations:,} | {first['seconds']:.2f} | "
            f"{_median([r['seconds'] for r in rest]):.2f} "
            f"({_list(rest)}) | "
            f"{_median([r['queue'] for r in rest]):.2f} | "
            f"{_median([r['compute'] for r in rest]):.2f} | {_median(cpu):.2f} | "
            f"{t('load')} | {t('infer')} | "
            f"{t('consensus')} | {t('annotators')} | {t('agreement')} | {t('overlap')} |"
        )
    lines += [
        "",
        "## Last submit -> updated consensus",
        "",
        "Live annotators `next` + `submit` over HTTP on an idle project (the last window has "
        "passed): one submit, or a burst of submits back to back; from the last 201 until that "
        "item's consensus row counts it. window+queue: last 201 -> the claim (`started_at`) of "
        "the job that counted it (waiting for the window and for an earlier job of the burst on "
        "the one worker); compute: that job's `duration_ms`; commit+poll: the rest (commit, "
        "10 ms polling). rows written: consensus rows the job changed (every submit shifts the "
        "Dawid-Skene fit, so most confidences move by more than 1e-9).",
        "",
        "| kind | submits | runs | last submit -> consensus (median, all) | window+queue |"
        " compute | commit+poll | jobs per run | rows written |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for o in outcomes:
        for size in sorted({r["submits"] for r in o.bursts}):
            b = [r for r in o.bursts if r["submits"] == size]
            written = [r["summary"].get("consensus_written") for r in b]
            lines.append(
                f"| {o.kind} | {size} | {len(b)} | "
                f"{_median([r['seconds'] for r in b]):.2f} ({_list(b)}) | "
                f"{_median([r['window_queue'] for r in b]):.2f} | "
                f"{_median([r['compute'] for r in b]):.2f} | "
                f"{_median([r['commit_poll'] for r in b]):.2f} | "
                f"{_median([r['jobs'] for r in b]):g} | "
                f"{_median([w for w in written if w is not None] or [float('nan')]):,.0f} |"
            )
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--boxes-items", type=int, default=20_000)
    parser.add_argument("--no-boxes", action="store_true")
    parser.add_argument("--spans-items", type=int, default=0, help="also a spans project")
    parser.add_argument("--annotators", type=int, default=60)
    parser.add_argument("--live", type=int, default=3, help="annotators submitting over HTTP")
    parser.add_argument("--gold-share", type=float, default=0.05)
    parser.add_argument("--open-items", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3, help="repeated full recomputes")
    parser.add_argument("--bursts", type=int, default=3)
    parser.add_argument("--burst", type=int, default=5, help="submits per burst")
    parser.add_argument("--singles", type=int, default=3, help="single-submit measurements")
    parser.add_argument("--coalesce", type=float, default=2.0)
    parser.add_argument("--profile", action="store_true", help="also cProfile one recompute")
    parser.add_argument("--label", default="", help="a note for the report header")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    url, drop = pg_scratch(args.pg_url)
    data_dir = Path(tempfile.mkdtemp(prefix="jinbiao-bench-quality-"))
    env = process_env(url, args.redis_url, data_dir, args.coalesce)
    os.environ.update({k: v for k, v in env.items() if k.startswith("JINBIAO_")})
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    from backend.migrate import upgrade

    server = worker = None
    outcomes = []
    try:
        print(f"scratch database {url}")
        upgrade(database_url=url)
        port = free_port()
        server = start_server(env, port)
        worker = start_worker(env)
        from backend.queue import enqueue_for_result

        enqueue_for_result("jinbiao.system.ping", "ready").get(timeout=60)
        base = f"http://127.0.0.1:{port}"
        outcomes.append(
            bench_project("text_classification", args.items, base, url, args, args.bursts)
        )
        if not args.no_boxes:
            outcomes.append(bench_project("image_boxes", args.boxes_items, base, url, args, 0))
        if args.spans_items:
            outcomes.append(bench_project("text_spans", args.spans_items, base, url, args, 0))
    finally:
        stop(worker)
        stop(server)
        if args.keep:
            print(f"kept {url}")
        else:
            drop()
    report = markdown(args, outcomes, args.label)
    print("\n" + report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
