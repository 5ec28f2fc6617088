"""Image and text classification: one label per item, ``{"label": "scratch"}``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.kinds.base import ItemShape, check_label, parse_strict


class ClassResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=64)


@dataclass(frozen=True)
class ClassificationKind:
    name: str
    media: Literal["image", "text"]

    def validate(self, result: Any, *, labels: Iterable[str], item: ItemShape) -> dict[str, Any]:
        parsed = parse_strict(ClassResult, result)
        check_label(parsed.label, labels, ("label",))
        return parsed.model_dump()


IMAGE_CLASSIFICATION = ClassificationKind("image_classification", "image")
TEXT_CLASSIFICATION = ClassificationKind("text_classification", "text")
