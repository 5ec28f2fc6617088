"""The project setting ``pay``: what one annotation earns, checked once at the door.

The projects domain owns the setting (it is answered and changed with the project); the pay
domain reads it and records every change as a rate row (``backend/pay/rates.py``), so a change
applies from the moment it is made and never reprices work already done.

``per_item`` is stored in the project's ``reward_per_item`` column (the first release's name for
the same value: old clients keep reading and writing it); everything else lives in the ``pay``
JSON column as decimal strings. Money is ``Decimal`` here and a decimal string in JSON, never a
float: a rate with more than 4 decimals, a negative or a non-numeric one is a 422 naming it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer
from pydantic_core import PydanticCustomError

MAX_MONEY = Decimal("1000000")
ZERO = Decimal("0")
PAYABLE_WHEN = ("final", "agrees", "finished")


def parse_money(value: Any) -> Decimal:
    """A non-negative amount with at most 4 decimals, from a string or a JSON number."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise PydanticCustomError("money_type", 'must be a decimal number such as "0.05"')
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise PydanticCustomError("money_parsing", "not a number") from None
    if not amount.is_finite():
        raise PydanticCustomError("money_not_finite", "must be a finite number")
    if amount < 0:
        raise PydanticCustomError("money_negative", "must not be negative")
    if amount > MAX_MONEY:
        raise PydanticCustomError(
            "money_too_large", "must be at most {max}", {"max": money_text(MAX_MONEY)}
        )
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        raise PydanticCustomError(
            "money_decimal_places", "at most {decimal_places} decimals", {"decimal_places": 4}
        )
    return amount.normalize() if amount else ZERO


def money_text(amount: Decimal) -> str:
    """A decimal string without exponent: ``"0.05"``, ``"12"``."""
    text = format(amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


Money = Annotated[
    Decimal,
    BeforeValidator(parse_money),
    PlainSerializer(money_text, return_type=str),
    Field(json_schema_extra={"type": "string", "examples": ["0.05"]}),
]


class Bonus(BaseModel):
    """Paid once per annotator, project and calendar month when their gold accuracy that month
    reaches ``min_accuracy``."""

    model_config = ConfigDict(extra="forbid")

    min_accuracy: float = Field(ge=0, le=1)
    amount: Money


class PaySettings(BaseModel):
    """The rates of one project. ``per_box`` / ``per_span`` add to ``per_item`` for each box or
    span of the answer, the whole capped at ``max_per_item``."""

    model_config = ConfigDict(extra="forbid")

    per_item: Money | None = None
    per_box: Money | None = None
    per_span: Money | None = None
    max_per_item: Money | None = None
    pay_gold: bool = False
    reject_deduction: Money = ZERO
    bonus: Bonus | None = None
    payable_when: Literal["final", "agrees", "finished"] = "agrees"
    # Heartbeats further apart than this are an idle gap: its time is not counted.
    idle_seconds: int = Field(default=120, ge=15, le=3600)


def stored_pay(settings: PaySettings) -> dict[str, Any]:
    """What the ``pay`` column keeps: everything but ``per_item`` (that is ``reward_per_item``)."""
    return settings.model_dump(mode="json", exclude={"per_item"})


def public_pay(stored: dict[str, Any] | None, reward_per_item: float | Decimal) -> dict[str, Any]:
    """The setting as answered: the stored fields with ``per_item`` from its column."""
    per_item = per_item_of(reward_per_item)
    settings = PaySettings.model_validate({**(stored or {}), "per_item": per_item})
    return settings.model_dump(mode="json")


def per_item_of(reward_per_item: float | Decimal | None) -> Decimal:
    """The column's value as an exact decimal (it is NUMERIC(12, 4), read as a float)."""
    if reward_per_item is None:
        return ZERO
    return Decimal(repr(float(reward_per_item))).quantize(Decimal("0.0001")).normalize()
