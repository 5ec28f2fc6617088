"""Exact money from whatever the database answers (``Decimal`` on PostgreSQL, a float on SQLite)."""

from __future__ import annotations

from decimal import Decimal

FEN = Decimal("0.0001")  # the ledger's resolution; a fen is 0.01


def money(value: object) -> Decimal:
    """``value`` as a Decimal quantized to 0.0001 (None and NULL sums are zero)."""
    if value is None:
        return Decimal("0.0000")
    if isinstance(value, Decimal):
        return value.quantize(FEN)
    return Decimal(repr(value) if isinstance(value, float) else str(value)).quantize(FEN)


def text(value: Decimal) -> str:
    """A decimal string with two to four decimals: ``"0.05"``, ``"0.0125"``, ``"12.00"``."""
    quantized = value.quantize(FEN)
    shown = format(quantized, "f")
    while shown.endswith("0") and len(shown.split(".")[1]) > 2:
        shown = shown[:-1]
    return shown
