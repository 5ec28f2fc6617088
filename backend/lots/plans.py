"""The ISO 2859-1 plan of a lot, as the API answers it: ``quality.acceptance`` plus 422s.

The tables and the arrow rules live in ``quality.acceptance`` (ISO 2859-1:1999 = GB/T
2828.1-2012, checked against published values there); this module only turns its input errors
into the API's 422 with the code ``invalid_plan`` and the values the tables allow, so a client
can offer them.
"""

from __future__ import annotations

from typing import Any

from fastapi import status

from backend.errors import ApiError
from quality.acceptance import (
    AcceptanceInputError,
    PlanOutOfTables,
    SamplingPlan,
    single_sampling_plan,
)

INVALID_PLAN = "invalid_plan"


def plan_error(exc: AcceptanceInputError, *, where: str) -> ApiError:
    """A 422 naming the field; for a value outside the tables, the allowed values too."""
    allowed = list(exc.allowed) if isinstance(exc, PlanOutOfTables) else None
    msg = f"{exc.value!r} is not in the ISO 2859-1 tables" if allowed else str(exc)
    entry: dict[str, Any] = {"loc": [where, exc.field], "msg": msg, "type": "value_error"}
    if allowed is not None:
        entry["ctx"] = {"allowed": allowed}
    extra = {"allowed": allowed, "field": exc.field} if allowed is not None else {}
    return ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, [entry], code=INVALID_PLAN, extra=extra)


def plan_for(
    *, lot_size: int, level: str, aql: Any, severity: str, where: str = "body"
) -> SamplingPlan:
    """The single sampling plan, or 422 ``invalid_plan`` naming the field outside the tables."""
    try:
        return single_sampling_plan(lot_size, level=level, aql=aql, severity=severity)
    except AcceptanceInputError as exc:
        raise plan_error(exc, where=where) from None


def plan_fields(plan: SamplingPlan) -> dict[str, Any]:
    """What the API shows of a plan (``GET /acceptance/plan`` and every lot)."""
    return {
        "code_letter": plan.code_letter,
        "sample_size": plan.sample_size,
        "accept": plan.accept,
        "reject": plan.reject,
        "severity": plan.severity,
        "level": plan.level,
        "aql": plan.aql,
        "lot_size": plan.lot_size,
        "full_inspection": plan.full_inspection,
        "initial_code_letter": plan.initial_code_letter,
        "table_sample_size": plan.table_sample_size,
    }
