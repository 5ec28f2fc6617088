"""Lots and acceptance sampling (验收, issue 19): lots, their items, samples, switching state.

* ``lots``: a set of finished items with its ISO 2859-1 single sampling plan (level, AQL,
  severity, code letter, n, Ac, Re), status, round and the inspection counts;
* ``lot_items``: the items of a lot; ``open`` until the lot is accepted, and a partial unique
  index on ``item_id WHERE open`` keeps an item in one open lot at a time;
* ``lot_samples``: the items drawn for each inspection round and what the inspector found;
* ``acceptance_switching``: each project's place in the switching scheme (clause 9).

Acceptance leases are rows of ``assignments`` with stage ``acceptance`` (revision 0009's
column): nothing changes there.

Revision ID: 0015_lots
Revises: 0014_review_stage (0011 before h/review was merged; the lead re-chains)
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)

revision: str = "0015_lots"
down_revision: str | None = "0014_review_stage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _string(length: int) -> sa.types.TypeEngine:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("source", _string(16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", _string(16), nullable=False),
        sa.Column("level", _string(4), nullable=False),
        sa.Column("aql", _string(8), nullable=False),
        sa.Column("severity", _string(16), nullable=False),
        sa.Column("code_letter", _string(2), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("accept", sa.Integer(), nullable=False),
        sa.Column("reject", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("inspected", sa.Integer(), nullable=False),
        sa.Column("defects", sa.Integer(), nullable=False),
        sa.Column("reworked", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("decided_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_lots_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_lots_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_lots_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
    )
    op.create_index("ix_lot_project", "lots", ["project_id", "id"], unique=False)

    op.create_table(
        "lot_items",
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_lot_items_item_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_lot_items_lot_id_lots"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("lot_id", "item_id", name=op.f("pk_lot_items")),
    )
    op.create_index(
        "uq_lot_item_open",
        "lot_items",
        ["item_id"],
        unique=True,
        postgresql_where=sa.text("open"),
        sqlite_where=sa.text("open"),
    )

    op.create_table(
        "lot_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("inspector_id", sa.Integer(), nullable=True),
        sa.Column("decision", _string(8), nullable=True),
        sa.Column("result", JSON, nullable=True),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("comment", _string(2000), nullable=True),
        sa.Column("judged_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_lot_samples_assignment_id_assignments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"],
            ["users.id"],
            name=op.f("fk_lot_samples_inspector_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_lot_samples_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_lot_samples_lot_id_lots"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_samples")),
        sa.UniqueConstraint("lot_id", "round", "item_id", name="uq_lot_sample_round_item"),
    )
    op.create_index("ix_lot_sample_assignment", "lot_samples", ["assignment_id"], unique=False)

    op.create_table(
        "acceptance_switching",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("severity", _string(16), nullable=False),
        sa.Column("history", JSON, nullable=False),
        sa.Column("switching_score", sa.Integer(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_acceptance_switching_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_acceptance_switching")),
    )


def downgrade() -> None:
    op.drop_table("acceptance_switching")
    op.drop_index("ix_lot_sample_assignment", table_name="lot_samples")
    op.drop_table("lot_samples")
    op.drop_index("uq_lot_item_open", table_name="lot_items")
    op.drop_table("lot_items")
    op.drop_index("ix_lot_project", table_name="lots")
    op.drop_table("lots")
