"""YOLO detection labels as Ultralytics reads them (https://docs.ultralytics.com/datasets/detect/).

``images/{split}/{id}.jpg`` beside ``labels/{split}/{id}.txt``; one line per box,
``class x_center y_center width height``, normalised by the image size to [0, 1] with six
decimals (1/1,000,000 of the side: under 0.01 px for images up to 10,000 px). Class ids start at 0
in the project's label order. An image without boxes gets an empty label file: a background image.
``data.yaml`` names the splits and classes. In url mode ``image_urls/{split}.txt`` lists
``images/{split}/{file}<TAB>{url}`` for a download step; the label files are the same.
"""

from __future__ import annotations

from typing import ClassVar

from backend.exports.formats.base import BuildContext, SplitSpools, dumps, image_name, stage_image
from backend.exports.records import ExportRecord


class YoloWriter:
    name: ClassVar[str] = "yolo"
    supports_raw: ClassVar[bool] = False
    needs_media: ClassVar[bool] = False

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.classes = ctx.label_index()
        self.urls = SplitSpools(ctx, "image_urls/{split}.txt")

    def add(self, record: ExportRecord, split: str) -> None:
        item = record.item
        assert record.result is not None and item.width and item.height
        file_name = image_name(record)
        where = stage_image(self.ctx, record, f"images/{split}/{file_name}")
        if self.ctx.media == "url":
            self.urls.get(split).write(f"images/{split}/{file_name}\t{where}\n")
        lines = []
        for box in record.result["boxes"]:
            cx = (box["x"] + box["w"] / 2) / item.width
            cy = (box["y"] + box["h"] / 2) / item.height
            w = box["w"] / item.width
            h = box["h"] / item.height
            values = " ".join(f"{_unit(v):.6f}" for v in (cx, cy, w, h))
            lines.append(f"{self.classes[box['label']]} {values}\n")
        stem = file_name.rsplit(".", 1)[0]
        self.ctx.staging.add_bytes(f"labels/{split}/{stem}.txt", "".join(lines).encode())

    def finish(self) -> None:
        if self.ctx.media == "url":
            self.urls.finish()
        lines = ["# Ultralytics YOLO dataset written by Jinbiao", "path: ."]
        lines += [f"{split}: images/{split}" for split in self.ctx.splits]
        lines.append(f"nc: {len(self.classes)}")
        lines.append("names:")
        lines += [f"  {i}: {dumps(name)}" for name, i in self.classes.items()]
        self.ctx.staging.add_bytes("data.yaml", ("\n".join(lines) + "\n").encode())


def _unit(value: float) -> float:
    return min(1.0, max(0.0, value))
