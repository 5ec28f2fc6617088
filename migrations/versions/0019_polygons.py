"""Reference (template) images of items: ``item_references``.

One row per item imported with ``reference_image`` (template-vs-test inspection, issue 22): the
stored file's key, type, SHA-256 and size. Items that name another item in
``meta.reference_item`` need no row. Nothing else changes: the polygon kind stores its results in
``annotations.result`` like every kind.

Revision ID: 0019_polygons
Revises: 0018_models
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019_polygons"
down_revision: str | None = "0018_models"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_references",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("media_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_item_references_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_item_references_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_references")),
    )
    with op.batch_alter_table("item_references", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_references_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("item_references", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_references_org_id"))
    op.drop_table("item_references")
