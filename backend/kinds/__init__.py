"""The registry of project kinds. Adding a kind is one module and one line here."""

from __future__ import annotations

from backend.kinds.base import ItemShape, Kind, ResultInvalid
from backend.kinds.classification import IMAGE_CLASSIFICATION, TEXT_CLASSIFICATION
from backend.kinds.image_boxes import IMAGE_BOXES
from backend.kinds.text_spans import TEXT_SPANS

KINDS: dict[str, Kind] = {
    kind.name: kind for kind in (IMAGE_CLASSIFICATION, IMAGE_BOXES, TEXT_CLASSIFICATION, TEXT_SPANS)
}
KIND_NAMES = tuple(KINDS)


def get_kind(name: str) -> Kind:
    return KINDS[name]


__all__ = ["KINDS", "KIND_NAMES", "ItemShape", "Kind", "ResultInvalid", "get_kind"]
