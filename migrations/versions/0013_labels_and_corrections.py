"""Safe label changes and corrections.

* ``projects.labels_revision`` (1 for every existing project): raised whenever the set of label
  names changes; each dataset version records it;
* ``annotation_history``: the results an annotation held before its author corrected it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("labels_revision", sa.Integer(), nullable=False, server_default="1")
        )

    op.create_table(
        "annotation_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("annotation_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["annotation_id"],
            ["annotations.id"],
            name=op.f("fk_annotation_history_annotation_id_annotations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_annotation_history_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by"],
            ["users.id"],
            name=op.f("fk_annotation_history_replaced_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotation_history")),
    )
    with op.batch_alter_table("annotation_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_annotation_history_annotation", ["annotation_id", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_annotation_history_project_id"), ["project_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("annotation_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annotation_history_project_id"))
        batch_op.drop_index("ix_annotation_history_annotation")

    op.drop_table("annotation_history")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("labels_revision")
