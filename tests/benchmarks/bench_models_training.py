"""Benchmark: the platform's training job per kind, scaled to 10,000 final answers (issue 21).

Run on demand (not collected by pytest)::

    .venv/bin/python tests/benchmarks/bench_models_training.py [--texts 2000] [--images 300]
        [--boxes 120] [--out tests/benchmarks/results/models_training.md]

What is timed is ``backend.models.training.train_version``, the worker's whole job: reading
the final answers (here gold answers of generated data, ``datasets/``) and inputs from a
scratch SQLite database and media folder, the K-fold cross-validated accuracy (5 folds; 3 for
spans and boxes), the final fit, the model's bytes into the database, and pre-labels plus
uncertainty priorities written to as many open items. Each kind is measured at the size given
and scaled linearly to 10,000 final answers (an estimate, and the report says so).
``bench_active_learning.py`` times the bare fits at 10,000.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests")]
SCRATCH = Path(tempfile.mkdtemp(prefix="jinbiao-bench-models-"))
os.environ.update(
    {
        "JINBIAO_ENV": "local",
        "JINBIAO_DATA_DIR": str(SCRATCH),
        "JINBIAO_DATABASE_URL": f"sqlite:///{SCRATCH / 'bench.db'}",
    }
)
os.environ.pop("JINBIAO_BROKER_URL", None)

from sqlmodel import Session  # noqa: E402

import backend.all_models  # noqa: E402,F401
from backend.db import get_engine  # noqa: E402
from backend.items import storage  # noqa: E402
from backend.items.models import GoldAnswer, Item  # noqa: E402
from backend.migrate import upgrade  # noqa: E402
from backend.models.models import ModelVersion  # noqa: E402
from backend.models.training import train_version  # noqa: E402
from backend.orgs.models import Organization  # noqa: E402
from backend.projects.models import Project  # noqa: E402
from backend.wiring import wire  # noqa: E402

RESULTS = REPO / "tests" / "benchmarks" / "results"
KINDS = ("text_classification", "text_spans", "image_classification", "image_boxes")


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("bench_gen", REPO / "datasets" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_gen"] = module
    spec.loader.exec_module(module)
    return module


def _project(session: Session, org_id: int, kind: str, labels: list[dict[str, Any]]) -> Project:
    project = Project(
        org_id=org_id, name=kind, kind=kind, labels=labels, prelabels=True, ordering="uncertainty"
    )
    session.add(project)
    session.commit()
    return project


def _load(session: Session, project: Project, gen: Any, out: Path, records: list[dict]) -> int:
    """Half of the records as gold (final answers), half open; returns the final answers."""
    n_final = len(records) // 2
    for i, record in enumerate(records):
        digest = hashlib.sha256(f"{project.id}:{i}".encode()).hexdigest()
        item = Item(
            project_id=project.id,
            org_id=project.org_id,
            external_id=f"r{i}",
            content_hash=digest,
            random_key=int(digest[:16], 16) >> 1,
            is_gold=i < n_final,
            wanted=3,
        )
        if project.kind.startswith("image"):
            key = f"bench/{project.id}/{i}.png"
            target = storage.path_of(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((out / record["file"]).read_bytes())
            item.media_key, item.media_type = key, "image/png"
            item.width, item.height = record["width"], record["height"]
        else:
            item.text = record["text"]
        session.add(item)
        session.flush()
        if item.is_gold:
            session.add(
                GoldAnswer(
                    item_id=item.id, project_id=project.id, answer=gen.truth(record, project.kind)
                )
            )
    session.commit()
    return n_final


def measure(kind: str, records: list[dict], gen: Any, out: Path, org_id: int) -> dict[str, Any]:
    with Session(get_engine(), expire_on_commit=False) as session:
        project = _project(session, org_id, kind, gen.load_labels()[kind])
        n_final = _load(session, project, gen, out, records)
        version = ModelVersion(project_id=project.id, org_id=org_id, version=1, kind=kind)
        session.add(version)
        session.commit()
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        summary = train_version(session=session, version_id=version.id)
        seconds = time.perf_counter() - started
        load_after = os.getloadavg()[0]
    assert summary["status"] == "ready", summary
    return {
        "kind": kind,
        "final": n_final,
        "open": len(records) - n_final,
        "seconds": seconds,
        "fit_ms": summary.get("duration_ms"),
        "accuracy": summary["accuracy"],
        "per_10k": seconds * 10_000 / n_final,
        "load": (load_before, load_after),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=2000, help="text items per text kind")
    parser.add_argument("--images", type=int, default=300, help="images for classification")
    parser.add_argument("--boxes", type=int, default=120, help="images for boxes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=RESULTS / "models_training.md")
    args = parser.parse_args(argv)
    upgrade()
    wire()
    gen = _generator()
    out = SCRATCH / "data"
    data = gen.generate(
        out, n_images=max(args.images, args.boxes), n_texts=args.texts, seed=args.seed
    )
    texts, images = (
        gen.read_manifest(data["texts_manifest"]),
        gen.read_manifest(data["images_manifest"]),
    )
    with Session(get_engine()) as session:
        org = Organization(name="bench")
        session.add(org)
        session.commit()
        org_id = org.id
    sizes = {
        "text_classification": texts,
        "text_spans": texts,
        "image_classification": images[: args.images],
        "image_boxes": images[: args.boxes],
    }
    rows = []
    for kind in KINDS:
        row = measure(kind, sizes[kind], gen, out, org_id)
        print(
            f"{kind}: {row['final']} final answers, {row['seconds']:.1f} s,"
            f" {row['per_10k']:.0f} s per 10,000, held-out {row['accuracy']:.3f},"
            f" load average {row['load'][0]:.1f} -> {row['load'][1]:.1f}",
            flush=True,
        )
        rows.append(row)
    lines = [
        "# Training time of the platform's models job (issue 21)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()},"
        f" {os.cpu_count()} CPUs shared with other work, at normal priority (not niced);"
        " the 1-minute load average (`os.getloadavg`, as `uptime`) is given before and after"
        f" each kind's job. Python {platform.python_version()}, SQLite."
        " `python tests/benchmarks/bench_models_training.py"
        f" --texts {args.texts} --images {args.images} --boxes {args.boxes}`.",
        "",
        "The whole job (`train_version`): final answers and inputs read from the database"
        " and media folder, cross-validated held-out score (5 folds, 3 for spans and boxes),"
        " final fit, model bytes stored, then pre-labels and uncertainty priorities written"
        " to the open items (as many as final answers). Half of the generated items are"
        " final answers (gold).",
        "",
        "| kind | final answers | open items | job seconds | held-out score | seconds per 10,000"
        " final answers (linear estimate) | load average before → after |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['kind']} | {r['final']:,} | {r['open']:,} | {r['seconds']:.1f} |"
            f" {r['accuracy']:.3f} | {r['per_10k']:,.0f} |"
            f" {r['load'][0]:.1f} → {r['load'][1]:.1f} |"
        )
    lines += [
        "",
        "At these sizes the fixed costs (reading, cross-validation set-up, writing pre-labels)"
        " weigh more than at 10,000, and a loaded machine stretches every figure: read the"
        " estimate as an upper bound, not a promise.",
        "",
        "Held-out score: accuracy for the class kinds, micro span F1 (exact) for spans, micro box"
        " F1 at IoU 0.5 for boxes. The estimate per 10,000 scales the measured job linearly; the"
        " image kinds are dominated by decoding images and computing features (once per item per"
        " fold), boxes by the sliding-window features of every image.",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
