"""Import throughput: items per second through ``POST /projects/{id}/items``, SQLite and PostgreSQL.

    .venv/bin/python tests/benchmarks/bench_import.py [--images 10000] [--texts 100000]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--no-postgres]

Each database runs in a child process with a fresh data folder (and, for PostgreSQL, a scratch
database created beside the given one and dropped afterwards), so settings and engines never
mix. The app runs in-process behind FastAPI's TestClient: the figures include HTTP parsing,
multipart spooling, Pillow checks, hashing, media writes and the bulk insert, but no network.
Images go up as zip archives of ``--images-per-request`` 128×128 noisy PNGs; texts as JSONL files of
``--texts-per-request`` lines. Building the inputs is not timed; no worker runs, so thumbnails
(a separate job) are not part of the figure. Results are printed as a markdown table and saved to
``tests/benchmarks/results/import.md``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = HERE / "results" / "import.md"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# ---- inputs ---------------------------------------------------------------------------------
def make_png(index: int) -> bytes:
    """A distinct 128×128 PNG of sensor-like noise (~30 KB), the index in the first pixels."""
    from PIL import Image

    image = Image.effect_noise((128, 128), 24).convert("RGB")
    for bit in range(24):
        value = 255 if (index >> bit) & 1 else 0
        image.putpixel((bit, 0), (value, 255 - value, (index * 37) % 256))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def image_zips(total: int, per_request: int) -> list[bytes]:
    archives = []
    for start in range(0, total, per_request):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for i in range(start, min(total, start + per_request)):
                archive.writestr(f"line{i % 7}/img{i:06d}.png", make_png(i))
        archives.append(buffer.getvalue())
    return archives


def text_files(total: int, per_request: int) -> list[bytes]:
    words = ["电机", "轴承", "过热", "motor", "bearing", "overheats", "leak", "阀门"]
    files = []
    for start in range(0, total, per_request):
        lines = []
        for i in range(start, min(total, start + per_request)):
            body = " ".join(words[(i * k) % len(words)] for k in range(1, 12))
            lines.append(json.dumps({"text": f"WO-{i:07d} {body}", "external_id": f"wo-{i}"}))
        files.append("\n".join(lines).encode("utf-8"))
    return files


# ---- one database, in a child process -------------------------------------------------------
def run_child(backend: str, database_url: str, args: argparse.Namespace) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="jinbiao-bench-"))
    os.environ.update(
        {
            "JINBIAO_ENV": "local",
            "JINBIAO_DATA_DIR": str(data_dir),
            "JINBIAO_DATABASE_URL": database_url or f"sqlite:///{data_dir / 'bench.db'}",
            "JINBIAO_PASSWORD_HASH_TIME_COST": "1",
            "JINBIAO_PASSWORD_HASH_MEMORY_KIB": "1024",
        }
    )
    for name in ("JINBIAO_BROKER_URL", "JINBIAO_RESULT_BACKEND"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT))
    from fastapi.testclient import TestClient

    from backend.app import create_app
    from backend.migrate import upgrade

    upgrade()
    zips = image_zips(args.images, args.images_per_request)
    texts = text_files(args.texts, args.texts_per_request)
    rows = []
    with TestClient(create_app()) as client:
        headers = _manager(client)
        for workload, kind, files, name in (
            ("images (zip of PNGs)", "image_classification", zips, "batch.zip"),
            ("texts (JSONL)", "text_classification", texts, "texts.jsonl"),
        ):
            project = _project(client, headers, kind)
            created = 0
            started = time.perf_counter()
            for data in files:
                answer = client.post(
                    f"/api/v1/projects/{project}/items",
                    files=[("files", (name, data, "application/octet-stream"))],
                    headers=headers,
                )
                assert answer.status_code == 201, answer.text[:500]
                created += answer.json()["created"]
            seconds = time.perf_counter() - started
            rows.append(
                {
                    "backend": backend,
                    "workload": workload,
                    "items": created,
                    "requests": len(files),
                    "seconds": round(seconds, 2),
                    "items_per_s": round(created / seconds, 1),
                    "mb_uploaded": round(sum(len(f) for f in files) / 1e6, 1),
                }
            )
    return {"rows": rows}


def _manager(client) -> dict[str, str]:
    email = f"bench{uuid.uuid4().hex[:8]}@example.com"
    client.post(
        "/api/v1/auth/signup",
        json={"email": email, "password": "bench-password-1", "name": "Bench"},
    ).raise_for_status()
    token = client.post(
        "/api/v1/auth/token", data={"username": email, "password": "bench-password-1"}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _project(client, headers: dict[str, str], kind: str) -> int:
    org = client.post("/api/v1/orgs", json={"name": "Bench"}, headers=headers).json()["id"]
    body = {"name": f"bench {kind}", "kind": kind, "labels": [{"name": "a"}, {"name": "b"}]}
    answer = client.post(f"/api/v1/orgs/{org}/projects", json=body, headers=headers)
    answer.raise_for_status()
    return answer.json()["id"]


# ---- parent: scratch databases, children, table ----------------------------------------------
def run_backend(backend: str, args: argparse.Namespace) -> dict:
    sys.path.insert(0, str(ROOT / "tests"))
    from support.scratch_db import create_database, drop_database

    url = create_database(args.postgres, "jinbiao_bench") if backend == "postgresql" else ""
    try:
        argv = [sys.executable, __file__, "--child", backend, "--url", url, *_sizes(args)]
        done = subprocess.run(argv, check=True, capture_output=True, text=True, cwd=ROOT)
        return json.loads(done.stdout.strip().splitlines()[-1])
    except subprocess.CalledProcessError as exc:
        sys.stderr.write(exc.stderr)
        raise
    finally:
        if url:
            drop_database(url, base_url=args.postgres)


def _sizes(args: argparse.Namespace) -> list[str]:
    return [
        f"--images={args.images}",
        f"--texts={args.texts}",
        f"--images-per-request={args.images_per_request}",
        f"--texts-per-request={args.texts_per_request}",
    ]


def table(rows: list[dict]) -> str:
    head = "| database | workload | items | requests | MB sent | seconds | items/s |\n"
    head += "|---|---|---:|---:|---:|---:|---:|\n"
    return head + "".join(
        f"| {r['backend']} | {r['workload']} | {r['items']:,} | {r['requests']} | "
        f"{r['mb_uploaded']} | {r['seconds']} | {r['items_per_s']:,} |\n"
        for r in rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--images-per-request", type=int, default=1_000)
    parser.add_argument("--texts-per-request", type=int, default=10_000)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child, args.url, args)))
        return
    rows: list[dict] = []
    for backend in ("sqlite", *(() if args.no_postgres else ("postgresql",))):
        rows += run_backend(backend, args)["rows"]
    import PIL

    machine = (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"Pillow {PIL.__version__}; {time.strftime('%Y-%m-%d')}"
    )
    text = f"# Import throughput\n\n{machine}\n\n{table(rows)}"
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
