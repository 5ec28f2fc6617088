"""Benchmark: COCO segmentation export of 10,000 and 100,000 images with five polygons each.

Run on demand (pytest does not collect it)::

    .venv/bin/python tests/benchmarks/bench_polygon_export.py [--sizes 10000 100000] [--verify]

Like ``bench_export.py`` (whose build child and figures it reuses): a scratch PostgreSQL
database beside ``--base-url``, one ``image_polygons`` project per size bulk-loaded with
``COPY`` (1920 x 1080 images, one annotation and a consensus row per item, each with five
polygons of 12 points, one polygon in five with a hole — written as RLE), then each version built
in a fresh process (``run_build``, media by URL) with its wall time, CPU time and peak resident
memory (``VmHWM``). Flat memory means the peak does not grow with the number of images.
``--verify`` loads the largest COCO file with pycocotools and decodes every tenth mask. The
result replaces the "COCO segmentation export" section of ``tests/benchmarks/results/polygons.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import sys
import tempfile
import time
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(REPO), str(HERE)]

import bench_export  # noqa: E402  (the build child, run in a fresh process per build)

RESULTS = HERE / "results" / "polygons.md"
START, END = "<!-- polygon-export -->", "<!-- /polygon-export -->"
LABELS = ["scratch", "dent", "stain"]
POLYGONS_PER_IMAGE = 5
POINTS = 12


def _polygon(rng: random.Random) -> dict:
    r = rng.uniform(10, 120)
    cx, cy = rng.uniform(r + 1, 1919 - r), rng.uniform(r + 1, 1079 - r)
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(POINTS))
    points = [
        [
            round(cx + r * rng.uniform(0.7, 1) * math.cos(a), 1),
            round(cy + r * rng.uniform(0.7, 1) * math.sin(a), 1),
        ]
        for a in angles
    ]
    polygon = {"label": rng.choice(LABELS), "points": points}
    if rng.random() < 0.2:
        s = round(r * 0.2, 1)
        polygon["holes"] = [
            [[cx - s, cy - s], [cx + s, cy - s], [cx + s, cy + s], [cx - s, cy + s]]
        ]
    return polygon


def seed(url: str, n: int, seed_value: int) -> int:
    """One image_polygons project with ``n`` items; answers the queued version's id."""
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
            kind="image_polygons",
            labels=[{"name": x} for x in LABELS],
        )
        session.add(project)
        session.commit()
        project_id, org_id, user_id = project.id, org.id, user.id
    rng = random.Random(seed_value)
    now = datetime.now(UTC).isoformat()
    admin = bench_export._admin(url)
    with psycopg.connect(admin) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY items (project_id, org_id, external_id, media_key, media_type, width, height,"
            " content_hash, meta, is_gold, priority, random_key, annotation_count, wanted,"
            " created_at) FROM STDIN"
        ) as copy:
            for i in range(n):
                digest = uuid.uuid4().hex + uuid.uuid4().hex
                row = (project_id, org_id, f"img-{i:06d}", f"bench/{i}.jpg", "image/jpeg")
                copy.write_row(
                    (*row, 1920, 1080, digest, "{}", False, 0.0, rng.getrandbits(62), 1, 1, now)
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
        results = {}
        with cur.copy(
            "COPY annotations (assignment_id, project_id, item_id, annotator_id, result,"
            " duration_ms, is_gold, review_status, created_at) FROM STDIN"
        ) as copy:
            for assignment_id, item_id in assignments:
                polygons = [_polygon(rng) for _ in range(POLYGONS_PER_IMAGE)]
                result = json.dumps({"polygons": polygons, "ok": False})
                results[item_id] = result
                row = (assignment_id, project_id, item_id, user_id, result)
                copy.write_row((*row, 2000, False, "submitted", now))
        with cur.copy(
            "COPY consensus (item_id, project_id, result, confidence, n_annotations, method,"
            " updated_at) FROM STDIN"
        ) as copy:
            for item_id, result in results.items():
                copy.write_row((item_id, project_id, result, 0.9, 1, "bench", now))
        del results
        conn.commit()
    with psycopg.connect(admin, autocommit=True) as conn:
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
    return version_id


def verify(zip_path: Path, figures: dict) -> str:
    from pycocotools.coco import COCO

    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extract("annotations/instances_train.json", folder)
        coco = COCO(f"{folder}/annotations/instances_train.json")
        images, annotations = len(coco.getImgIds()), len(coco.getAnnIds())
        anns = coco.loadAnns(coco.getAnnIds()[::10])
        pixels = sum(int(coco.annToMask(a).sum()) for a in anns)
        rle = sum(isinstance(a["segmentation"], dict) for a in anns)
    assert images == figures["items"] and annotations == figures["annotations"]
    return (
        f"pycocotools: {images:,} images, {annotations:,} annotations; every tenth mask decoded "
        f"({len(anns):,} masks, {rle:,} of them RLE with a hole, {pixels:,} pixels)"
    )


def report(rows: list[dict], verified: str | None) -> str:
    load = os.getloadavg()[0]
    lines = [
        START,
        "## COCO segmentation export (`bench_polygon_export.py`)",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.platform()} · {os.cpu_count()} CPUs "
        f"(shared; load average {load:.1f} at the end) · PostgreSQL, media by URL. "
        f"{POLYGONS_PER_IMAGE} polygons of {POINTS} points per 1920 x 1080 image, one in five "
        "with a hole (written as compressed RLE). One build per size in a fresh process.",
        "",
        "| images | polygons | build (s) | CPU (s) | images/s | RSS before (MB) | peak RSS (MB) "
        "| zip (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['annotations']:,} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | "
            f"{r['n'] / r['seconds']:,.0f} | {r['rss_before_mb']:.0f} | {r['peak_rss_mb']:.0f} | "
            f"{r['zip_bytes'] / 1e6:.0f} |"
        )
    if verified:
        lines += ["", verified]
    lines += [END, ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--base-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--verify", action="store_true")
    args = parser.parse_args()
    import psycopg

    name = f"jinbiao_bench_polyexport_{uuid.uuid4().hex[:8]}"
    url = args.base_url.rsplit("/", 1)[0] + "/" + name
    data_dir = Path(tempfile.mkdtemp(prefix="jinbiao-bench-polyexport-"))
    os.environ.update(JINBIAO_DATABASE_URL=url, JINBIAO_DATA_DIR=str(data_dir), JINBIAO_ENV="local")
    with psycopg.connect(bench_export._admin(args.base_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    rows, verified = [], None
    try:
        from backend.migrate import upgrade

        upgrade(database_url=url)
        for n in args.sizes:
            started = time.perf_counter()
            version_id = seed(url, n, seed_value=n)
            print(f"seeded {n} items in {time.perf_counter() - started:.1f} s", flush=True)
            figures = bench_export._build(version_id)
            figures["n"] = n
            print(json.dumps(figures), flush=True)
            rows.append(figures)
        if args.verify:
            verified = verify(data_dir / rows[-1]["file_key"], rows[-1])
    finally:
        with psycopg.connect(bench_export._admin(args.base_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
    section = report(rows, verified)
    print(section)
    text = RESULTS.read_text() if RESULTS.exists() else ""
    if START in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END) + 1 :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
