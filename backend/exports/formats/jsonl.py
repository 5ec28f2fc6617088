"""JSON Lines (https://jsonlines.org) for text classification: ``{split}.jsonl``.

One object per line, UTF-8, keys sorted: ``{"id", "external_id", "text", "label",
"confidence"}`` — the shape Hugging Face ``datasets.load_dataset("json", ...)`` and most
fine-tuning scripts take as is. With ``source=raw`` one line per annotation with ``annotator_id``.
"""

from __future__ import annotations

from typing import ClassVar

from backend.exports.formats.base import BuildContext, SplitSpools, dumps, results
from backend.exports.records import ExportRecord


class JsonlWriter:
    name: ClassVar[str] = "jsonl"
    supports_raw: ClassVar[bool] = True
    needs_media: ClassVar[bool] = False

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.spools = SplitSpools(ctx, "{split}.jsonl")

    def add(self, record: ExportRecord, split: str) -> None:
        item = record.item
        out = self.spools.get(split)
        for annotator_id, result in results(self.ctx, record):
            line = {
                "id": item.id,
                "external_id": item.external_id,
                "text": item.text,
                "label": result["label"],
                "confidence": record.confidence,
            }
            if annotator_id is not None:
                line["annotator_id"] = annotator_id
            out.write(dumps(line) + "\n")

    def finish(self) -> None:
        self.spools.finish()
