"""Benchmark: COCO export of 10,000 and 100,000 images with five boxes each, on PostgreSQL.

Run on demand (pytest does not collect it)::

    .venv/bin/python tests/benchmarks/bench_export.py [--sizes 10000 100000] [--repeat 3] [--verify]

It creates a scratch database beside ``postgresql+psycopg://postgres@127.0.0.1:5432/test``
(``--base-url``), migrates it, bulk-loads one project per size with ``COPY`` (items, one
annotation per item and a consensus row, both with five boxes), then builds each version in a
fresh subprocess — the same ``run_build`` a worker runs, media in url mode so no image files are
needed — and reports its wall time, CPU time (all its threads) and peak resident memory
(``VmHWM``), next to the process's resident memory before the build (imports and connection).
With ``--repeat n`` each size is built n times (a new version of the same project each time) and
the median is reported: the machine's two CPUs are shared with other work. ``--verify`` loads the
largest COCO file with pycocotools and checks the counts. The scratch database is dropped at the
end. The result goes to stdout and ``tests/benchmarks/results/export.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "tests/benchmarks/results/export.md"
LABELS = ["scratch", "dent", "stain"]
BOXES_PER_IMAGE = 5


def _admin(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _status_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, from /proc.

    Not ``ru_maxrss``: Linux carries the pre-exec high-water mark into it, and right after
    ``fork`` that is the parent's resident set — here the parent that just seeded 100,000 rows.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def child(version_id: int) -> None:
    """Build one version in this (fresh) process and print the figures as JSON."""
    sys.path.insert(0, str(REPO))
    from sqlmodel import Session

    from backend.db import get_engine
    from backend.exports.config import export_settings
    from backend.exports.jobs import run_build
    from backend.exports.models import DatasetVersion

    engine = get_engine()
    with engine.connect():
        pass
    before = _status_mb("VmRSS")
    cpu_before = time.process_time()
    started = time.perf_counter()
    outcome = run_build(engine=engine, version_id=version_id, config=export_settings())
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    load = float(Path("/proc/loadavg").read_text().split()[0])
    peak = _status_mb("VmHWM")
    with Session(engine) as session:
        version = session.get(DatasetVersion, version_id)
        print(
            json.dumps(
                {
                    "outcome": outcome,
                    "seconds": seconds,
                    "cpu_seconds": cpu,
                    "load_1min": load,
                    "rss_before_mb": before,
                    "peak_rss_mb": peak,
                    "zip_bytes": version.size_bytes,
                    "file_key": version.file_key,
                    "items": version.counts["items_total"],
                    "annotations": sum(version.counts["labels"]["train"].values()),
                }
            )
        )


def seed(url: str, n: int, seed_value: int) -> tuple[int, int]:
    """One image_boxes project with ``n`` items; answers (project id, version id)."""
    import psycopg
    from sqlmodel import Session

    from backend.accounts.models import User
    from backend.db import make_engine
    from backend.exports.models import DatasetVersion
    from backend.exports.schemas import VersionCreate
    from backend.exports.service import version_params
    from backend.orgs.models import Membership, Organization
    from backend.projects.models import Project

    engine = make_engine(url)
    with Session(engine) as session:
        org = Organization(name=f"bench {n}")
        user = User(email=f"bench-{uuid.uuid4().hex[:8]}@example.com", name="b", password_hash="x")
        session.add_all([org, user])
        session.flush()
        session.add(Membership(org_id=org.id, user_id=user.id, role="owner"))
        project = Project(
            org_id=org.id,
            name=f"bench {n}",
            kind="image_boxes",
            labels=[{"name": label} for label in LABELS],
        )
        session.add(project)
        session.commit()
        project_id, org_id, user_id = project.id, org.id, user.id

    rng = random.Random(seed_value)
    now = datetime.now(UTC).isoformat()
    with psycopg.connect(_admin(url)) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY items (project_id, org_id, external_id, media_key, media_type, width, height,"
            " content_hash, meta, is_gold, priority, random_key, annotation_count, wanted,"
            " created_at) FROM STDIN"
        ) as copy:
            for i in range(n):
                copy.write_row(
                    (
                        project_id,
                        org_id,
                        f"img-{i:06d}",
                        f"bench/{i}.jpg",
                        "image/jpeg",
                        1920,
                        1080,
                        uuid.uuid4().hex + uuid.uuid4().hex,
                        "{}",
                        False,
                        0.0,
                        rng.getrandbits(62),
                        1,
                        1,
                        now,
                    )
                )
        cur.execute("SELECT id FROM items WHERE project_id = %s ORDER BY id", (project_id,))
        item_ids = [row[0] for row in cur.fetchall()]
        with cur.copy(
            "COPY assignments (project_id, item_id, annotator_id, is_gold, status, created_at,"
            " expires_at, finished_at) FROM STDIN"
        ) as copy:
            for item_id in item_ids:
                copy.write_row((project_id, item_id, user_id, False, "submitted", now, now, now))
        cur.execute(
            "SELECT id, item_id FROM assignments WHERE project_id = %s ORDER BY item_id",
            (project_id,),
        )
        assignments = cur.fetchall()
        with cur.copy(
            "COPY annotations (assignment_id, project_id, item_id, annotator_id, result,"
            " duration_ms, is_gold, review_status, created_at) FROM STDIN"
        ) as copy:
            boxes_of = {}
            for assignment_id, item_id in assignments:
                boxes = []
                for _ in range(BOXES_PER_IMAGE):
                    w, h = round(rng.uniform(10, 300), 1), round(rng.uniform(10, 300), 1)
                    x, y = round(rng.uniform(0, 1920 - w), 1), round(rng.uniform(0, 1080 - h), 1)
                    boxes.append({"label": rng.choice(LABELS), "x": x, "y": y, "w": w, "h": h})
                result = json.dumps({"boxes": boxes})
                boxes_of[item_id] = result
                copy.write_row(
                    (
                        assignment_id,
                        project_id,
                        item_id,
                        user_id,
                        result,
                        2000,
                        False,
                        "submitted",
                        now,
                    )
                )
        with cur.copy(
            "COPY consensus (item_id, project_id, result, confidence, n_annotations, method,"
            " updated_at) FROM STDIN"
        ) as copy:
            for item_id, result in boxes_of.items():
                copy.write_row(
                    (item_id, project_id, result, round(rng.uniform(0.5, 1), 3), 1, "bench", now)
                )
        del boxes_of
        conn.commit()
    # Freshly copied rows get their hint bits on first read, which writes every page once: a
    # build right after the load would pay for that. VACUUM does it, as a live database has.
    with psycopg.connect(_admin(url), autocommit=True) as conn:
        for table in ("items", "assignments", "annotations", "consensus"):
            conn.execute(f"VACUUM (ANALYZE) {table}")

    with Session(engine) as session:
        project = session.get(Project, project_id)
        params = version_params(
            session=session,
            project=project,
            body=VersionCreate(format="coco", media="url"),
            media_base_url="https://jinbiao.example",
        )
        version = DatasetVersion(
            project_id=project_id, org_id=org_id, number=1, format="coco", params=params
        )
        session.add(version)
        session.commit()
        version_id = version.id
    engine.dispose()
    return project_id, version_id


def another_version(url: str, version_id: int) -> int:
    """A new queued version of the same project with the same params (a rebuild to time)."""
    from sqlmodel import Session, func, select

    from backend.db import make_engine
    from backend.exports.models import DatasetVersion

    engine = make_engine(url)
    with Session(engine) as session:
        first = session.get(DatasetVersion, version_id)
        number = session.exec(
            select(func.max(DatasetVersion.number)).where(
                DatasetVersion.project_id == first.project_id
            )
        ).one()
        version = DatasetVersion(
            project_id=first.project_id,
            org_id=first.org_id,
            number=number + 1,
            format=first.format,
            params=first.params,
        )
        session.add(version)
        session.commit()
        new_id = version.id
    engine.dispose()
    return new_id


def _build(version_id: int, tree: Path = REPO) -> dict:
    """Build in a fresh process with the code of ``tree`` (this checkout, or an older one)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    answer = subprocess.run(
        [
            sys.executable,
            str(tree / "tests/benchmarks/bench_export.py"),
            "--child",
            str(version_id),
        ],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=True,
        cwd=tree,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = json.loads(answer.stdout.strip().splitlines()[-1])
    figures["process_cpu_seconds"] = (after.ru_utime - before.ru_utime) + (
        after.ru_stime - before.ru_stime
    )
    return figures


def _median_run(runs: list[dict]) -> dict:
    """The run with the median build time, with the list of all times and peaks."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["all_seconds"] = [r["seconds"] for r in runs]
    chosen["all_cpu"] = [r["cpu_seconds"] for r in runs]
    chosen["all_peaks"] = [r["peak_rss_mb"] for r in runs]
    chosen["peak_rss_mb"] = statistics.median(chosen["all_peaks"])
    chosen["cpu_seconds"] = statistics.median(chosen["all_cpu"])
    chosen["all_load"] = [r["load_1min"] for r in runs]
    chosen["all_process_cpu"] = [r["process_cpu_seconds"] for r in runs]
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--base-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--verify", action="store_true", help="load the largest with pycocotools")
    parser.add_argument("--repeat", type=int, default=1, help="builds per size; the median counts")
    parser.add_argument(
        "--baseline-tree",
        type=Path,
        help="an older checkout (git archive): its build is timed too, alternating with this one",
    )
    parser.add_argument(
        "--label-studio",
        action="store_true",
        help="in the same run, time Label Studio's export of the same sizes (peers/)",
    )
    parser.add_argument("--ls-venv", type=Path, default=Path("/tmp/lsvenv"))
    parser.add_argument("--ls-port", type=int, default=8091)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    peer = None
    if args.label_studio:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from peers.label_studio_export import run as run_label_studio

        peer = run_label_studio(venv=args.ls_venv, sizes=args.sizes, port=args.ls_port)

    import psycopg

    name = f"jinbiao_bench_export_{uuid.uuid4().hex[:8]}"
    url = args.base_url.rsplit("/", 1)[0] + "/" + name
    data_dir = Path(tempfile.mkdtemp(prefix="jinbiao-bench-export-"))
    os.environ.update(JINBIAO_DATABASE_URL=url, JINBIAO_DATA_DIR=str(data_dir), JINBIAO_ENV="local")
    sys.path.insert(0, str(REPO))
    with psycopg.connect(_admin(args.base_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    rows = []
    try:
        from backend.migrate import upgrade

        upgrade(database_url=url)
        for n in args.sizes:
            started = time.perf_counter()
            _, version_id = seed(url, n, seed_value=n)
            seeded = time.perf_counter() - started
            print(
                f"seeded {n} items with {n * BOXES_PER_IMAGE} boxes in {seeded:.1f} s", flush=True
            )
            runs, baseline = [], []
            for attempt in range(args.repeat):
                target = version_id if attempt == 0 else another_version(url, version_id)
                runs.append(_build(target))
                print(json.dumps(runs[-1]), flush=True)
                if args.baseline_tree:
                    baseline.append(_build(another_version(url, version_id), args.baseline_tree))
                    print("baseline", json.dumps(baseline[-1]), flush=True)
            figures = _median_run(runs)
            figures["n"] = n
            if baseline:
                figures["baseline"] = baseline
            rows.append(figures)
        if args.verify:
            rows[-1]["verified"] = _verify(data_dir / rows[-1]["file_key"], rows[-1])
    finally:
        with psycopg.connect(_admin(args.base_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
    report = _report(rows)
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if peer is None:
        RESULTS.write_text(report)
        return
    section = _label_studio_section(peer, rows, sys.argv)
    print(section)
    with RESULTS.open("a") as out:
        out.write("\n" + section)


def _verify(zip_path: Path, figures: dict) -> str:
    from pycocotools.coco import COCO

    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extract("annotations/instances_train.json", folder)
        coco = COCO(f"{folder}/annotations/instances_train.json")
        images, annotations = len(coco.getImgIds()), len(coco.getAnnIds())
    assert images == figures["items"] and annotations == figures["annotations"], (images, figures)
    return f"pycocotools: {images} images, {annotations} annotations"


# The figures of the first build (commit d0954d8, before the faster reads and staging), for the
# comparison table; same machine, same data, one run each.
PREVIOUS = {10_000: (3.3, 83), 100_000: (42.5, 83)}
# Label Studio 1.23.2 on this machine: about 1.2 ms per task, 112 s for 100,000 tasks (COCO export,
# synchronous); the issue asks for at least 20 times faster at the same size.
LABEL_STUDIO_100K_SECONDS = 112.0


def _report(rows: list[dict]) -> str:
    repeat = len(rows[0]["all_seconds"]) if rows else 1
    lines = [
        "# Export benchmark: COCO, five boxes per image, PostgreSQL, media by URL",
        "",
        f"Run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} on {platform.node()} "
        f"({os.cpu_count()} CPUs shared with other work, Python {platform.python_version()}, "
        f"orjson {_orjson_version()}).",
        "Each build runs in a fresh process: `run_build` as a worker runs it (read in chunks, "
        "stage, deflate, zip, sha256, rename). "
        f"Each size was built {repeat} time(s); the table shows the median. "
        "CPU is the build process's user + system time over all its threads; load is the "
        "machine's 1-minute load average at the end of each build (2 CPUs: above 2, the build "
        "waited for a CPU). Memory is the "
        'process\'s peak resident set (`VmHWM`); "before" is its resident set after imports and '
        "connecting.",
        "",
        "| images | boxes | build time (s) | all runs (s) | CPU (s) | load (1 min) | items/s "
        "| RSS before (MB) | peak RSS (MB) | growth over before (MB) | zip (MB) |",
        "|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        runs = ", ".join(f"{s:.1f}" for s in r["all_seconds"])
        loads = ", ".join(f"{x:.1f}" for x in r["all_load"])
        lines.append(
            f"| {r['n']:,} | {r['annotations']:,} | {r['seconds']:.1f} | {runs} | "
            f"{r['cpu_seconds']:.1f} | {loads} | {r['n'] / r['seconds']:,.0f} | "
            f"{r['rss_before_mb']:.0f} | {r['peak_rss_mb']:.0f} | "
            f"{r['peak_rss_mb'] - r['rss_before_mb']:.0f} | {r['zip_bytes'] / 1e6:.1f} |"
        )
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        lines += [
            "",
            f"From {a['n']:,} to {b['n']:,} images ({b['n'] / a['n']:.0f}× the data): time "
            f"×{b['seconds'] / a['seconds']:.1f}, "
            f"peak memory ×{b['peak_rss_mb'] / a['peak_rss_mb']:.2f}.",
        ]
    previous = [r for r in rows if r["n"] in PREVIOUS]
    if previous:
        lines += [
            "",
            "Against the figures recorded for the first build (commit d0954d8: ORM-style reads "
            "in chunks of 1,000, every file staged, re-read to hash and zipped at deflate level "
            "6), one run each at 2026-11-23 17:31 UTC, under whatever load the machine had then "
            "and without the VACUUM after loading; the same-run comparison below is the fair "
            "one:",
            "",
            "| images | recorded then (s) | now (s) | ratio | peak RSS then (MB) | now (MB) |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for r in previous:
            seconds, peak = PREVIOUS[r["n"]]
            lines.append(
                f"| {r['n']:,} | {seconds:.1f} | {r['seconds']:.1f} | "
                f"×{seconds / r['seconds']:.1f} | {peak} | {r['peak_rss_mb']:.0f} |"
            )
    compared = [r for r in rows if r.get("baseline")]
    if compared:
        lines += [
            "",
            "The same builds with the first build's code (commit d0954d8, `--baseline-tree`), "
            "alternating with this code's in the same run, so under the same load; CPU here is "
            "the whole process's, imports included:",
            "",
            "| images | this code (s) | its CPU (s) | first build (s) | its CPU (s) | faster |",
            "|---:|---|---|---|---|---:|",
        ]
        for r in compared:
            new_s = sorted(r["all_seconds"])
            old_s = sorted(b["seconds"] for b in r["baseline"])
            new_cpu = ", ".join(f"{x:.1f}" for x in r["all_process_cpu"])
            old_cpu = ", ".join(f"{b['process_cpu_seconds']:.1f}" for b in r["baseline"])
            ratio = statistics.median(old_s) / statistics.median(new_s)
            lines.append(
                f"| {r['n']:,} | {', '.join(f'{x:.1f}' for x in new_s)} | {new_cpu} | "
                f"{', '.join(f'{x:.1f}' for x in old_s)} | {old_cpu} | ×{ratio:.1f} (medians) |"
            )
    largest = [r for r in rows if r["n"] == 100_000]
    if largest:
        r = largest[0]
        ratio = LABEL_STUDIO_100K_SECONDS / r["seconds"]
        verdict = "met" if ratio >= 20 else "not met"
        lines += [
            "",
            f"Target (issue 7): at least 20× faster than Label Studio 1.23.2, which needs about "
            f"{LABEL_STUDIO_100K_SECONDS:.0f} s for 100,000 tasks here, so ≤ "
            f"{LABEL_STUDIO_100K_SECONDS / 20:.1f} s: {LABEL_STUDIO_100K_SECONDS:.0f} s / "
            f"{r['seconds']:.1f} s = {ratio:.1f}× — {verdict} (median run). Slowest run: "
            f"{LABEL_STUDIO_100K_SECONDS / max(r['all_seconds']):.1f}×.",
        ]
    verified = [r["verified"] for r in rows if r.get("verified")]
    if verified:
        lines += ["", f"Check of the largest file: {verified[0]}."]
    lines += [
        "",
        "Label Studio itself was not run in this benchmark; the 1.2 ms per task figure was "
        "measured on this machine (see /work/shared/notes/peers.md).",
        "",
    ]
    return "\n".join(lines)


def _label_studio_section(peer: dict, rows: list[dict], argv: list[str]) -> str:
    """The same-run comparison with Label Studio, appended to the results file."""
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    command = " ".join([".venv/bin/python", "tests/benchmarks/bench_export.py", *argv[1:]])
    lines = [
        f"## Label Studio {peer['version']} in the same run ({peer['stamp']})",
        "",
        f"Load average at the end: {load} (2 CPUs shared with other work). Command, from the "
        "repository root, Label Studio installed outside it "
        "(`python3.11 -m venv /tmp/lsvenv && /tmp/lsvenv/bin/pip install label-studio==1.23.2`):",
        "",
        f"    {command}",
        "",
        "Label Studio: its default SQLite, a fresh data folder (removed at the end), started by "
        "`peers/label_studio.py` (`label-studio start --no-browser --internal-host 127.0.0.1 "
        f"--port {peer['port']} … --enable-legacy-api-token`, up in "
        f"{peer['start_seconds']:.0f} s); one RectangleLabels project per size (scratch, dent, "
        "stain, crack, hole), images by URL, each task imported with one annotation of five "
        "boxes (`POST /api/projects/{id}/import`, chunks of 2,000); then the synchronous "
        "`GET /api/projects/{id}/export?exportType=COCO`, timed by the client until the last "
        "byte, and `JSON_MIN` for reference. LS peak MB is the sum of `VmHWM` over the server's "
        "process tree, reset through `/proc/<pid>/clear_refs` just before each export, so it is "
        "the peak during that export. Jinbiao: this run's builds of the same sizes (this "
        "script's seed, five boxes per image drawn the same way on 1920×1080 images but with "
        "its three labels, COCO, media by URL, each build in a fresh process, median of the "
        "runs listed), built after Label Studio was stopped; its peak is the build process's "
        "`VmHWM`. Its own table of this run is printed, not written here.",
        "",
        "| images | boxes | LS COCO (s) | LS peak MB | LS JSON_MIN (s) | its peak MB "
        "| LS import (s) | Jinbiao COCO (s) | its runs (s) | Jinbiao peak MB "
        "| ratio (LS s / Jinbiao s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    ours = {r["n"]: r for r in rows}
    for p in peer["rows"]:
        coco, jmin, r = p["exports"]["COCO"], p["exports"]["JSON_MIN"], ours[p["n"]]
        lines.append(
            f"| {p['n']:,} | {p['n'] * 5:,} | {coco['seconds']:.1f} | {coco['peak_mb']:.0f} | "
            f"{jmin['seconds']:.1f} | {jmin['peak_mb']:.0f} | {p['import_seconds']:.0f} | "
            f"{r['seconds']:.2f} | {', '.join(f'{x:.2f}' for x in r['all_seconds'])} | "
            f"{r['peak_rss_mb']:.0f} | "
            f"×{coco['seconds'] / r['seconds']:.1f} |"
        )
    checks = "; ".join(
        f"{p['n']:,}: {p['coco_counts'][0]:,} images, {p['coco_counts'][1]:,} annotations"
        for p in peer["rows"]
    )
    lines += ["", f"Label Studio's COCO files held: {checks}.", ""]
    return "\n".join(lines)


def _orjson_version() -> str:
    try:
        import orjson
    except ImportError:
        return "not installed"
    return orjson.__version__


if __name__ == "__main__":
    main()
