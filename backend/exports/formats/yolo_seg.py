"""YOLO segmentation labels as Ultralytics reads them (https://docs.ultralytics.com/datasets/segment/).

The layout and ``data.yaml`` of the ``yolo`` format; each line of ``labels/{split}/{id}.txt``
is ``class x1 y1 x2 y2 ...``, a polygon's outer ring normalised by the image size to [0, 1]
with six decimals. The format has no holes: a polygon's holes are left out (the COCO and
``masks_png`` exports keep them). An image without polygons gets an empty label file.
"""

from __future__ import annotations

from typing import ClassVar

from backend.exports.formats.base import image_name, stage_image
from backend.exports.formats.yolo import YoloWriter, _unit
from backend.exports.records import ExportRecord


class YoloSegWriter(YoloWriter):
    name: ClassVar[str] = "yolo_seg"

    def add(self, record: ExportRecord, split: str) -> None:
        item = record.item
        assert record.result is not None and item.width and item.height
        file_name = image_name(record)
        where = stage_image(self.ctx, record, f"images/{split}/{file_name}")
        if self.ctx.media == "url":
            self.urls.get(split).write(f"images/{split}/{file_name}\t{where}\n")
        lines = []
        for polygon in record.result.get("polygons", ()):
            values = " ".join(
                f"{_unit(x / item.width):.6f} {_unit(y / item.height):.6f}"
                for x, y in polygon["points"]
            )
            lines.append(f"{self.classes[polygon['label']]} {values}\n")
        stem = file_name.rsplit(".", 1)[0]
        self.ctx.staging.add_bytes(f"labels/{split}/{stem}.txt", "".join(lines).encode())
