"""Projects: what to label, how many times, and the quality and pay rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Numeric, Text
from sqlmodel import Field, SQLModel

from backend.db import JSONType, UTCDateTime, utcnow


class Project(SQLModel, table=True):
    __tablename__ = "projects"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    labels: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    instructions: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    overlap: int = 3
    max_overlap: int = 5
    agreement_target: float = 0.7
    gold_rate: float = 0.1
    qualification_count: int = 0
    min_gold_accuracy: float = 0.6
    gold_min_count: int = 5
    lease_seconds: int = 600
    reward_per_item: float = Field(
        default=0.0, sa_column=Column(Numeric(12, 4, asdecimal=False), nullable=False, default=0)
    )
    # The rest of the ``pay`` setting (backend/projects/pay_settings.py; revision 0016_pay):
    # ``reward_per_item`` above is its ``per_item``. None: the defaults.
    pay: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
    # "open": every annotator of the organization; "listed": only those on its access lists
    # (backend/projects/access.py).
    access_mode: str = Field(default="open", max_length=8)
    # Raised whenever the set of label names changes (added, renamed, dropped; not colours or
    # hotkeys); each dataset version records the revision its labels come from (revision 0013).
    labels_revision: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # Review (质检) and rework (返工), issue 19 (backend/review/selection.py reads them).
    review_mode: str = Field(default="none", max_length=16)  # none | sample | all | low_confidence
    review_rate: float = Field(default=0.1, nullable=False)
    review_confidence_below: float = Field(default=0.8, nullable=False)
    review_annotators_below: float | None = None
    rework_to: str = Field(default="same", max_length=8)  # same | pool
    review_reasons: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    # When an item's answer becomes final (``backend/review/finality.py``): "finished" (when it
    # leaves its last stage: finished and not chosen for review, or accepted or fixed in review)
    # or "lot_accepted" (only when a lot holding it is accepted, 验收). Acceptance switching
    # (ISO 2859-1 clause 9.3.3, backend/lots/switching.py): whether the responsible authority
    # allows reduced inspection, and whether production is at a steady rate. Revision 0021.
    final_when: str = Field(default="finished", max_length=16)
    reduced_inspection: bool = Field(default=False, nullable=False)
    production_steady: bool = Field(default=True, nullable=False)
    # Models (issue 21, backend/models): which open items come first (``default`` keeps the
    # stored priority; ``uncertainty`` / ``mixed`` let the model set it), whether the model's
    # predictions are stored as pre-labels, an outside model's endpoint, and after how many new
    # final answers the built-in model is trained again (0: only on demand).
    ordering: str = Field(default="default", max_length=12)
    prelabels: bool = Field(default=False, nullable=False)
    model_endpoint: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
    train_every: int = Field(default=50, nullable=False)
    # "auto": the method the project's gold chooses once it has ``method_choice_min_gold`` gold
    # answers (backend/consensus/method_choice.py), else the default; or one method's name.
    inference_method: str = Field(default="auto", max_length=32)
    method_choice_min_gold: int = 30
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
