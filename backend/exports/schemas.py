"""What the version endpoints accept and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from backend.exports.formats import FORMAT_NAMES


class SplitSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    train: float = Field(ge=0, le=1)
    val: float = Field(default=0.0, ge=0, le=1)
    test: float = Field(default=0.0, ge=0, le=1)

    @model_validator(mode="after")
    def _sums_to_one(self) -> Self:
        if abs(self.train + self.val + self.test - 1.0) > 1e-6:
            raise PydanticCustomError("split_sum", "train + val + test must be 1")
        return self


class VersionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: str = Field(description=f"one of {', '.join(FORMAT_NAMES)} (by project kind)")
    source: Literal["consensus", "raw"] = "consensus"
    min_confidence: float | None = Field(default=None, ge=0, le=1)
    min_answers: int | None = Field(
        default=None, ge=0, le=1000, description="Default: the project's overlap"
    )
    include_gold: bool = False
    split: SplitSpec = Field(default_factory=lambda: SplitSpec(train=1.0))
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    media: Literal["include", "url"] = "include"
    only_accepted_lots: bool = Field(
        default=False, description="only items of lots accepted (验收) when the version is made"
    )
    only_reviewed: bool = Field(
        default=False, description="only items a reviewer accepted or fixed (质检)"
    )


class VersionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    project_id: int
    number: int
    status: str
    format: str
    params: dict[str, Any]
    progress: float
    counts: dict[str, Any]
    sha256: str | None
    size_bytes: int | None
    error: str | None
    attempts: int
    created_at: datetime
    finished_at: datetime | None


class VersionDetail(VersionPublic):
    manifest: dict[str, Any] | None


class DiffPart(BaseModel):
    count: int
    item_ids: list[int] = Field(description="the first ones, in id order, up to the limit")


class ChangedItem(BaseModel):
    item_id: int
    labels_before: list[str]
    labels_after: list[str]


class VersionDiff(BaseModel):
    version_id: int
    other_id: int
    added: DiffPart
    removed: DiffPart
    changed_count: int
    changed: list[ChangedItem]
    unchanged_count: int
