"""Offset pagination shared by every list endpoint; the total travels in ``X-Total-Count``."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Page(BaseModel):
    offset: int = Field(default=0, ge=0, le=1_000_000_000)
    limit: int = Field(default=50, ge=1, le=500)


def page_headers(total: int) -> dict[str, str]:
    return {"X-Total-Count": str(total)}
