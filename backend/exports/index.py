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
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from backend.exports.formats.base import BuildContext
from backend.exports.jsonfast import dumps, dumps_bytes
from backend.exports.records import ExportRecord
from backend.kinds import get_kind

INDEX_NAME = "index.jsonl"


class IndexWriter:
    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.labels_of = get_kind(ctx.kind).labels_of
        self.out = ctx.staging.open_stream(INDEX_NAME)
        self._split = {split: encode_basestring(split) for split in ctx.splits}

    def add(self, record: ExportRecord, split: str, labels: list[str] | None = None) -> None:
        """One line; ``labels`` are the truth's labels when the caller has them already."""
        if self.ctx.source == "raw":
            truth: Any = [[a.annotator_id, a.result] for a in record.annotations]
            labels_of = self.labels_of
            labels = [label for a in record.annotations for label in labels_of(a.result)]
        else:
            truth = record.result
            if labels is None:
                labels = self.labels_of(record.result)
        # ``dumps(line)`` with its keys in sorted order, written out: this runs once per item.
        external_id = record.item.external_id
        try:
            names = ",".join([encode_basestring(label) for label in sorted(set(labels))])
        except TypeError:  # labels that are not strings: as ``dumps`` writes them
            names = dumps(sorted(set(labels)))[1:-1]
        self.out.write(
            '{"external_id":'
            + ("null" if external_id is None else encode_basestring(external_id))
            + f',"item_id":{record.item.id},"labels":['
            + names
            + '],"result_sha256":"'
            + hashlib.sha256(dumps_bytes(truth)).hexdigest()
            + '","split":'
            + (self._split.get(split) or encode_basestring(split))
            + "}\n"
        )

    def finish(self) -> None:
        self.out.close()


def read_index(zip_path: Path) -> Iterator[dict[str, Any]]:
    with zipfile.ZipFile(zip_path) as archive, archive.open(INDEX_NAME) as stream:
        for raw in stream:
            if raw.strip():
                yield json.loads(raw)
