"""Benchmark: COCO export of 10,000 and 100,000 images with five boxes each, on PostgreSQL.

Run on demand (pytest does not collect it)::

    .venv/bin/python tests/benchmarks/bench_export.py [--sizes 10000 100000] [--verify]

It creates a scratch database beside ``postgresql+psycopg://postgres@127.0.0.1:5432/test``
(``--base-url``), migrates it, bulk-loads one project per size with ``COPY`` (items, one
annotation per item and a consensus row, both with five boxes), then builds each version in a
fresh subprocess — the same ``run_build`` a worker runs, media in url mode so no image files are
needed — and reports its wall time and peak resident memory (``VmHWM``), next to the
process's resident memory before the build (imports and connection). ``--verify`` loads the
largest COCO file with pycocotools and checks the counts. The scratch database is dropped at the
end. The result goes to stdout and ``tests/benchmarks/results/export.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
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
    started = time.perf_counter()
    outcome = run_build(engine=engine, version_id=version_id, config=export_settings())
    seconds = time.perf_counter() - started
    peak = _status_mb("VmHWM")
    with Session(engine) as session:
        version = session.get(DatasetVersion, version_id)
        print(
            json.dumps(
                {
                    "outcome": outcome,
                    "seconds": seconds,
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
        cur.execute("ANALYZE")

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--base-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--verify", action="store_true", help="load the largest with pycocotools")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

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
            answer = subprocess.run(
                [sys.executable, __file__, "--child", str(version_id)],
                env=dict(os.environ),
                capture_output=True,
                text=True,
                check=True,
                cwd=REPO,
            )
            figures = json.loads(answer.stdout.strip().splitlines()[-1])
            figures["n"] = n
            rows.append(figures)
            print(json.dumps(figures), flush=True)
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
    RESULTS.write_text(report)


def _verify(zip_path: Path, figures: dict) -> str:
    from pycocotools.coco import COCO

    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extract("annotations/instances_train.json", folder)
        coco = COCO(f"{folder}/annotations/instances_train.json")
        images, annotations = len(coco.getImgIds()), len(coco.getAnnIds())
    assert images == figures["items"] and annotations == figures["annotations"], (images, figures)
    return f"pycocotools: {images} images, {annotations} annotations"


def _report(rows: list[dict]) -> str:
    lines = [
        "# Export benchmark: COCO, five boxes per image, PostgreSQL, media by URL",
        "",
        f"Run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} on {platform.node()} "
        f"({os.cpu_count()} CPUs shared with other work, Python {platform.python_version()}).",
        "Each build runs in a fresh process: `run_build` as a worker runs it (read in chunks of "
        "1,000, stage, zip, sha256, rename). Memory is the process's peak resident set "
        '(`VmHWM`); "before" is its resident set after imports and connecting.',
        "",
        "| images | boxes | build time (s) | items/s | RSS before (MB) | peak RSS (MB) "
        "| growth over before (MB) | zip (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['annotations']:,} | {r['seconds']:.1f} | "
            f"{r['n'] / r['seconds']:,.0f} | {r['rss_before_mb']:.0f} | {r['peak_rss_mb']:.0f} | "
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
    verified = [r["verified"] for r in rows if r.get("verified")]
    if verified:
        lines += ["", f"Check of the largest file: {verified[0]}."]
    lines += [
        "",
        "Label Studio comparison: not run (optional; see /work/shared/notes/peers.md for the "
        "1.2 ms per task figure measured there, i.e. about 120 s for 100,000 tasks).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
