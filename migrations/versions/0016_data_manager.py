"""Data manager: import batches and the indexes its keyset pages walk.

* ``import_batches``: one row per import request; ``items.batch_id`` names it (null for items
  imported before this revision), so the data manager can filter by batch and a lot can be made
  of one;
* ``ix_item_project_id`` (project, id): the default page (import order) is an index range scan
  from the cursor, never an OFFSET;
* ``ix_item_project_count`` (project, annotation_count, id): the page sorted by answers;
* ``ix_item_batch`` (batch, id): one batch in import order.

On a large existing PostgreSQL table, build the indexes ``CONCURRENTLY`` by hand first.

Revision ID: 0016_data_manager
Revises: 0015_lots
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_data_manager"
down_revision: str | None = "0015_lots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_import_batches_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_import_batches_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_batches_project_id"), ["project_id"], unique=False
        )
    # A plain column, no foreign key: adding one would make SQLite recreate ``items``, which
    # other tables reference. Batches go only with their project, and its items with it.
    op.add_column("items", sa.Column("batch_id", sa.Integer(), nullable=True))
    op.create_index("ix_item_project_id", "items", ["project_id", "id"], unique=False)
    op.create_index(
        "ix_item_project_count", "items", ["project_id", "annotation_count", "id"], unique=False
    )
    op.create_index("ix_item_batch", "items", ["batch_id", "id"], unique=False)


def downgrade() -> None:
    for name in ("ix_item_batch", "ix_item_project_count", "ix_item_project_id"):
        op.drop_index(name, table_name="items")
    op.drop_column("items", "batch_id")  # SQLite 3.35+ drops a column in place
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batches_project_id"))
    op.drop_table("import_batches")
