"""Label Studio's export of an image project with five boxes per image, timed beside Jinbiao's.

``bench_export.py --label-studio`` calls :func:`run`. For each size it creates a Label Studio
project with a RectangleLabels config, imports ``n`` image tasks referenced by URL, each with
one annotation of five boxes (percent coordinates with ``original_width``/``original_height``,
the same 1920×1080 pixel boxes as the Jinbiao seed draws), then times the synchronous
``GET /api/projects/{id}/export?exportType=COCO`` (and ``JSON_MIN`` for reference) and reads the
server's peak resident memory during each export: ``VmHWM`` of every process of its tree, reset
just before the export through ``/proc/<pid>/clear_refs`` (write ``5``), so the import does not
count. Start and stop are those of ``peers.label_studio``.
"""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path

from .label_studio import LabelStudio

LABELS = ["scratch", "dent", "stain", "crack", "hole"]
BOXES_PER_IMAGE = 5
WIDTH, HEIGHT = 1920, 1080
FORMATS = ("COCO", "JSON_MIN")


def rectangle_config(labels: list[str]) -> str:
    choices = "".join(f'<Label value="{label}"/>' for label in labels)
    return (
        '<View><Image name="image" value="$image"/>'
        f'<RectangleLabels name="label" toName="image">{choices}</RectangleLabels></View>'
    )


def make_tasks(first: int, count: int, rng: random.Random) -> list[dict]:
    tasks = []
    for n in range(first, first + count):
        result = []
        for b in range(BOXES_PER_IMAGE):
            w, h = round(rng.uniform(10, 300), 1), round(rng.uniform(10, 300), 1)
            x, y = round(rng.uniform(0, WIDTH - w), 1), round(rng.uniform(0, HEIGHT - h), 1)
            result.append(
                {
                    "id": f"b{n}x{b}",
                    "from_name": "label",
                    "to_name": "image",
                    "type": "rectanglelabels",
                    "original_width": WIDTH,
                    "original_height": HEIGHT,
                    "image_rotation": 0,
                    "value": {
                        "x": x * 100 / WIDTH,
                        "y": y * 100 / HEIGHT,
                        "width": w * 100 / WIDTH,
                        "height": h * 100 / HEIGHT,
                        "rotation": 0,
                        "rectanglelabels": [rng.choice(LABELS)],
                    },
                }
            )
        tasks.append(
            {
                "data": {"image": f"https://jinbiao.example/media/img-{n:07d}.jpg"},
                "annotations": [{"result": result}],
            }
        )
    return tasks


def _vm(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def reset_peaks(pids: list[int]) -> bool:
    """Reset ``VmHWM`` of each process to its current resident set; False if not allowed."""
    done = True
    for pid in pids:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            done = False
    return done


def tree_mb(pids: list[int], field: str) -> float:
    """Sum over the server's processes of ``VmHWM`` (peak) or ``VmRSS`` (now)."""
    return sum(_vm(pid, field) for pid in pids)


def create_project(ls: LabelStudio, title: str) -> int:
    with ls.admin() as http:
        answer = http.post(
            "/api/projects/", json={"title": title, "label_config": rectangle_config(LABELS)}
        )
        answer.raise_for_status()
        return answer.json()["id"]


def import_tasks(ls: LabelStudio, project_id: int, n: int, seed: int, chunk: int = 2_000) -> float:
    rng = random.Random(seed)
    started = time.perf_counter()
    with ls.admin() as http:
        for first in range(0, n, chunk):
            tasks = make_tasks(first, min(chunk, n - first), rng)
            answer = http.post(f"/api/projects/{project_id}/import", json=tasks)
            answer.raise_for_status()
    return time.perf_counter() - started


def time_export(ls: LabelStudio, project_id: int, export_type: str) -> dict:
    pids = ls.pids()
    rss_before = tree_mb(pids, "VmRSS")
    reset = reset_peaks(pids)
    started = time.perf_counter()
    with ls.admin() as http:
        answer = http.get(f"/api/projects/{project_id}/export", params={"exportType": export_type})
        answer.raise_for_status()
        body = answer.content
    seconds = time.perf_counter() - started
    return {
        "format": export_type,
        "seconds": seconds,
        "bytes": len(body),
        "rss_before_mb": rss_before,
        "peak_mb": tree_mb(pids, "VmHWM"),
        "peak_is_export_only": reset,
        "processes": len(pids),
        "counts": coco_counts(body) if export_type == "COCO" else None,
    }


def coco_counts(body: bytes) -> tuple[int, int]:
    """Images and annotations in Label Studio's COCO export (a zip or a bare JSON file)."""
    import io
    import json
    import zipfile

    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            name = next(x for x in archive.namelist() if x.endswith(".json"))
            coco = json.loads(archive.read(name))
    else:
        coco = json.loads(body)
    return len(coco["images"]), len(coco["annotations"])


def run(*, venv: Path, sizes: list[int], port: int = 8091, data_dir: Path | None = None) -> dict:
    """Start Label Studio, export each size, stop it and remove its data folder."""
    import tempfile

    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="ls-export-bench-"))
    ls = LabelStudio(venv=venv, data_dir=data_dir, port=port)
    out: dict = {"version": ls.version(), "rows": [], "port": port}
    out["stamp"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    try:
        out["start_seconds"] = ls.start()
        print(f"Label Studio {out['version']} up in {out['start_seconds']:.0f} s", flush=True)
        for n in sizes:
            project_id = create_project(ls, f"export bench {n}")
            imported = import_tasks(ls, project_id, n, seed=n)
            print(f"LS: imported {n} tasks in {imported:.1f} s", flush=True)
            row: dict = {"n": n, "import_seconds": imported, "exports": {}}
            for export_type in FORMATS:
                figures = time_export(ls, project_id, export_type)
                row["exports"][export_type] = figures
                print(f"LS: {n} {figures}", flush=True)
            row["coco_counts"] = row["exports"]["COCO"]["counts"]
            out["rows"].append(row)
    finally:
        ls.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return out
