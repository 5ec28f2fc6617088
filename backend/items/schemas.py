"""What the item, media and gold endpoints accept and answer.

Structure is checked here (a request of the wrong shape is a bug in the client and is refused
whole, like any FastAPI body); content (a corrupt image, an unknown label) is checked per row by
the import service, so one bad row does not cost the rest of the batch.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from backend.bounded_ids import DbId
from backend.kinds.openapi import KindResult


class ItemIn(BaseModel):
    """One item of a JSON import: exactly one of ``text``, ``image_base64``, ``image_path``."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = None
    image_base64: str | None = None
    image_path: str | None = Field(default=None, min_length=1, max_length=4096)
    external_id: str | None = Field(default=None, max_length=255)
    meta: dict[str, Any] | None = None
    prelabel: KindResult | None = None
    priority: float = 0.0
    # The item's template image (inspection against a defect-free part): a data: URL or a path
    # under the import root (``backend.items.references``).
    reference_image: str | None = Field(default=None, min_length=1)

    @field_validator("priority")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("priority must be a finite number")
        return value

    @model_validator(mode="after")
    def _one_content(self) -> Self:
        given = [f for f in ("text", "image_base64", "image_path") if getattr(self, f) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of text, image_base64, image_path")
        return self


class ImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[ItemIn] = Field(min_length=1)


class RowError(BaseModel):
    """Why one row was not imported.

    ``row`` counts rows from 0 in request order (for uploads: across files, zip members and
    lines); ``source`` names the file, member or line; ``loc`` the field when there is one.
    """

    row: int
    message: str
    source: str | None = None
    loc: list[str | int] = Field(default_factory=list)
    code: str | None = Field(
        default=None,
        description="the problem as a stable snake_case code a client translates "
        "(`not_json`, `image_corrupt`, `image_frames`…); `message` says it in English",
        examples=["priority_not_number"],
    )


class ImportResult(BaseModel):
    created: int
    duplicates: int
    errors: list[RowError]


class GoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: DbId | None = None
    external_id: str | None = Field(default=None, max_length=255)
    answer: KindResult

    @model_validator(mode="after")
    def _one_key(self) -> Self:
        if (self.item_id is None) == (self.external_id is None):
            raise ValueError("give exactly one of item_id, external_id")
        return self


class GoldRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[GoldIn] = Field(min_length=1, max_length=10_000)


class GoldResult(BaseModel):
    """``created`` new gold answers, ``updated`` replaced ones; ``errors`` rows changed nothing."""

    created: int
    updated: int
    errors: list[RowError]


class GoldPublic(BaseModel):
    item_id: int
    external_id: str | None
    answer: KindResult
    created_at: datetime
