"""What the data manager accepts and answers: the item table's filters and rows, one item with
all its annotations, and bulk actions over selected items (SPEC, "Data manager and labels")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend.bounded_ids import DbId
from backend.items.states import ItemState
from backend.kinds.openapi import KindResult

Sort = Literal["id", "-id", "confidence", "-confidence", "annotations", "-annotations"]
MAX_LIMIT = 200


class ListQuery(BaseModel):
    """The filters, the sort and the page of ``GET /projects/{id}/items``.

    Every filter narrows (they combine with AND). ``cursor`` continues after a row, ``before``
    goes back before one; both are the opaque ``cursor`` of a row or a page of the same sort.
    """

    model_config = ConfigDict(extra="forbid")

    status: ItemState | None = None
    label: str | None = Field(default=None, min_length=1, max_length=200)
    confidence_min: float | None = Field(default=None, ge=0, le=1)
    confidence_max: float | None = Field(default=None, ge=0, le=1)
    annotator_id: DbId | None = None
    gold: bool | None = None
    batch_id: DbId | None = None
    q: str | None = Field(default=None, min_length=1, max_length=200)
    sort: Sort = "id"
    cursor: str | None = Field(default=None, max_length=400)
    before: str | None = Field(default=None, max_length=400)
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)

    @model_validator(mode="after")
    def _one_direction(self) -> ListQuery:
        if self.cursor is not None and self.before is not None:
            raise ValueError("give cursor or before, not both")
        return self


class ConsensusBrief(BaseModel):
    labels: list[str]
    confidence: float
    n_annotations: int


class ItemRow(BaseModel):
    """One row of the item table; ``cursor`` is its position (for previous/next in a view).
    Also what the earlier staff listing gave (meta, prelabel, priority, media type)."""

    id: int
    project_id: int
    external_id: str | None
    status: ItemState
    is_gold: bool
    text_preview: str | None
    media_url: str | None
    thumbnail_url: str | None
    has_thumbnail: bool
    media_type: str | None
    width: int | None
    height: int | None
    content_hash: str
    meta: dict[str, Any]
    prelabel: KindResult | None
    priority: float
    consensus: ConsensusBrief | None
    annotation_count: int
    wanted: int
    batch_id: int | None
    created_at: datetime
    cursor: str


class ItemPage(BaseModel):
    """``next_cursor`` is null on the last page, ``prev_cursor`` on the first."""

    items: list[ItemRow]
    next_cursor: str | None
    prev_cursor: str | None = None


class BatchPublic(BaseModel):
    id: int
    created: int
    created_by: int | None
    created_at: datetime


class AnnotationView(BaseModel):
    id: int
    annotator_id: int | str  # a pseudonym (A-7f3c) for the client role
    annotator_name: str | None = None  # owners and managers only
    annotator_email: str | None = None  # owners and managers only
    result: KindResult
    created_at: datetime
    duration_ms: int
    prelabel_used: bool = False


class ConsensusView(BaseModel):
    result: KindResult
    confidence: float
    n_annotations: int
    method: str
    updated_at: datetime


class GoldView(BaseModel):
    answer: KindResult
    created_by: int | None
    created_at: datetime


class ReviewView(BaseModel):
    """One verdict on the item: review (质检) or a lot's acceptance sample (验收); the reviewer
    as the annotators are shown (a pseudonym to a client, a name to owners and managers)."""

    review_id: int
    stage: str
    rework_round: int
    decision: str
    result: KindResult | None
    reasons: list[str]
    comment: str
    reviewer_id: int | str
    reviewer_name: str | None = None  # owners and managers only
    created_at: datetime


class ItemDetail(BaseModel):
    id: int
    project_id: int
    external_id: str | None
    kind: str
    status: ItemState
    text: str | None = None
    media_url: str | None = None
    media_type: str | None
    width: int | None
    height: int | None
    meta: dict[str, Any]
    prelabel: KindResult | None
    priority: float
    is_gold: bool
    gold: GoldView | None
    consensus: ConsensusView | None
    annotation_count: int
    wanted: int
    batch_id: int | None
    annotations: list[AnnotationView]
    reviews: list[ReviewView] = Field(default_factory=list)  # oldest first


class BulkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_ids: list[DbId] = Field(min_length=1, max_length=10_000)
    action: Literal["requeue", "delete", "mark_gold"]


class BulkResult(BaseModel):
    """``changed`` items the action changed; ``unchanged`` were already as asked (requeue:
    still waiting for answers, or gold); ``annotations_deleted`` counts what a delete took."""

    action: str
    requested: int
    changed: int
    unchanged: list[int] = Field(default_factory=list)
    annotations_deleted: int = 0
    message: str
