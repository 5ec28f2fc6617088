"""Pascal VOC (the VOC2012 development kit layout and annotation XML).

``Annotations/{id}.xml`` per image, ``JPEGImages/{id}.jpg`` and ``ImageSets/Main/{split}.txt``
listing the ids of each split. VOC boxes are integer pixel indices, 1-based with the maximum
inclusive (the devkit's ``xmin`` of the leftmost pixel is 1), so a Jinbiao box ``x, y, w, h``
(0-based, continuous) is written ``xmin = round(x) + 1``, ``xmax = round(x + w)``, and reads back
as ``x = xmin − 1``, ``w = xmax − xmin + 1``: within half a pixel for the corner and a pixel for
the size. In url mode ``<path>`` holds the image URL.
"""

from __future__ import annotations

from typing import ClassVar
from xml.etree import ElementTree as ET

from backend.exports.formats.base import BuildContext, SplitSpools, image_name, stage_image
from backend.exports.records import ExportRecord


class VocWriter:
    name: ClassVar[str] = "voc"
    supports_raw: ClassVar[bool] = False
    needs_media: ClassVar[bool] = False

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.sets = SplitSpools(ctx, "ImageSets/Main/{split}.txt")

    def add(self, record: ExportRecord, split: str) -> None:
        item = record.item
        assert record.result is not None
        file_name = image_name(record)
        stem = file_name.rsplit(".", 1)[0]
        where = stage_image(self.ctx, record, f"JPEGImages/{file_name}")
        root = ET.Element("annotation")
        _text(root, "folder", "JPEGImages")
        _text(root, "filename", file_name)
        _text(root, "path", where)
        source = ET.SubElement(root, "source")
        _text(source, "database", "Jinbiao")
        _text(source, "annotation", self.ctx.project_name)
        size = ET.SubElement(root, "size")
        _text(size, "width", item.width)
        _text(size, "height", item.height)
        _text(size, "depth", 3)
        _text(root, "segmented", 0)
        for box in record.result["boxes"]:
            obj = ET.SubElement(root, "object")
            _text(obj, "name", box["label"])
            _text(obj, "pose", "Unspecified")
            _text(obj, "truncated", 0)
            _text(obj, "difficult", 0)
            xmin, ymin = round(box["x"]) + 1, round(box["y"]) + 1
            xmax = max(xmin, round(box["x"] + box["w"]))
            ymax = max(ymin, round(box["y"] + box["h"]))
            bndbox = ET.SubElement(obj, "bndbox")
            for tag, value in (("xmin", xmin), ("ymin", ymin), ("xmax", xmax), ("ymax", ymax)):
                _text(bndbox, tag, value)
        ET.indent(root)
        data = ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
        self.ctx.staging.add_bytes(f"Annotations/{stem}.xml", data)
        self.sets.get(split).write(stem + "\n")

    def finish(self) -> None:
        self.sets.finish()


def _text(parent: ET.Element, tag: str, value: object) -> None:
    ET.SubElement(parent, tag).text = str(value)
