"""Sample manufacturing data for the demo projects, from ``datasets/generate.py``.

``datasets/`` is deliberately not a package (``import datasets`` is Hugging Face's), so the
generator is loaded by path. The data go through the same import and gold services as an upload,
so the demo exercises the real checks. Every tenth item becomes gold with its known answer.
Idempotent: a project that already has items is left alone.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from backend.items.batch import Batch, ProjectRef, RowExtras
from backend.items.gold import set_gold
from backend.items.importer import commit_batch
from backend.items.models import Item
from backend.items.schemas import GoldIn
from backend.projects.models import Project
from backend.settings import get_settings

GENERATOR = Path(__file__).resolve().parents[2] / "datasets" / "generate.py"
GOLD_EVERY = 10  # ~10% gold, as the demo projects' gold_rate expects
SEED = 7


def load_generator() -> ModuleType | None:
    """The sample-data generator module, or ``None`` when this checkout has none."""
    if not GENERATOR.is_file():
        return None
    spec = importlib.util.spec_from_file_location("jinbiao_sample_data", GENERATOR)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def import_samples(
    *, session: Session, projects: list[Project], actor_id: int | None
) -> dict[str, int]:
    """Fill empty demo projects with sample images or texts; ``{project name: items created}``."""
    empty = [p for p in projects if not _has_items(session=session, project_id=p.id)]
    generator = load_generator() if empty else None
    if generator is None:
        return {}
    summary = generator.generate(get_settings().data_dir / "datasets", seed=SEED)
    out = Path(summary["out_dir"])
    records = {
        "image": generator.read_manifest(summary["images_manifest"]),
        "text": generator.read_manifest(summary["texts_manifest"]),
    }
    created: dict[str, int] = {}
    for project in empty:
        ref = ProjectRef.of(project)
        created[project.name] = _import(
            session=session, ref=ref, records=records[ref.media], out=out, actor_id=actor_id
        )
        gold = [
            GoldIn(external_id=r["external_id"], answer=generator.truth(r, project.kind))
            for i, r in enumerate(records[ref.media])
            if i % GOLD_EVERY == 0
        ]
        if gold:
            set_gold(session=session, project=project, rows=gold, actor_id=actor_id)
    return created


def _has_items(*, session: Session, project_id: int) -> bool:
    query = select(func.count()).select_from(Item).where(Item.project_id == project_id)
    return session.exec(query).one() > 0


def _import(
    *,
    session: Session,
    ref: ProjectRef,
    records: list[dict[str, Any]],
    out: Path,
    actor_id: int | None,
) -> int:
    batch = Batch(project=ref, settings=get_settings())
    try:
        for record in records:
            meta = {k: record[k] for k in ("surface", "lang", "doc_type") if k in record}
            extras = RowExtras(external_id=record["external_id"], meta=meta)
            if ref.media == "image":
                with (out / record["file"]).open("rb") as stream:
                    batch.add_image(stream, extras, source=record["file"])
            else:
                batch.add_text(record["text"], extras, source=record["external_id"])
        return commit_batch(session=session, batch=batch, actor_id=actor_id).created
    finally:
        batch.discard()
