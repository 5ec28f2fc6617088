"""What the project endpoints accept and answer, with the rules between settings."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from backend.kinds import BUILT_IN_KINDS, KINDS


def _registered(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; the kinds are {', '.join(KINDS)}")
    return kind


# The OpenAPI document lists the built-in kinds; a kind registered later is accepted as well.
_KIND_SCHEMA = WithJsonSchema({"type": "string", "enum": list(BUILT_IN_KINDS)})
KindName = Annotated[str, AfterValidator(_registered), _KIND_SCHEMA]
StoredKind = Annotated[str, _KIND_SCHEMA]  # what a project row holds: answered as it is
# "auto" or one of quality.confidence.METHODS (a test checks that the two lists agree)
InferenceMethod = Literal[
    "auto",
    "dawid_skene",
    "one_coin_dawid_skene",
    "majority_vote",
    "weighted_majority_vote",
    "glad",
    "mace",
]

PALETTE = (
    "#e6194b",
    "#3cb44b",
    "#4363d8",
    "#f58231",
    "#911eb4",
    "#42d4f4",
    "#f032e6",
    "#bfef45",
    "#469990",
    "#9a6324",
)
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class LabelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    color: str | None = None
    hotkey: str | None = Field(default=None, min_length=1, max_length=1)

    @field_validator("name")
    @classmethod
    def _clean_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("label name must not be blank")
        return value

    @field_validator("color")
    @classmethod
    def _check_color(cls, value: str | None) -> str | None:
        if value is not None and not _COLOR.match(value):
            raise ValueError("colour must look like #1a2b3c")
        return value


def _check_labels(labels: list[LabelSpec]) -> list[LabelSpec]:
    names = [label.name for label in labels]
    if len(set(names)) != len(names):
        raise ValueError("label names must be unique")
    keys = [label.hotkey.lower() for label in labels if label.hotkey]
    if len(set(keys)) != len(keys):
        raise ValueError("label hotkeys must be unique")
    for i, label in enumerate(labels):
        if label.color is None:
            label.color = PALETTE[i % len(PALETTE)]
    return labels


class ProjectSettings(BaseModel):
    """Settings shared by create and update, with their bounds."""

    instructions: str = Field(default="", max_length=20_000)
    overlap: int = Field(default=3, ge=1, le=50)
    max_overlap: int | None = Field(default=None, ge=1, le=50)
    agreement_target: float = Field(default=0.7, ge=0, le=1)
    gold_rate: float = Field(default=0.1, ge=0, le=0.9)
    qualification_count: int = Field(default=0, ge=0, le=100)
    min_gold_accuracy: float = Field(default=0.6, ge=0, le=1)
    gold_min_count: int = Field(default=5, ge=1, le=1000)
    lease_seconds: int = Field(default=600, ge=30, le=7 * 24 * 3600)
    reward_per_item: float = Field(default=0.0, ge=0, le=1_000_000)
    inference_method: InferenceMethod = "auto"
    method_choice_min_gold: int = Field(default=30, ge=1, le=1_000_000)


class ProjectCreate(ProjectSettings):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: KindName
    labels: list[LabelSpec] = Field(min_length=1, max_length=200)

    _labels = field_validator("labels")(_check_labels)

    @model_validator(mode="after")
    def _overlap_bounds(self) -> Self:
        if self.max_overlap is None:
            self.max_overlap = self.overlap
        if self.max_overlap < self.overlap:
            raise ValueError("max_overlap must be at least overlap")
        return self


class ProjectUpdate(BaseModel):
    """Every field optional; the kind never changes once the project exists."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    labels: list[LabelSpec] | None = Field(default=None, min_length=1, max_length=200)
    instructions: str | None = Field(default=None, max_length=20_000)
    overlap: int | None = Field(default=None, ge=1, le=50)
    max_overlap: int | None = Field(default=None, ge=1, le=50)
    agreement_target: float | None = Field(default=None, ge=0, le=1)
    gold_rate: float | None = Field(default=None, ge=0, le=0.9)
    qualification_count: int | None = Field(default=None, ge=0, le=100)
    min_gold_accuracy: float | None = Field(default=None, ge=0, le=1)
    gold_min_count: int | None = Field(default=None, ge=1, le=1000)
    lease_seconds: int | None = Field(default=None, ge=30, le=7 * 24 * 3600)
    reward_per_item: float | None = Field(default=None, ge=0, le=1_000_000)
    inference_method: InferenceMethod | None = None
    method_choice_min_gold: int | None = Field(default=None, ge=1, le=1_000_000)

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: list[LabelSpec] | None) -> list[LabelSpec] | None:
        return None if value is None else _check_labels(value)


class ProjectPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    name: str
    kind: StoredKind
    labels: list[LabelSpec]
    instructions: str
    overlap: int
    max_overlap: int
    agreement_target: float
    gold_rate: float
    qualification_count: int
    min_gold_accuracy: float
    gold_min_count: int
    lease_seconds: int
    reward_per_item: float
    inference_method: str
    method_choice_min_gold: int
    created_at: datetime
    updated_at: datetime
