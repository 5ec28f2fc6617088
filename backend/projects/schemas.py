"""What the project endpoints accept and answer, with the rules between settings."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from backend.kinds import BUILT_IN_KINDS, KINDS
from backend.projects.pay_settings import PaySettings, public_pay
from backend.security.destinations import DestinationRefused, check_literal


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


LabelName = Annotated[str, StringConstraints(min_length=1, max_length=64)]


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
            raise PydanticCustomError("label_name_blank", "label name must not be blank")
        return value

    @field_validator("color")
    @classmethod
    def _check_color(cls, value: str | None) -> str | None:
        if value is not None and not _COLOR.match(value):
            raise PydanticCustomError("colour_format", "colour must look like #1a2b3c")
        return value


def _check_labels(labels: list[LabelSpec]) -> list[LabelSpec]:
    names = [label.name for label in labels]
    if len(set(names)) != len(names):
        raise PydanticCustomError("label_names_not_unique", "label names must be unique")
    keys = [label.hotkey.lower() for label in labels if label.hotkey]
    if len(set(keys)) != len(keys):
        raise PydanticCustomError("label_hotkeys_not_unique", "label hotkeys must be unique")
    for i, label in enumerate(labels):
        if label.color is None:
            label.color = PALETTE[i % len(PALETTE)]
    return labels


ReviewMode = Literal["none", "sample", "all", "low_confidence"]
ReworkTo = Literal["same", "pool"]
FinalWhen = Literal["finished", "lot_accepted"]
ReviewReasons = list[Annotated[str, Field(min_length=1, max_length=32)]]


def _check_reasons(reasons: list[str] | None) -> list[str] | None:
    """Reason tags (漏标, 错标, 框不准 …): trimmed, unique, in the order given."""
    if reasons is None:
        return None
    cleaned = [reason.strip() for reason in reasons]
    if any(not reason for reason in cleaned):
        raise PydanticCustomError("review_reason_blank", "a review reason must not be blank")
    if len(set(cleaned)) != len(cleaned):
        raise PydanticCustomError("review_reasons_not_unique", "review reasons must be unique")
    return cleaned


Ordering = Literal["default", "uncertainty", "mixed"]


class ModelEndpoint(BaseModel):
    """An outside model (issue 21): batches of items go to ``url``; an answer slower than
    ``timeout_s`` is dropped (the protocol: examples/README.md)."""

    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    @field_validator("url")
    @classmethod
    def _plain_url(cls, value: AnyHttpUrl) -> AnyHttpUrl:
        if len(str(value)) > 500:
            raise ValueError("url must be at most 500 characters")
        if value.username or value.password:
            raise ValueError("url must not carry a user name or password")
        try:
            check_literal(str(value))  # a name is checked when it is called
        except DestinationRefused as exc:
            raise PydanticCustomError(
                "endpoint_address_not_allowed", str(exc), {"host": value.host or ""}
            ) from None
        return value

    def stored(self) -> dict[str, object]:
        return {"url": str(self.url), "timeout_s": self.timeout_s}


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
    review_mode: ReviewMode = "none"
    review_rate: float = Field(default=0.1, ge=0, le=1)
    review_confidence_below: float = Field(default=0.8, ge=0, le=1)
    review_annotators_below: float | None = Field(default=None, ge=0, le=1)
    rework_to: ReworkTo = "same"
    review_reasons: ReviewReasons = Field(default_factory=list, max_length=30)
    final_when: FinalWhen = "finished"
    reduced_inspection: bool = False
    production_steady: bool = True

    _reasons = field_validator("review_reasons")(_check_reasons)
    pay: PaySettings | None = None
    ordering: Ordering = "default"
    prelabels: bool = False
    model_endpoint: ModelEndpoint | None = None
    train_every: int = Field(default=50, ge=0, le=1_000_000)
    inference_method: InferenceMethod = "auto"
    method_choice_min_gold: int = Field(default=30, ge=1, le=1_000_000)


class ProjectCreate(ProjectSettings):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: KindName
    labels: list[LabelSpec] = Field(min_length=1, max_length=200)

    _labels = field_validator("labels")(_check_labels)

    @field_validator("max_overlap")
    @classmethod
    def _max_overlap_covers_overlap(cls, value: int | None, info: ValidationInfo) -> int | None:
        """Checked on ``max_overlap`` itself, so the 422's ``loc`` names the field to correct."""
        overlap = info.data.get("overlap")  # absent when overlap itself was refused
        if value is not None and overlap is not None and value < overlap:
            raise PydanticCustomError(
                "max_overlap_below_overlap",
                "max_overlap must be at least overlap ({overlap})",
                {"overlap": overlap},
            )
        return value

    @model_validator(mode="after")
    def _overlap_bounds(self) -> Self:
        if self.max_overlap is None:
            self.max_overlap = self.overlap
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
    label_map: dict[LabelName, LabelName | None] | None = Field(
        default=None,
        max_length=200,
        description=(
            "Where the occurrences of labels this change removes go: old name → a label of the "
            "new `labels` (renamed, or merged into it), or null (dropped: boxes and spans of that "
            "label are deleted from every answer; a classification answer cannot lose its only "
            "label, 422). Without an entry, removing a label that annotations, gold answers or "
            "prelabels use is refused: 409 `label_in_use` with `count`. Rewrites annotations, "
            "gold answers, prelabels and consensus in the same transaction and asks for a "
            "recompute."
        ),
        examples=[{"leak": "fluid_leak", "smudge": None}],
    )
    review_mode: ReviewMode | None = None
    review_rate: float | None = Field(default=None, ge=0, le=1)
    review_confidence_below: float | None = Field(default=None, ge=0, le=1)
    review_annotators_below: float | None = Field(default=None, ge=0, le=1)
    rework_to: ReworkTo | None = None
    review_reasons: ReviewReasons | None = Field(default=None, max_length=30)
    final_when: FinalWhen | None = None
    reduced_inspection: bool | None = None
    production_steady: bool | None = None

    _reasons = field_validator("review_reasons")(_check_reasons)
    pay: PaySettings | None = None
    ordering: Ordering | None = None
    prelabels: bool | None = None
    model_endpoint: ModelEndpoint | None = None  # null switches the outside model off
    train_every: int | None = Field(default=None, ge=0, le=1_000_000)
    inference_method: InferenceMethod | None = None
    method_choice_min_gold: int | None = Field(default=None, ge=1, le=1_000_000)

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: list[LabelSpec] | None) -> list[LabelSpec] | None:
        return None if value is None else _check_labels(value)


