"""Sample inspection data for the demo's polygon project, from ``datasets/inspection.py``.

Surface images with defect outlines and PCB template/test pairs, imported through the same
batch and importer as an upload (each PCB test image with its template as ``reference_image``);
every tenth item becomes gold with its known outline. Idempotent: a project with items is left
alone.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlmodel import Session

from backend.items import references, storage
from backend.items.batch import Batch, ProjectRef, RowExtras
from backend.items.gold import set_gold
from backend.items.importer import commit_batch
from backend.items.samples import GOLD_EVERY, SEED, _has_items
from backend.items.schemas import GoldIn
from backend.projects.models import Project
from backend.settings import get_settings

GENERATOR = Path(__file__).resolve().parents[2] / "datasets" / "inspection.py"
N_SURFACES, N_PAIRS = 40, 40


def load_inspection() -> ModuleType | None:
    if not GENERATOR.is_file():
        return None
    spec = importlib.util.spec_from_file_location("jinbiao_inspection_data", GENERATOR)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def labels() -> list[str]:
    """The label names of the inspection data (surface defects, then DeepPCB's types)."""
    generator = load_inspection()
    if generator is None:
        return []
    return [*generator.SURFACE_LABELS, *generator.PCB_LABELS]


def import_inspection_samples(*, session: Session, project: Project, actor_id: int | None) -> int:
    """Fill an empty polygon project with surfaces and PCB pairs; the number of items created."""
    generator = load_inspection()
    if generator is None or _has_items(session=session, project_id=project.id):
        return 0
    settings = get_settings()
    summary = generator.generate(
        settings.data_dir / "inspection", n_surfaces=N_SURFACES, n_pairs=N_PAIRS, seed=SEED
    )
    out = Path(summary["out_dir"])
    records: list[dict[str, Any]] = []
    for manifest in (summary["surfaces_manifest"], summary["pcb_manifest"]):
        records += [json.loads(line) for line in Path(manifest).read_text().splitlines()]
    batch = Batch(project=ProjectRef.of(project), settings=settings)
    try:
        for record in records:
            extras = RowExtras(external_id=record["external_id"])
            before = len(batch.rows)
            with (out / record["file"]).open("rb") as stream:
                batch.add_image(stream, extras, source=record["file"])
            if "template" in record and len(batch.rows) > before:
                with (out / record["template"]).open("rb") as stream:
                    staged = storage.stage_stream(stream, max_bytes=settings.max_file_bytes)
                batch.rows[-1].reference = references.check_reference(
                    staged, max_pixels=settings.max_image_pixels
                )
        created = commit_batch(session=session, batch=batch, actor_id=actor_id).created
    finally:
        batch.discard()
    gold = [
        GoldIn(external_id=r["external_id"], answer=r["result"])
        for i, r in enumerate(records)
        if i % GOLD_EVERY == 0
    ]
    set_gold(session=session, project=project, rows=gold, actor_id=actor_id)
    return created
