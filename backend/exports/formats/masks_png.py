"""PNG label masks in the PASCAL VOC segmentation layout (the VOC2012 development kit).

``JPEGImages/{id}.jpg``, ``SegmentationClass/{id}.png`` (indexed colour, VOC palette: 0 is
background, class ``i`` of the project's label order is ``i + 1``), ``ImageSets/Segmentation/
{split}.txt`` listing the ids of each split, and ``labels.txt`` naming each index. In url mode
``image_urls.txt`` lists ``JPEGImages/{file}<TAB>{url}``; the masks are the same.
"""

from __future__ import annotations

from typing import ClassVar

from backend.exports.formats.base import BuildContext, SplitSpools, image_name, stage_image
from backend.exports.formats.masks import label_mask, png, voc_palette
from backend.exports.records import ExportRecord


class MasksPngWriter:
    name: ClassVar[str] = "masks_png"
    supports_raw: ClassVar[bool] = False
    needs_media: ClassVar[bool] = False

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.value = {label: i + 1 for i, label in enumerate(ctx.labels)}
        self.sets = SplitSpools(ctx, "ImageSets/Segmentation/{split}.txt")
        self.urls = ctx.staging.open_stream("image_urls.txt") if ctx.media == "url" else None

    def add(self, record: ExportRecord, split: str) -> None:
        item = record.item
        assert record.result is not None and item.width and item.height
        file_name = image_name(record)
        stem = file_name.rsplit(".", 1)[0]
        where = stage_image(self.ctx, record, f"JPEGImages/{file_name}")
        if self.urls is not None:
            self.urls.write(f"JPEGImages/{file_name}\t{where}\n")
        mask = label_mask(
            record.result.get("polygons", ()), self.value, height=item.height, width=item.width
        )
        self.ctx.staging.add_bytes(
            f"SegmentationClass/{stem}.png", png(mask, palette=voc_palette()), compress=False
        )
        self.sets.get(split).write(stem + "\n")

    def finish(self) -> None:
        self.sets.finish()
        if self.urls is not None:
            self.urls.close()
        names = ["0 background", *(f"{i} {label}" for label, i in self.value.items())]
        self.ctx.staging.add_bytes("labels.txt", ("\n".join(names) + "\n").encode())
