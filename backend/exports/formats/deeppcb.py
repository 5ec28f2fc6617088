"""DeepPCB-style box annotations for box projects (https://github.com/tangsanli5201/DeepPCB).

DeepPCB pairs each test image with a defect-free template and writes one text file per image,
one line per defect ``x1,y1,x2,y2,type`` in integer pixels (corners rounded, clipped to the
image) with ``type`` the class number from 1 (DeepPCB's six defects are 1-6; here the project's
label order). Layout: ``images/{id}_test.jpg``, ``annotations/{id}.txt``, ``{split}.txt`` with
one ``images/{id}_test.jpg annotations/{id}.txt`` line per image (DeepPCB's ``trainval.txt`` and
``test.txt``) and ``classes.txt`` naming each type. An OK image has an empty annotation file. In
url mode ``image_urls.txt`` lists ``images/{file}<TAB>{url}``.
"""

from __future__ import annotations

from typing import ClassVar

from backend.exports.formats.base import BuildContext, SplitSpools, media_suffix, stage_image
from backend.exports.records import ExportRecord


class DeepPcbWriter:
    name: ClassVar[str] = "deeppcb"
    supports_raw: ClassVar[bool] = False
    needs_media: ClassVar[bool] = False

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.type = {label: i + 1 for i, label in enumerate(ctx.labels)}
        self.lists = SplitSpools(ctx, "{split}.txt")
        self.urls = ctx.staging.open_stream("image_urls.txt") if ctx.media == "url" else None

    def add(self, record: ExportRecord, split: str) -> None:
        item = record.item
        assert record.result is not None and item.width and item.height
        image = f"images/{item.id}_test{media_suffix(item.media_key)}"
        where = stage_image(self.ctx, record, image)
        if self.urls is not None:
            self.urls.write(f"{image}\t{where}\n")
        lines = []
        for box in record.result.get("boxes", ()):
            x1 = min(max(round(box["x"]), 0), item.width)
            y1 = min(max(round(box["y"]), 0), item.height)
            x2 = min(max(round(box["x"] + box["w"]), x1), item.width)
            y2 = min(max(round(box["y"] + box["h"]), y1), item.height)
            lines.append(f"{x1},{y1},{x2},{y2},{self.type[box['label']]}\n")
        annotation = f"annotations/{item.id}.txt"
        self.ctx.staging.add_bytes(annotation, "".join(lines).encode())
        self.lists.get(split).write(f"{image} {annotation}\n")

    def finish(self) -> None:
        self.lists.finish()
        if self.urls is not None:
            self.urls.close()
        names = [f"{i} {label}" for label, i in self.type.items()]
        self.ctx.staging.add_bytes("classes.txt", ("\n".join(names) + "\n").encode())
