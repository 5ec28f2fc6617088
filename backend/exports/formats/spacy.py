"""spaCy-style JSON Lines for spans: ``{split}.jsonl``.

Each line is ``{"text", "entities": [[start, end, label], ...], "meta": {...}}`` — spaCy's
"simple training format" (``(text, {"entities": [(start, end, label)]})``), which
``Doc.char_span(start, end, label)`` turns into a ``DocBin`` for ``spacy train``. Offsets are
Python string indices (code points, end exclusive), the same as Jinbiao's, so they are copied
unchanged; entities are sorted by start. With ``source=raw`` one line per annotation, the
annotator in ``meta``.
"""

from __future__ import annotations

from typing import ClassVar

from backend.exports.formats.base import BuildContext, SplitSpools, dumps, results
from backend.exports.records import ExportRecord


class SpacyWriter:
    name: ClassVar[str] = "spacy"
    supports_raw: ClassVar[bool] = True
    needs_media: ClassVar[bool] = False

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.spools = SplitSpools(ctx, "{split}.jsonl")

    def add(self, record: ExportRecord, split: str) -> None:
        item = record.item
        out = self.spools.get(split)
        for annotator_id, result in results(self.ctx, record):
            entities = sorted(
                ([s["start"], s["end"], s["label"]] for s in result["spans"]),
                key=lambda e: (e[0], e[1], e[2]),
            )
            meta = {
                "item_id": item.id,
                "external_id": item.external_id,
                "confidence": record.confidence,
            }
            if annotator_id is not None:
                meta["annotator_id"] = annotator_id
            out.write(dumps({"text": item.text, "entities": entities, "meta": meta}) + "\n")

    def finish(self) -> None:
        self.spools.finish()