class LabelInUse(BaseModel):
    """409 ``label_in_use`` of ``PATCH /projects/{id}``: removing labels that stored answers
    use, without ``label_map``."""

    detail: str
    code: str = Field(examples=["label_in_use"])
    count: int = Field(description="how many annotations use the removed labels")
    gold: int = Field(description="gold answers that use them")
    prelabels: int = Field(description="prelabels that use them")
    labels: dict[str, int] = Field(description="annotations per removed label in use")


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
    # Pay is not the client's to see: null for the client role (``for_role``).
    reward_per_item: float | None
    labels_revision: int = Field(
        description="raised whenever the set of label names changes; versions record it"
    )
    review_mode: str = "none"
    review_rate: float = 0.1
    review_confidence_below: float = 0.8
    review_annotators_below: float | None = None
    rework_to: str = "same"
    review_reasons: list[str] = []
    final_when: str = "finished"
    reduced_inspection: bool = False
    production_steady: bool = True
    pay: PaySettings | None
    ordering: str = "default"
    prelabels: bool = False
    model_endpoint: dict[str, object] | None = None
    train_every: int = 50
    reward_per_item: float
    inference_method: str
    method_choice_min_gold: int
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _pay_with_per_item(cls, data: Any) -> Any:
        """The ``pay`` column holds all but ``per_item``, which is ``reward_per_item``."""
        if isinstance(data, dict):
            return {**data, "pay": public_pay(data.get("pay"), data.get("reward_per_item", 0))}
        fields = {name: getattr(data, name) for name in cls.model_fields if hasattr(data, name)}
        return {**fields, "pay": public_pay(fields.get("pay"), fields.get("reward_per_item", 0))}


PAY_FIELDS = frozenset({"reward_per_item", "pay"})
"""Project settings about pay, which the client role (验收方) never receives."""


def for_role(project: object, role: str) -> ProjectPublic:
    """The project as a member of ``role`` sees it: without pay for the client."""
    public = ProjectPublic.model_validate(project)
    if role != "client":
        return public
    hidden = {name: None for name in PAY_FIELDS if name in ProjectPublic.model_fields}
    return public.model_copy(update=hidden)
