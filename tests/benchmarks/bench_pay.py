"""Benchmark: the pay ledger for 1,000,000 finished annotations and the payout report, PostgreSQL.

Run on demand (pytest does not collect it)::

    .venv/bin/python tests/benchmarks/bench_pay.py [--annotations 1000000] [--annotators 1000]
        [--reports 50] [--base-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

It creates a scratch database beside ``--base-url``, migrates it and bulk-loads (``COPY``) one
text-classification project: ``annotations / 2`` items with two answers each from
``--annotators`` annotators, their consensus (one answer in ten disagrees), and the project's
rates (``per_item`` 0.05, ``payable_when: agrees``). Then, with the same function a worker runs
(``backend.pay.build.build_project``):

* the first full pass (marks every done item finished, decides and writes every entry);
* an incremental pass after 1 % new decisions: half of them newly finished items (new
  annotations and an ``ItemsFinished`` work row), half rejections of earned annotations
  (an ``AnnotationsStoppedCounting`` work row);
* the payout report (``backend.pay.payouts.payout_report``) of the organization for a month,
  the entries spread over its 30 days (and their daily totals rebuilt to match) and a month of
  measured working time per annotator, timed ``--reports`` times: median and p99.

The scratch database is dropped at the end. The result goes to stdout and
``tests/benchmarks/results/pay.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "tests/benchmarks/results/pay.md"
LABELS = ["electrical_fault", "mechanical_wear", "other"]
MONTH = (date(2026, 11, 1), date(2026, 11, 30))


def _admin(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def seed(url: str, *, annotations: int, annotators: int) -> tuple[int, int, list[int]]:
    """The organization, its annotators and the project with its finished work."""
    from sqlmodel import Session

    from backend.accounts.models import User
    from backend.db import make_engine
    from backend.orgs.models import Membership, Organization
    from backend.pay.models import PayRate
    from backend.projects.models import Project
    from backend.projects.pay_settings import PaySettings

    engine = make_engine(url)
    created = datetime(2026, 10, 1, tzinfo=UTC)
    with Session(engine) as session:
        org = Organization(name="bench pay")
        session.add(org)
        session.flush()
        users = [
            User(
                email=f"a{i}-{uuid.uuid4().hex[:6]}@example.com",
                name=f"标注员 {i}",
                password_hash="x",
            )
            for i in range(annotators)
        ]
        session.add_all(users)
        session.flush()
        session.add_all([Membership(org_id=org.id, user_id=u.id, role="annotator") for u in users])
        project = Project(
            org_id=org.id,
            name="bench pay",
            kind="text_classification",
            overlap=2,
            max_overlap=2,
            reward_per_item=0.05,
            created_at=created,
            labels=[{"name": label} for label in LABELS],
            pay={"payable_when": "agrees"},
        )
        session.add(project)
        session.flush()
        rates = PaySettings(per_item="0.05", payable_when="agrees").model_dump(mode="json")
        session.add(PayRate(project_id=project.id, effective_from=created, rates=rates))
        session.commit()
        org_id, project_id, user_ids = org.id, project.id, [u.id for u in users]
    add_work(url, org_id, project_id, user_ids, items=annotations // 2, first=0)
    return org_id, project_id, user_ids


def add_work(
    url: str, org_id: int, project_id: int, user_ids: list[int], *, items: int, first: int
) -> list[int]:
    """``items`` done items with two answers and a consensus each; answers their ids."""
    import psycopg

    stamp = datetime(2026, 11, 15, tzinfo=UTC).isoformat()
    n = len(user_ids)
    with psycopg.connect(_admin(url)) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY items (project_id, org_id, external_id, text, content_hash, meta, is_gold,"
            " priority, random_key, annotation_count, wanted, created_at) FROM STDIN"
        ) as copy:
            for i in range(first, first + items):
                copy.write_row(
                    (
                        project_id,
                        org_id,
                        f"t-{i}",
                        f"report {i}",
                        uuid.uuid4().hex,
                        "{}",
                        False,
                        0.0,
                        i,
                        2,
                        2,
                        stamp,
                    )
                )
        cur.execute(
            "SELECT id FROM items WHERE project_id = %s AND external_id = ANY(%s) ORDER BY id",
            (project_id, [f"t-{i}" for i in range(first, first + items)]),
        )
        item_ids = [row[0] for row in cur.fetchall()]
        with cur.copy(
            "COPY assignments (project_id, item_id, annotator_id, is_gold, status, created_at,"
            " expires_at, finished_at, stage) FROM STDIN"
        ) as copy:
            for k, item_id in enumerate(item_ids):
                for j in (0, 1):
                    user = user_ids[(k + first + j) % n]
                    copy.write_row(
                        (
                            project_id,
                            item_id,
                            user,
                            False,
                            "submitted",
                            stamp,
                            stamp,
                            stamp,
                            "annotate",
                        )
                    )
        cur.execute(
            "SELECT id, item_id, annotator_id FROM assignments WHERE item_id = ANY(%s)",
            (item_ids,),
        )
        leases = cur.fetchall()
        with cur.copy(
            "COPY annotations (assignment_id, project_id, item_id, annotator_id, result,"
            " duration_ms, is_gold, review_status, created_at) FROM STDIN"
        ) as copy:
            for assignment_id, item_id, user in leases:
                label = LABELS[item_id % 3]
                if (assignment_id % 10) == 0:  # one answer in ten disagrees
                    label = LABELS[(item_id + 1) % 3]
                copy.write_row(
                    (
                        assignment_id,
                        project_id,
                        item_id,
                        user,
                        json.dumps({"label": label}),
                        2000,
                        False,
                        "submitted",
                        stamp,
                    )
                )
        with cur.copy(
            "COPY consensus (item_id, project_id, result, confidence, n_annotations, method,"
            " updated_at) FROM STDIN"
        ) as copy:
            for item_id in item_ids:
                copy.write_row(
                    (
                        item_id,
                        project_id,
                        json.dumps({"label": LABELS[item_id % 3]}),
                        0.9,
                        2,
                        "bench",
                        stamp,
                    )
                )
        conn.commit()
    with psycopg.connect(_admin(url), autocommit=True) as conn:
        for table in ("items", "assignments", "annotations", "consensus"):
            conn.execute(f"VACUUM (ANALYZE) {table}")
    return item_ids


def _build(project_id: int, *, full: bool) -> tuple[float, dict]:
    from sqlmodel import Session

    from backend.db import get_engine
    from backend.pay.build import build_project

    started = time.perf_counter()
    with Session(get_engine(), expire_on_commit=False) as session:
        done = build_project(session=session, project_id=project_id, full=full)
        while done.get("more"):
            done = build_project(session=session, project_id=project_id)
    return time.perf_counter() - started, done


def new_decisions(
    url: str, org_id: int, project_id: int, user_ids: list[int], *, n: int, first: int
) -> None:
    """``n`` decisions: n/2 annotations on newly finished items, n/2 rejections."""
    import psycopg
    from sqlmodel import Session

    from backend.db import get_engine
    from backend.pay.models import PayWork

    item_ids = add_work(url, org_id, project_id, user_ids, items=n // 4, first=first)
    with psycopg.connect(_admin(url)) as conn:
        earned = [
            row[0]
            for row in conn.execute(
                "SELECT annotation_id FROM pay_entries WHERE project_id = %s AND kind = 'earn' "
                "ORDER BY annotation_id LIMIT %s",
                (project_id, n // 2),
            )
        ]
    with Session(get_engine()) as session:
        session.add(PayWork(project_id=project_id, what="finished", item_ids=item_ids))
        session.add(
            PayWork(
                project_id=project_id,
                what="stopped",
                annotation_ids=earned,
                reason="review_rejected",
            )
        )
        session.commit()


def spread_month(url: str, org_id: int, project_id: int, user_ids: list[int]) -> int:
    """Entries over the month's 30 days; a month of working time per annotator."""
    import psycopg

    with psycopg.connect(_admin(url)) as conn:
        conn.execute(
            "UPDATE pay_entries SET day = %s::date + (id %% 30)::int WHERE project_id = %s",
            (MONTH[0], project_id),
        )
        # The daily totals follow the entries they sum (a live ledger writes them together).
        conn.execute("DELETE FROM pay_day_totals WHERE project_id = %s", (project_id,))
        conn.execute(
            "INSERT INTO pay_day_totals (org_id, annotator_id, project_id, day, amount, earns, "
            "reverses) SELECT org_id, annotator_id, project_id, day, sum(amount), "
            "count(*) FILTER (WHERE kind = 'earn'), count(*) FILTER (WHERE kind = 'reverse') "
            "FROM pay_entries WHERE project_id = %s AND kind <> 'payout' "
            "GROUP BY org_id, annotator_id, project_id, day",
            (project_id,),
        )
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY work_days (user_id, project_id, day, stage, seconds) FROM STDIN"
            ) as copy,
        ):
            for user in user_ids:
                for d in range(30):
                    copy.write_row(
                        (
                            user,
                            project_id,
                            MONTH[0] + timedelta(days=d),
                            "annotate",
                            3600 + user % 1800,
                        )
                    )
        count = conn.execute("SELECT count(*) FROM pay_entries").fetchone()[0]
        conn.commit()
    with psycopg.connect(_admin(url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) pay_entries")
        conn.execute("VACUUM (ANALYZE) work_days")
        conn.execute("VACUUM (ANALYZE) pay_day_totals")
    return count


def time_reports(org_id: int, runs: int) -> tuple[list[float], dict]:
    from sqlmodel import Session

    from backend.db import get_engine
    from backend.pay.payouts import payout_report

    times, report = [], None
    for _ in range(runs):
        started = time.perf_counter()
        with Session(get_engine()) as session:
            report = payout_report(session=session, org_id=org_id, starts=MONTH[0], ends=MONTH[1])
            session.rollback()
        times.append(time.perf_counter() - started)
    return times, {"rows": len(report.rows), "total": str(report.total)}


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--annotators", type=int, default=1_000)
    parser.add_argument("--reports", type=int, default=50)
    parser.add_argument("--base-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    import psycopg

    name = f"jinbiao_bench_pay_{uuid.uuid4().hex[:8]}"
    url = args.base_url.rsplit("/", 1)[0] + "/" + name
    data_dir = Path(tempfile.mkdtemp(prefix="jinbiao-bench-pay-"))
    os.environ.update(JINBIAO_DATABASE_URL=url, JINBIAO_DATA_DIR=str(data_dir), JINBIAO_ENV="local")
    sys.path.insert(0, str(REPO))
    with psycopg.connect(_admin(args.base_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        from backend.migrate import upgrade
        from backend.wiring import wire

        upgrade(database_url=url)
        wire()
        started = time.perf_counter()
        org_id, project_id, user_ids = seed(
            url, annotations=args.annotations, annotators=args.annotators
        )
        print(
            f"seeded {args.annotations} annotations in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        full_s, full = _build(project_id, full=True)
        print("full pass", round(full_s, 2), full, flush=True)
        again_s, again = _build(project_id, full=False)
        print("incremental, nothing new", round(again_s, 2), again, flush=True)
        decisions = args.annotations // 100
        new_decisions(url, org_id, project_id, user_ids, n=decisions, first=args.annotations)
        incr_s, incr = _build(project_id, full=False)
        print("incremental after 1 %", round(incr_s, 2), incr, flush=True)
        entries = spread_month(url, org_id, project_id, user_ids)
        times, report = time_reports(org_id, args.reports)
        print(
            "payout report",
            report,
            f"median {statistics.median(times):.3f} s p99 {p99(times):.3f} s",
            flush=True,
        )
    finally:
        from backend.db import get_engine

        get_engine().dispose()
        with psycopg.connect(_admin(args.base_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    load = os.getloadavg()
    table = "\n".join(
        [
            "# Pay ledger and payout report (PostgreSQL)",
            "",
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
            f"({os.cpu_count()} CPUs, load {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}), "
            f"`tests/benchmarks/bench_pay.py --annotations {args.annotations} "
            f"--annotators {args.annotators} --reports {args.reports}`.",
            "",
            "| step | figure |",
            "|---|---|",
            f"| first full pass: {args.annotations:,} finished annotations "
            f"({full['written']:,} entries written) | {full_s:.1f} s |",
            f"| incremental pass, nothing new | {again_s:.2f} s |",
            f"| incremental pass after 1 % new decisions ({decisions // 2:,} newly finished "
            f"answers, {decisions // 2:,} rejections; {incr['written']:,} entries) "
            f"| {incr_s:.2f} s |",
            f"| payout report, {args.annotators:,} annotators, one month "
            f"({entries:,} entries, {report['rows']:,} rows), median of {args.reports} | "
            f"{statistics.median(times) * 1000:.0f} ms |",
            f"| payout report p99 (target ≤ 1 s) | {p99(times) * 1000:.0f} ms |",
            "",
            "The passes are `backend.pay.build.build_project`, what the worker's "
            "`jinbiao.pay.build` runs; the report is `backend.pay.payouts.payout_report`, what "
            "`GET /orgs/{org_id}/payouts` answers.",
            "",
        ]
    )
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
