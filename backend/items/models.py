"""Items to label (one image or one text) and the known answers of gold items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from backend.db import JSONType, UTCDateTime, utcnow


class Item(SQLModel, table=True):
    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("project_id", "content_hash", name="uq_item_project_hash"),
        Index("ix_item_project_external", "project_id", "external_id"),
        # Distribution: open items of a project, nearest completion first, then priority,
        # then a stable random order (rule 4).
        Index(
            "ix_item_queue",
            "project_id",
            "is_gold",
            "annotation_count",
            "priority",
            "random_key",
        ),
        # Created by revision 0003 (see there); declared here so the schema has one source.
        Index(
            "ix_item_open",
            "project_id",
            text("(wanted - annotation_count)"),
            text("priority DESC"),
            "random_key",
            postgresql_where=text("NOT is_gold AND annotation_count < wanted"),
            sqlite_where=text("NOT is_gold AND annotation_count < wanted"),
        ),
        Index(
            "ix_item_gold",
            "project_id",
            "random_key",
            postgresql_where=text("is_gold"),
            sqlite_where=text("is_gold"),
        ),
        # The data manager's keyset pages (revision 0016_data_manager): import order, answers
        # count order, and one import batch in import order.
        Index("ix_item_project_id", "project_id", "id"),
        Index("ix_item_project_count", "project_id", "annotation_count", "id"),
        Index("ix_item_batch", "batch_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="projects.id", ondelete="CASCADE")
    org_id: int = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    external_id: str | None = Field(default=None, max_length=255)
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    media_key: str | None = Field(default=None, max_length=255)
    media_type: str | None = Field(default=None, max_length=64)
    thumbnail_key: str | None = Field(default=None, max_length=255)
    width: int | None = None
    height: int | None = None
    content_hash: str = Field(sa_column=Column(String(64), nullable=False))
    meta: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType, nullable=False)
    prelabel: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
    is_gold: bool = Field(default=False, nullable=False)
    priority: float = Field(default=0.0, nullable=False)
    # 63-bit, derived from the content hash: a stable random order that survives re-imports.
    # 64-bit on PostgreSQL (revision 0002); SQLite's INTEGER is 64-bit already.
    random_key: int = Field(
        default=0,
        sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"), nullable=False, default=0),
    )
    annotation_count: int = Field(default=0, nullable=False)
    wanted: int = Field(default=0, nullable=False)
    # The ``ImportBatch`` that brought the item (null for items imported before revision 0012).
    # No foreign key: adding one would make SQLite recreate this table (see the revision).
    batch_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ImportBatch(SQLModel, table=True):
    """One import request: what the data manager filters by and a lot can be made of."""

    __tablename__ = "import_batches"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created: int = Field(default=0, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class GoldAnswer(SQLModel, table=True):
    """The known answer of a gold item, validated like any result of the project's kind."""

    __tablename__ = "gold_answers"

    item_id: int = Field(foreign_key="items.id", primary_key=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    answer: dict[str, Any] = Field(sa_type=JSONType, nullable=False)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
