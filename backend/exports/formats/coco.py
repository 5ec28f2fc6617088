"""COCO object detection (https://cocodataset.org/#format-data), one file per split.

``annotations/instances_{split}.json`` with ``images``, ``annotations`` and ``categories``;
images under ``images/{split}/`` and ``file_name`` relative to that folder, as in COCO 2017
(``train2017/000000000009.jpg``). ``bbox`` is ``[x, y, width, height]`` in pixels from the
top-left corner — Jinbiao's own box convention, so coordinates are copied, not converted;
``area`` is ``w × h`` and ``segmentation`` the box as a polygon, since pycocotools' mask helpers
expect one. Category ids start at 1 in the project's label order (0 is background by custom).
In url mode ``file_name`` stays and ``coco_url`` holds the image URL.

The JSON is written as it goes, straight into the staged (deflated, hashed) entry: its keys in
sorted order, ``annotations`` first, one per box as records arrive; image entries go to a small
side spool, appended after the ``categories`` when the pass is over. The file never exists as one
dict in memory, and the big part of it is written once. Annotation objects are encoded by
``jsonfast`` (orjson when installed, identical bytes either way).
With ``source=raw`` every annotator's boxes are annotations, each with an ``annotator_id``.
Polygon results are written with their ``segmentation`` (polygon, or RLE for a polygon with
holes: ``coco_segments``).
"""

from __future__ import annotations

from json.encoder import encode_basestring
from typing import Any, ClassVar

from backend.exports.formats.base import BuildContext, media_suffix, results, stage_image
from backend.exports.formats.coco_segments import polygon_object
from backend.exports.jsonfast import dumps, dumps_ordered
from backend.exports.records import ExportRecord
from backend.exports.staging import COPY_CHUNK

_BATCH = 2048  # annotation objects encoded at once (about a megabyte of dicts)


class _Split:
    def __init__(self, ctx: BuildContext, split: str) -> None:
        self.out = ctx.staging.open_stream(f"annotations/instances_{split}.json")
        self.out.write('{"annotations":[')
        self.images_path, self.images = ctx.staging.open_spool()
        self.pending: list[str] = []  # image objects, written to the spool in batches
        self.rows: list[dict[str, Any]] = []  # annotation objects, encoded in batches
        self.n_images = 0
        self.n_annotations = 0

    def flush_annotations(self) -> None:
        if self.rows:
            text = dumps_ordered(self.rows)[1:-1]
            self.out.write("," + text if self.n_annotations else text)
            self.n_annotations += len(self.rows)
            self.rows = []


class CocoWriter:
    name: ClassVar[str] = "coco"
    supports_raw: ClassVar[bool] = True
    needs_media: ClassVar[bool] = False

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.category = {label: i + 1 for i, label in enumerate(ctx.labels)}
        self.splits = {split: _Split(ctx, split) for split in ctx.splits}
        self.next_annotation_id = 1
        self.url_mode = ctx.media == "url"

    def add(self, record: ExportRecord, split: str) -> None:
        item = record.item
        part = self.splits[split]
        file_name = f"{item.id}{media_suffix(item.media_key)}"
        where = stage_image(self.ctx, record, f"images/{split}/{file_name}")
        # The image object with its keys sorted, as ``dumps`` would write it.
        image = "{"
        if self.url_mode:
            image += f'"coco_url":{encode_basestring(where)},'
        if item.external_id is not None:
            image += f'"external_id":{encode_basestring(item.external_id)},'
        image += (
            f'"file_name":{encode_basestring(file_name)},"height":{item.height},'
            f'"id":{item.id},"width":{item.width}}}'
        )
        part.pending.append("," + image if part.n_images else image)
        part.n_images += 1
        if len(part.pending) >= 4096:
            part.images.write("".join(part.pending))
            part.pending = []
        category = self.category
        next_id = self.next_annotation_id
        rows = part.rows
        for annotator_id, result in results(self.ctx, record):
            for polygon in result.get("polygons", ()):
                row = polygon_object(polygon, height=item.height, width=item.width)
                row.update(
                    category_id=category[polygon["label"]],
                    id=next_id,
                    image_id=item.id,
                    iscrowd=0,
                )
                rows.append(row if annotator_id is None else {"annotator_id": annotator_id, **row})
                next_id += 1
            for box in result.get("boxes", ()):
                x, y, w, h = box["x"], box["y"], box["w"], box["h"]
                x2, y2 = x + w, y + h
                row = {
                    "area": w * h,
                    "bbox": [x, y, w, h],
                    "category_id": category[box["label"]],
                    "id": next_id,
                    "image_id": item.id,
                    "iscrowd": 0,
                    "segmentation": [[x, y, x2, y, x2, y2, x, y2]],
                }
                rows.append(row if annotator_id is None else {"annotator_id": annotator_id, **row})
                next_id += 1
        self.next_annotation_id = next_id
        if len(rows) >= _BATCH:
            part.flush_annotations()

    def finish(self) -> None:
        info = {
            "description": f"Jinbiao export of project {self.ctx.project_name}",
            "date_created": self.ctx.created_at,
            "version": "1.0",
            "year": int(self.ctx.created_at[:4]),
            "contributor": "Jinbiao",
            "url": "",
        }
        categories = [
            {"id": cid, "name": label, "supercategory": "defect"}
            for label, cid in self.category.items()
        ]
        for part in self.splits.values():
            part.flush_annotations()
            part.images.write("".join(part.pending))
            part.images.close()
            part.out.write(f'],"categories":{dumps(categories)},"images":[')
            with part.images_path.open("rb") as source:
                while chunk := source.read(COPY_CHUNK):
                    part.out.write_bytes(chunk)
            part.out.write(f'],"info":{dumps(info)},"licenses":[]}}')
            part.out.close()
            part.images_path.unlink()
