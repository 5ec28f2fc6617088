"""Building one version's zip: read in chunks, filter, split, hand to the format, stage, zip.

This is the pure part of a build — inputs are the version row and the database, output is a zip
at ``out``; claiming, heartbeats and the final rename are ``backend.exports.jobs``. Running it
twice for the same version gives the same bytes (see ``staging`` and ``manifest``).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from backend.assignments.annotator_states import paused_annotators
from backend.exports.checks import item_scope
from backend.exports.config import ExportSettings
from backend.exports.formats import FORMATS, BuildContext
from backend.exports.index import IndexWriter
from backend.exports.manifest import make_manifest, readme, with_files
from backend.exports.models import DatasetVersion
from backend.exports.pseudonymous import pseudonymous_chunks
from backend.exports.records import ExportRecord, ReadPlan, count_items, iter_chunks
from backend.exports.splits import StratifiedSplitter, most_frequent
from backend.exports.staging import Staging
from backend.exports.stats import BuildStats
from backend.kinds import Kind, get_kind
from backend.projects.models import Project
from backend.settings import get_settings

Progress = Callable[[float], None]


@dataclass(frozen=True)
class Built:
    manifest: dict[str, Any]
    sha256: str  # of the zip, taken while it was written
    size: int


def build_archive(
    *,
    engine: Engine,
    version_id: int,
    out: Path,
    work_dir: Path,
    config: ExportSettings,
    on_progress: Progress | None = None,
) -> Built:
    """Write the version's zip to ``out``; answer its manifest, sha256 and size."""
    with Session(engine) as session:
        version = session.get(DatasetVersion, version_id)
        if version is None:
            raise LookupError(f"dataset version {version_id} does not exist")
        project = session.get(Project, version.project_id)
        assert project is not None
        params = dict(version.params)
        plan = ReadPlan(
            project_id=project.id,
            kind=project.kind,
            include_gold=params["include_gold"],
            max_item_id=params["watermark"]["item_id"],
            max_annotation_id=params["watermark"]["annotation_id"],
            chunk_size=config.chunk_size,
            annotation_results=params["source"] == "raw" or params["format"] == "raw_jsonl",
            item_scope=item_scope(params),
        )
        paused = paused_annotators(session=session, project_id=project.id)
        labels = [label["name"] for label in project.labels]
        version_info = {
            "id": version.id,
            "number": version.number,
            "created_at": version.created_at.isoformat(),
        }
        project_info = {
            "id": project.id,
            "org_id": project.org_id,
            "name": project.name,
            "kind": project.kind,
        }
        if "labels_revision" in params:  # versions from before revision 0013 rebuild unchanged
            project_info["labels_revision"] = params["labels_revision"]
        session.rollback()
    total = count_items(engine, plan=plan)

    splitter = StratifiedSplitter(fractions=params["split"], seed=params["seed"])
    # Frozen in the version when it was created; versions from before that used zipfile's 6.
    staging = Staging(work_dir, level=params.get("zip_level", 6))
    try:
        media_root = get_settings().media_root
        assert media_root is not None
        ctx = BuildContext(
            staging=staging,
            project_id=project_info["id"],
            project_name=project_info["name"],
            kind=plan.kind,
            labels=labels,
            splits=splitter.active,
            source=params["source"],
            media=params["media"],
            media_root=media_root,
            media_base_url=params.get("media_base_url", ""),
            created_at=version_info["created_at"],
        )
        writer = FORMATS[params["format"]](ctx)
        kind = get_kind(plan.kind)
        index = IndexWriter(ctx)
        stats = BuildStats(labels_of=kind.labels_of)
        done = 0
        chunks = iter_chunks(engine=engine, plan=plan, paused=paused)
        if params.get("pseudonymous"):  # a client's version: annotators by pseudonym only
            chunks = pseudonymous_chunks(chunks, org_id=project_info["org_id"])
        # Bound once: the loop body runs once per item.
        write, list_item, count, assign = writer.add, index.add, stats.add, splitter.assign
        labels_of = kind.labels_of
        source = ctx.source
        with closing(chunks), _without_cycle_collector():
            for chunk in chunks:
                for record in chunk:
                    reason = skip_reason(record, params=params, ctx=ctx, kind=kind)
                    if reason:
                        stats.skip(reason)
                        continue
                    found = labels_of(record.result)
                    split = assign(stratum=most_frequent(found), key=record.item.content_hash)
                    write(record, split)
                    list_item(record, split, found)
                    count(record, split, source=source, labels=found)
                done += len(chunk)
                if on_progress is not None:
                    on_progress(0.9 * done / max(total, 1))
                if config.test_delay_seconds:
                    time.sleep(config.test_delay_seconds)
        writer.finish()
        index.finish()
        manifest = make_manifest(
            version=version_info,
            project=project_info,
            params=params,
            labels=labels,
            counts=stats.counts(ctx.splits),
            quality=stats.quality(),
            notes=dict(ctx.notes),
            paused=len(paused),
        )
        staging.add_bytes("README.md", readme(manifest).encode())
        manifest = with_files(manifest, staging.checksums())
        staging.add_bytes("manifest.json", (_pretty(manifest) + "\n").encode())
        sha, size = staging.write_zip(
            out, tick=(lambda: on_progress(0.95)) if on_progress else None
        )
        return Built(manifest=manifest, sha256=sha, size=size)
    finally:
        staging.close()


@contextmanager
def _without_cycle_collector() -> Iterator[None]:
    """The pass over the items allocates millions of short-lived objects (rows, result dicts,
    COCO annotations), none of them in reference cycles: reference counting frees each at once.
    The cycle collector would only walk the growing young generations and, every chunk or so, the
    whole heap — half the formatting time at 100,000 items. It is off for the pass and back on
    after it (a cycle made meanwhile, by an error for instance, is collected then)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def skip_reason(
    record: ExportRecord, *, params: dict[str, Any], ctx: BuildContext, kind: Kind
) -> str | None:
    """Why an item stays out of the version, or None; the manifest counts each reason."""
    if record.result is None:
        return "unlabeled"
    minimum = params.get("min_confidence")
    if minimum is not None and record.confidence < minimum:
        return "below_min_confidence"
    if record.origin != "gold" and len(record.annotator_ids) < params.get("min_answers", 0):
        return "fewer_answers_than_min"
    if ctx.source == "raw" and not record.annotations:
        return "no_raw_annotations"
    if kind.media == "image":
        item = record.item
        if kind.needs_image_size and (not item.width or not item.height):
            return "missing_image_size"
        if ctx.media == "include" and (not item.media_key or not ctx.has_media(item.media_key)):
            return "missing_media"
    return None


def _pretty(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)
