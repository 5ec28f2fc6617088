"""What the lot routes accept and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend.bounded_ids import DbId
from backend.kinds.openapi import KindResult

MAX_ITEMS_PER_LOT_REQUEST = 10_000


class LotSourceBody(BaseModel):
    """Where a lot's items come from: exactly one of ``item_ids``, ``batch_id``, ``filter`` or
    ``all_finished: true`` (``POST /projects/{id}/lots/count`` takes this alone).

    ``filter`` holds the data manager's filters (``GET /projects/{id}/items``: ``status``,
    ``label``, ``confidence_min``, ``confidence_max``, ``annotator_id``, ``gold``, ``batch_id``,
    ``q``) as an object; the lot takes the finished items among those they select that are in
    no open lot."""

    model_config = ConfigDict(extra="forbid")

    item_ids: list[DbId] | None = Field(
        default=None, min_length=1, max_length=MAX_ITEMS_PER_LOT_REQUEST
    )
    batch_id: DbId | None = None
    all_finished: bool = False
    filter: dict[str, str | int | float | bool | None] | None = Field(
        default=None,
        max_length=20,
        description="the data manager's filters, e.g. {'label': 'cat', 'confidence_max': 0.9}",
    )

    @model_validator(mode="after")
    def _one_source(self) -> LotSourceBody:
        given = (
            (self.item_ids is not None)
            + (self.batch_id is not None)
            + (self.filter is not None)
            + self.all_finished
        )
        if given != 1:
            raise ValueError("give exactly one of item_ids, batch_id, filter or all_finished: true")
        return self


class LotCreate(LotSourceBody):
    """A source (``LotSourceBody``: exactly one of ``item_ids``, ``batch_id``, ``filter`` or
    ``all_finished: true``), the AQL and the inspection level."""

    aql: str | float = Field(description="acceptance quality limit, a column of Table 2-A")
    level: str = Field(default="II", max_length=8)


class LotSourceCount(BaseModel):
    count: int = Field(
        description="finished items of the source in no lot yet: the size a lot made now would have"
    )


class PlanPublic(BaseModel):
    code_letter: str
    sample_size: int
    accept: int
    reject: int
    severity: str
    level: str
    aql: str
    lot_size: int
    full_inspection: bool
    initial_code_letter: str
    table_sample_size: int
    standard: str = "ISO 2859-1:1999 (GB/T 2828.1-2012), single sampling"


class LotPublic(BaseModel):
    id: int
    project_id: int
    size: int
    source: str
    filter: dict[str, Any] | None = Field(
        default=None, description="the data manager's filters of a lot made from a filter"
    )
    status: str
    round: int
    plan: PlanPublic
    inspected: int
    defects: int
    reworked: int
    created_at: datetime
    decided_at: datetime | None


class SwitchingPublic(BaseModel):
    """Where the project stands in the switching scheme (ISO 2859-1 clause 9)."""

    severity: str
    history: list[bool]
    switching_score: int


class LotList(BaseModel):
    lots: list[LotPublic]
    total: int
    switching: SwitchingPublic


class SamplePublic(BaseModel):
    item_id: int
    position: int
    round: int
    decision: str | None
    reasons: list[str]
    comment: str | None
    judged_at: datetime | None


class ReworkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: Literal["all", "defective"]


class SampleAnnotation(BaseModel):
    annotation_id: int
    annotator_id: int | str = Field(description="a pseudonym such as A-7f3c for the client role")
    result: KindResult


class ConsensusPublic(BaseModel):
    result: KindResult
    confidence: float


class SampleItem(BaseModel):
    id: int
    kind: str
    text: str | None = None
    media_url: str | None = None
    width: int | None = None
    height: int | None = None


class AcceptanceNext(BaseModel):
    """The review-next shape (``POST /projects/{id}/review/next``) with ``mode: acceptance``."""

    review_id: int
    expires_at: datetime
    mode: Literal["acceptance"] = "acceptance"
    lot_id: int
    item: SampleItem
    annotations: list[SampleAnnotation]
    consensus: ConsensusPublic | None
