"""CSV for classification, image or text: ``{split}.csv``, one row per item (or per annotation).

RFC 4180 as Python's ``csv`` module writes it (comma, double-quote escaping, CRLF line ends),
UTF-8 without a byte-order mark, a header row. Columns: ``item_id, external_id``, then ``file``
(image path in the zip, or its URL in url mode) or ``text``, then ``label, confidence``; with
``source=raw`` one row per annotation and an ``annotator_id`` column. Images go under
``images/{split}/``.
"""

from __future__ import annotations

import csv
from typing import ClassVar

from backend.exports.formats.base import (
    BuildContext,
    SplitSpools,
    image_name,
    results,
    stage_image,
)
from backend.exports.records import ExportRecord
from backend.kinds import get_kind


class CsvWriter:
    name: ClassVar[str] = "csv"
    supports_raw: ClassVar[bool] = True
    needs_media: ClassVar[bool] = False

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.is_image = get_kind(ctx.kind).media == "image"
        columns = ["item_id", "external_id", "file" if self.is_image else "text", "label"]
        columns.append("confidence")
        if ctx.source == "raw":
            columns.append("annotator_id")
        self.columns = columns
        self.spools = SplitSpools(ctx, "{split}.csv")
        self.writers: dict[str, csv.DictWriter] = {}

    def _writer(self, split: str) -> csv.DictWriter:
        if split not in self.writers:
            writer = csv.DictWriter(self.spools.get(split), fieldnames=self.columns)
            writer.writeheader()
            self.writers[split] = writer
        return self.writers[split]

    def add(self, record: ExportRecord, split: str) -> None:
        item = record.item
        content = (
            stage_image(self.ctx, record, f"images/{split}/{image_name(record)}")
            if self.is_image
            else item.text
        )
        writer = self._writer(split)
        for annotator_id, result in results(self.ctx, record):
            row = {
                "item_id": item.id,
                "external_id": item.external_id or "",
                "file" if self.is_image else "text": content,
                "label": result["label"],
                "confidence": f"{record.confidence:.6f}",
            }
            if annotator_id is not None:
                row["annotator_id"] = annotator_id
            writer.writerow(row)

    def finish(self) -> None:
        for split in self.ctx.splits:
            self._writer(split)
        self.spools.finish()
