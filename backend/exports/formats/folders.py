"""ImageNet-style class folders, as torchvision's ``ImageFolder`` reads them.

``{split}/{label}/{id}.jpg``: the folder name is the label, nothing else is needed. It holds one
label per image, so it takes the consensus only (``source=raw`` is refused) and the images
themselves (url mode is refused: there would be nothing in the folders).
"""

from __future__ import annotations

from typing import ClassVar

from backend.exports.formats.base import BuildContext, image_name, stage_image
from backend.exports.records import ExportRecord


class FoldersWriter:
    name: ClassVar[str] = "folders"
    supports_raw: ClassVar[bool] = False
    needs_media: ClassVar[bool] = True

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx

    def add(self, record: ExportRecord, split: str) -> None:
        assert record.result is not None
        label = record.result["label"]
        stage_image(self.ctx, record, f"{split}/{label}/{image_name(record)}")

    def finish(self) -> None:
        return None
