"""What every format writer gets and provides.

A writer receives records in item-id order with the split each was assigned, stages its files
(``Staging``) as it goes and finishes with the files that need the whole pass (COCO's closing
brackets, YOLO's ``data.yaml``). It never holds more than one record plus its open streams.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from backend.exports.jsonfast import dumps
from backend.exports.records import ExportRecord
from backend.exports.staging import EntryStream, Staging
from backend.items.media_store import get_store

__all__ = ["BuildContext", "FormatWriter", "SplitSpools", "dumps", "image_name", "stage_image"]


@dataclass
class BuildContext:
    staging: Staging
    project_id: int
    project_name: str
    kind: str
    labels: list[str]
    splits: list[str]
    source: str  # consensus | raw
    media: str  # include | url
    media_root: Path
    media_base_url: str
    created_at: str  # the version's creation time (ISO 8601), never the build time
    notes: Counter[str] = field(default_factory=Counter)

    def label_index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.labels)}

    def media_url(self, item_id: int) -> str:
        return f"{self.media_base_url}/api/v1/items/{item_id}/media"

    def media_path(self, media_key: str) -> Path:
        """A local file with the media's bytes (a copy in the build's folder for S3 media);
        ``FileNotFoundError`` when it is missing."""
        store = get_store()
        if store.local:
            return self.media_root / media_key
        return store.fetch(media_key, self.staging.folder)

    def has_media(self, media_key: str) -> bool:
        store = get_store()
        return (self.media_root / media_key).is_file() if store.local else store.exists(media_key)


class FormatWriter(Protocol):
    name: ClassVar[str]
    supports_raw: ClassVar[bool]
    needs_media: ClassVar[bool]

    def add(self, record: ExportRecord, split: str) -> None: ...

    def finish(self) -> None: ...


WriterFactory = Callable[[BuildContext], FormatWriter]


def image_name(record: ExportRecord) -> str:
    """The file name of an item's image in the zip: its id, with the stored extension."""
    return f"{record.item.id}{media_suffix(record.item.media_key)}"


def media_suffix(media_key: str | None) -> str:
    """``PurePosixPath(media_key).suffix.lower()`` (or ``.bin``), without building a path."""
    name = (media_key or "").rstrip("/").rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ".bin"


def stage_image(ctx: BuildContext, record: ExportRecord, arcname: str) -> str:
    """Put the image at ``arcname`` (include mode) and answer what the format should reference:
    ``arcname`` itself, or the image's URL in url mode."""
    if ctx.media == "url":
        return ctx.media_url(record.item.id)
    assert record.item.media_key is not None
    ctx.staging.add_file(arcname, ctx.media_path(record.item.media_key))
    return arcname


def results(ctx: BuildContext, record: ExportRecord) -> list[tuple[int | None, dict[str, Any]]]:
    """(annotator id, result) pairs to write: the one truth, or each raw annotation."""
    if ctx.source == "raw":
        return [(a.annotator_id, a.result) for a in record.annotations]
    assert record.result is not None
    return [(None, record.result)]


class SplitSpools:
    """One staged stream per split, opened on first use, named ``pattern.format(split=…)``."""

    def __init__(self, ctx: BuildContext, pattern: str, *, header: str = "") -> None:
        self.ctx = ctx
        self.pattern = pattern
        self.header = header
        self._open: dict[str, EntryStream] = {}

    def get(self, split: str) -> EntryStream:
        if split not in self._open:
            stream = self.ctx.staging.open_stream(self.pattern.format(split=split))
            stream.write(self.header)
            self._open[split] = stream
        return self._open[split]

    def finish(self, *, every_split: bool = True) -> None:
        """Close the streams; with ``every_split`` an empty split still gets its (empty) file."""
        if every_split:
            for split in self.ctx.splits:
                self.get(split)
        for _, stream in sorted(self._open.items()):
            stream.close()
