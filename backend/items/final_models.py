"""Which items are final (``backend/items/states.py``): their answer is settled.

One row per final item, written on ``ItemsFinal`` and removed when a rejected lot sends the item
back for rework (``final → rework``, the one move out of ``final``). Corrections, review's
entry and the data manager read it; pay keeps its own record of the same event.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from backend.db import UTCDateTime, utcnow


class FinalItem(SQLModel, table=True):
    __tablename__ = "final_items"
    __table_args__ = (Index("ix_final_item_project", "project_id", "item_id"),)

    item_id: int = Field(foreign_key="items.id", primary_key=True, ondelete="CASCADE")
    # The item's project, copied from it: ``item_id`` is the reference that checks it and deletes
    # the row with it (revision 0029).
    project_id: int = Field()
    final_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
