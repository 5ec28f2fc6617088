"""Every raw annotation, for any kind: ``{split}.jsonl``, one line per item.

``{"item": {id, external_id, text | image, width, height, is_gold}, "annotations": [{id,
annotator_id, result, duration_ms, created_at}], "consensus": {result, confidence, origin}}``.
Results are the stored JSON verbatim (see the kinds table of the spec), so anyone can run their
own aggregation; annotations of paused annotators and rejected ones are left out, as everywhere.
"""

from __future__ import annotations

from typing import Any, ClassVar

from backend.exports.formats.base import BuildContext, SplitSpools, dumps, image_name, stage_image
from backend.exports.records import ExportRecord
from backend.kinds import get_kind


class RawJsonlWriter:
    name: ClassVar[str] = "raw_jsonl"
    supports_raw: ClassVar[bool] = True
    needs_media: ClassVar[bool] = False

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.is_image = get_kind(ctx.kind).media == "image"
        self.spools = SplitSpools(ctx, "{split}.jsonl")

    def add(self, record: ExportRecord, split: str) -> None:
        item = record.item
        described: dict[str, Any] = {
            "id": item.id,
            "external_id": item.external_id,
            "is_gold": item.is_gold,
        }
        if self.is_image:
            described["image"] = stage_image(
                self.ctx, record, f"images/{split}/{image_name(record)}"
            )
            described["width"], described["height"] = item.width, item.height
        else:
            described["text"] = item.text
        line = {
            "item": described,
            "annotations": [
                {
                    "id": a.id,
                    "annotator_id": a.annotator_id,
                    "result": a.result,
                    "duration_ms": a.duration_ms,
                    "created_at": a.created_at.isoformat(),
                }
                for a in record.annotations
            ],
            "consensus": {
                "result": record.result,
                "confidence": record.confidence,
                "origin": record.origin,
            },
        }
        self.spools.get(split).write(dumps(line) + "\n")

    def finish(self) -> None:
        self.spools.finish()
