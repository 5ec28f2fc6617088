"""The MVTec AD folder layout, as anomaly-detection trainers (anomalib's ``MVTec``) read it.

``{category}/train/good/NNN.png`` for OK images of the train split, ``{category}/test/good/``
for OK images of the other splits, and for each defective image ``{category}/test/{defect}/
NNN.png`` beside its mask ``{category}/ground_truth/{defect}/NNN_mask.png`` (8-bit, 255 on the
defect). Anomaly detectors train on good images only, so a defective image of the train split
goes to ``test`` too. ``{defect}`` is the label covering the largest area of the image; the mask
is the union of all its polygons. An image with ``"ok": false`` but no polygon is a defect
without outline: ``test/defect/`` with an empty mask. Numbers count per folder from 000 in item
order (P. Bergmann et al., "MVTec AD — A Comprehensive Real-World Dataset for Unsupervised
Anomaly Detection", CVPR 2019, https://doi.org/10.1109/CVPR.2019.00982).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import ClassVar

from backend.exports.formats.base import BuildContext, media_suffix, stage_image
from backend.exports.formats.coco_segments import polygon_area
from backend.exports.formats.masks import label_mask, png
from backend.exports.records import ExportRecord

GOOD = "good"
UNOUTLINED = "defect"
_UNSAFE = re.compile(r"[\\/\x00-\x1f]+|^\.+")


def folder_name(label: str) -> str:
    """A label as a folder name: no separators, no leading dots."""
    return _UNSAFE.sub("_", label).strip() or "_"


def category_of(project_name: str, project_id: int) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", project_name).strip("_").lower()
    return slug or f"project_{project_id}"


class MvtecWriter:
    name: ClassVar[str] = "mvtec"
    supports_raw: ClassVar[bool] = False
    needs_media: ClassVar[bool] = True

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.root = category_of(ctx.project_name, ctx.project_id)
        self.counts: Counter[str] = Counter()

    def _number(self, folder: str) -> str:
        n = self.counts[folder]
        self.counts[folder] += 1
        return f"{n:03d}"

    def add(self, record: ExportRecord, split: str) -> None:
        item = record.item
        assert record.result is not None and item.width and item.height
        found = list(record.result.get("polygons", ()))
        suffix = media_suffix(item.media_key)
        if not found and record.result.get("ok", True) is not False:
            folder = f"{'train' if split == 'train' else 'test'}/{GOOD}"
            stage_image(self.ctx, record, f"{self.root}/{folder}/{self._number(folder)}{suffix}")
            return
        area: dict[str, float] = {}
        for polygon in found:
            area[polygon["label"]] = area.get(polygon["label"], 0.0) + polygon_area(polygon)
        defect = folder_name(max(area, key=area.__getitem__)) if area else UNOUTLINED
        stem = self._number(f"test/{defect}")
        stage_image(self.ctx, record, f"{self.root}/test/{defect}/{stem}{suffix}")
        mask = label_mask(
            found, {p["label"]: 255 for p in found}, height=item.height, width=item.width
        )
        self.ctx.staging.add_bytes(
            f"{self.root}/ground_truth/{defect}/{stem}_mask.png", png(mask), compress=False
        )

    def finish(self) -> None:
        return None
