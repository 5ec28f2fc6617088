"""Final items, when items become final, and reduced inspection (issue 19).

* ``final_items``: one row per item whose answer is final (``backend/items/finals.py``);
* ``projects.final_when``: ``finished`` (default: final when an item leaves its last stage) or
  ``lot_accepted`` (final only in an accepted lot), read by ``backend/review/finality.py``;
* ``projects.reduced_inspection`` (the responsible authority allows reduced inspection, ISO
  2859-1 9.3.3 c) and ``projects.production_steady`` (9.3.3 b, 9.3.4 b), read by
  ``backend/lots/switching.py``.

Revision ID: 0023_final_items
Revises: 0022_confidence_index
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0023_final_items"
down_revision: str | None = "0022_confidence_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "final_items",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("final_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("item_id"),
    )
    op.create_index("ix_final_item_project", "final_items", ["project_id", "item_id"])
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "final_when",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="finished",
            )
        )
        batch_op.add_column(
            sa.Column("reduced_inspection", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("production_steady", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("production_steady")
        batch_op.drop_column("reduced_inspection")
        batch_op.drop_column("final_when")
    op.drop_index("ix_final_item_project", table_name="final_items")
    op.drop_table("final_items")
