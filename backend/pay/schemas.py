"""What the pay endpoints accept and answer. Money is a decimal string (``"0.05"``)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class PeriodBody(BaseModel):
    """``{"from": "2026-12-01", "to": "2026-12-31"}``, both days included."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    starts: date = Field(alias="from")
    ends: date = Field(alias="to")


class HeartbeatBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    final: bool = False  # sent just before a submit: the last seconds count


class HeartbeatAnswer(BaseModel):
    assignment_id: int
    counted_seconds: int
    total_seconds: int
    coalesced: bool


class DayEarnings(BaseModel):
    day: date
    earned: str
    reversed: str
    payable: str
    paid: str
    pending: str
    items: int
    seconds: int


class ProjectEarnings(BaseModel):
    project_id: int
    name: str
    earned: str
    reversed: str
    payable: str
    paid: str
    pending: str
    items: int
    seconds: int


class EarningsAnswer(BaseModel):
    currency: str
    pending: str
    payable: str
    paid: str
    reversed: str
    earned: str
    seconds: int
    by_day: list[DayEarnings]
    by_project: list[ProjectEarnings]


class PayoutRow(BaseModel):
    annotator_id: int
    name: str
    items: int
    accepted: int
    rejected: int
    seconds: int
    amount: str
    hourly: str | None  # amount per measured hour, when time was measured


class PayoutReport(BaseModel):
    currency: str
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    starts: date = Field(alias="from")
    ends: date = Field(alias="to")
    paid: bool  # the period overlaps a paid one
    rows: list[PayoutRow]
    total: str


class PeriodPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: int
    org_id: int
    starts: date = Field(alias="from")
    ends: date = Field(alias="to")
    total: str
    currency: str
