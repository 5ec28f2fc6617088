"""COCO object detection (https://cocodataset.org/#format-data), one file per split.

``annotations/instances_{split}.json`` with ``images``, ``annotations`` and ``categories``;
images under ``images/{split}/`` and ``file_name`` relative to that folder, as in COCO 2017
(``train2017/000000000009.jpg``). ``bbox`` is ``[x, y, width, height]`` in pixels from the
top-left corner — Jinbiao's own box convention, so coordinates are copied, not converted;
``area`` is ``w × h`` and ``segmentation`` the box as a polygon, since pycocotools' mask helpers
expect one. Category ids start at 1 in the project's label order (0 is background by custom).
In url mode ``file_name`` stays and ``coco_url`` holds the image URL.

The JSON is written incrementally: images and annotations go to two spool files per split as
records arrive and are joined at the end, so the file never exists as one dict in memory.
With ``source=raw`` every annotator's boxes are annotations, each with an ``annotator_id``.
"""

from __future__ import annotations

import shutil
from typing import IO, ClassVar

from backend.exports.formats.base import BuildContext, dumps, image_name, results, stage_image
from backend.exports.records import ExportRecord


class _SplitStreams:
    def __init__(self, ctx: BuildContext) -> None:
        self.images_path, self.images = ctx.staging.open_spool()
        self.annotations_path, self.annotations = ctx.staging.open_spool()
        self.n_images = 0
        self.n_annotations = 0

    @staticmethod
    def append(handle: IO[str], count: int, value: dict) -> None:
        handle.write(("," if count else "") + dumps(value))

    @staticmethod
    def append_raw(handle: IO[str], count: int, text: str) -> None:
        handle.write(("," if count else "") + text)


class CocoWriter:
    name: ClassVar[str] = "coco"
    kinds: ClassVar[frozenset[str]] = frozenset({"image_boxes"})
    supports_raw: ClassVar[bool] = True
    needs_media: ClassVar[bool] = False

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.category = {label: i + 1 for i, label in enumerate(ctx.labels)}
        self.streams = {split: _SplitStreams(ctx) for split in ctx.splits}
        self.next_annotation_id = 1

    def add(self, record: ExportRecord, split: str) -> None:
        item = record.item
        streams = self.streams[split]
        file_name = image_name(record)
        where = stage_image(self.ctx, record, f"images/{split}/{file_name}")
        image = {"id": item.id, "file_name": file_name, "width": item.width, "height": item.height}
        if self.ctx.media == "url":
            image["coco_url"] = where
        if item.external_id is not None:
            image["external_id"] = item.external_id
        streams.append(streams.images, streams.n_images, image)
        streams.n_images += 1
        for annotator_id, result in results(self.ctx, record):
            for box in result["boxes"]:
                line = _annotation(
                    self.next_annotation_id, item.id, self.category[box["label"]], box
                )
                if annotator_id is not None:
                    line = f'{{"annotator_id":{annotator_id},{line[1:]}'
                streams.append_raw(streams.annotations, streams.n_annotations, line)
                streams.n_annotations += 1
                self.next_annotation_id += 1

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
        for split, streams in self.streams.items():
            streams.images.close()
            streams.annotations.close()
            path, out = self.ctx.staging.open_spool()
            with out:
                out.write(f'{{"info":{dumps(info)},"licenses":[],"images":[')
                _copy(streams.images_path, out)
                out.write('],"annotations":[')
                _copy(streams.annotations_path, out)
                out.write(f'],"categories":{dumps(categories)}}}')
            streams.images_path.unlink()
            streams.annotations_path.unlink()
            self.ctx.staging.add_file(f"annotations/instances_{split}.json", path, compress=True)


def _annotation(annotation_id: int, image_id: int, category_id: int, box: dict) -> str:
    """One COCO annotation as JSON, keys sorted like ``dumps`` would: formatted directly because
    it is the innermost loop (500,000 times for a 100,000-image export). Numbers use ``repr``,
    as the ``json`` module does."""
    x, y, w, h = box["x"], box["y"], box["w"], box["h"]
    x2, y2 = x + w, y + h
    return (
        f'{{"area":{w * h!r},"bbox":[{x!r},{y!r},{w!r},{h!r}],"category_id":{category_id},'
        f'"id":{annotation_id},"image_id":{image_id},"iscrowd":0,'
        f'"segmentation":[[{x!r},{y!r},{x2!r},{y!r},{x2!r},{y2!r},{x!r},{y2!r}]]}}'
    )


def _copy(path, out: IO[str]) -> None:
    with path.open("r", encoding="utf-8") as source:
        shutil.copyfileobj(source, out, 1024 * 1024)
