"""The reference (template) image of an item, for template-vs-test inspection (DeepPCB-style).

One row per item that was imported with ``reference_image``; the file is stored like item media
(its own key, never shared). An item may instead name another item as its reference in
``meta.reference_item`` (``backend.items.references``); that needs no row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from backend.db import UTCDateTime, utcnow


class ItemReference(SQLModel, table=True):
    __tablename__ = "item_references"

    item_id: int = Field(foreign_key="items.id", primary_key=True, ondelete="CASCADE")
    org_id: int = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    media_key: str = Field(max_length=255)
    media_type: str = Field(max_length=64)
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    width: int
    height: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
