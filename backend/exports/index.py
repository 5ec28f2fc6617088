"""``index.jsonl``: one line per exported item, in item-id order — what a diff between versions
reads, whatever the format.

Each line is ``{"item_id", "external_id", "split", "labels", "result_sha256"}``; the hash is over
the exported truth in stable JSON, so any change of label, box or span shows. Both versions' index
files are sorted by item id, so a diff is one merge pass over two streams: flat memory.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from backend.exports.formats.base import BuildContext, dumps
from backend.exports.records import ExportRecord
from backend.exports.splits import labels_of

INDEX_NAME = "index.jsonl"


class IndexWriter:
    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.path, self.out = ctx.staging.open_spool()

    def add(self, record: ExportRecord, split: str) -> None:
        if self.ctx.source == "raw":
            truth: Any = [[a.annotator_id, a.result] for a in record.annotations]
            labels = [label for a in record.annotations for label in labels_of(a.result)]
        else:
            truth = record.result
            labels = labels_of(record.result)
        line = {
            "item_id": record.item.id,
            "external_id": record.item.external_id,
            "split": split,
            "labels": sorted(set(labels)),
            "result_sha256": hashlib.sha256(dumps(truth).encode()).hexdigest(),
        }
        self.out.write(dumps(line) + "\n")

    def finish(self) -> None:
        self.out.close()
        self.ctx.staging.add_file(INDEX_NAME, self.path, compress=True)


def read_index(zip_path: Path) -> Iterator[dict[str, Any]]:
    with zipfile.ZipFile(zip_path) as archive, archive.open(INDEX_NAME) as stream:
        for raw in stream:
            if raw.strip():
                yield json.loads(raw)
