"""Confidence: a project's inference method setting and the gold needed to choose it.

* ``projects.inference_method``: ``auto`` (default: the method chosen by the project's gold when it
  has enough, else Dawid-Skene) or one method's name (``quality.confidence.METHODS``);
* ``projects.method_choice_min_gold``: gold answers needed before ``auto`` chooses by gold (30).

Consensus rows already carry ``n_annotations``; ``complete`` (fewer answers than ``overlap``) is
derived from it and the project's overlap when read, so it follows a change of overlap at once.

Revision ID: 0020_confidence
Revises: 0019_polygons
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0020_confidence"
down_revision: str | None = "0019_polygons"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "inference_method",
                sqlmodel.sql.sqltypes.AutoString(length=32),
                nullable=False,
                server_default="auto",
            )
        )
        batch_op.add_column(
            sa.Column("method_choice_min_gold", sa.Integer(), nullable=False, server_default="30")
        )


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("method_choice_min_gold")
        batch_op.drop_column("inference_method")
