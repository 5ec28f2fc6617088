"""Bounding boxes in pixels of the original image, origin top-left.

``{"boxes": [{"label": "scratch", "x": 10.0, "y": 20.0, "w": 30.0, "h": 15.0}]}``; an empty list
is a valid answer ("nothing to label").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.kinds.base import ItemShape, ResultInvalid, check_label, parse_strict

MAX_BOXES = 2000
# Browsers convert zoomed screen coordinates with float rounding; a box may touch the edge.
EDGE_TOLERANCE = 0.01


class Box(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=64)
    x: float = Field(ge=0, allow_inf_nan=False)
    y: float = Field(ge=0, allow_inf_nan=False)
    w: float = Field(gt=0, allow_inf_nan=False)
    h: float = Field(gt=0, allow_inf_nan=False)


class BoxesResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    boxes: list[Box] = Field(max_length=MAX_BOXES)


class ImageBoxesKind:
    name = "image_boxes"
    media: Literal["image"] = "image"

    def validate(self, result: Any, *, labels: Iterable[str], item: ItemShape) -> dict[str, Any]:
        parsed = parse_strict(BoxesResult, result)
        labels = set(labels)
        for i, box in enumerate(parsed.boxes):
            check_label(box.label, labels, ("boxes", i, "label"))
            if item.width is not None and box.x + box.w > item.width + EDGE_TOLERANCE:
                raise ResultInvalid(
                    ("boxes", i, "w"),
                    f"box reaches x={box.x + box.w:g}, past the image width {item.width}",
                )
            if item.height is not None and box.y + box.h > item.height + EDGE_TOLERANCE:
                raise ResultInvalid(
                    ("boxes", i, "h"),
                    f"box reaches y={box.y + box.h:g}, past the image height {item.height}",
                )
        return parsed.model_dump()


IMAGE_BOXES = ImageBoxesKind()
