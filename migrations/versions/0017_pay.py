"""Pay (结算): rates with their history, the append-only ledger, paid periods, working time.

* ``pay_rates``: a project's rates from a moment on (one row per change); every existing
  project gets its first row here, effective from its creation, with ``per_item`` = its
  ``reward_per_item`` (which stays the column of ``per_item``: ``backend/projects/pay_settings``);
* ``pay_entries``: the ledger (``pay_day_totals``: its sums per annotator, project and day), unique per (annotation, kind, revision) and per (annotator,
  project, kind, revision) for entries without an annotation;
* ``pay_item_facts``, ``pay_stopped``, ``pay_work``, ``pay_progress``: what the ledger job
  builds from (events written down, waiting work, its high-water mark);
* ``pay_periods``: paid periods; ``work_sessions`` / ``work_days``: measured working time;
* ``projects.pay`` (the rest of the pay setting) and ``organizations.currency`` (``CNY``).

Revision ID: 0017_pay
Revises: 0016_data_manager
Create Date: 2026-12-06
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision: str = "0017_pay"
down_revision: str | None = "0016_data_manager"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DEFAULTS = {
    "per_box": None,
    "per_span": None,
    "max_per_item": None,
    "pay_gold": False,
    "reject_deduction": "0",
    "bonus": None,
    "payable_when": "agrees",
    "idle_seconds": 120,
}


def _first_rates() -> None:
    """Each existing project's first rate row: what it pays today, from its creation on."""
    connection = op.get_bind()
    projects = sa.table(
        "projects",
        sa.column("id", sa.Integer()),
        sa.column("reward_per_item", sa.Numeric(12, 4)),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    rates = sa.table(
        "pay_rates",
        sa.column("project_id", sa.Integer()),
        sa.column("effective_from", sa.DateTime(timezone=True)),
        sa.column("rates", JSON),
    )
    rows = []
    for project_id, reward, created_at in connection.execute(
        sa.select(projects.c.id, projects.c.reward_per_item, projects.c.created_at)
    ):
        per_item = Decimal(str(reward or 0)).quantize(Decimal("0.0001")).normalize()
        if created_at is None:
            created_at = datetime.now(UTC)
        rows.append(
            {
                "project_id": project_id,
                "effective_from": created_at,
                "rates": {**_DEFAULTS, "per_item": format(per_item, "f")},
            }
        )
    if rows:
        op.bulk_insert(rates, rows)


def upgrade() -> None:
    op.create_table(
        "pay_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_pay_periods_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_pay_periods_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pay_periods")),
    )
    with op.batch_alter_table("pay_periods", schema=None) as batch_op:
        batch_op.create_index("ix_pay_period_org", ["org_id", "starts"], unique=False)

    op.create_table(
        "pay_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("annotation_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pay_entries")),
    )
    with op.batch_alter_table("pay_entries", schema=None) as batch_op:
        batch_op.create_index("ix_pay_entry_annotator_day", ["annotator_id", "day"], unique=False)
        batch_op.create_index(
            "ix_pay_entry_org_day",
            ["org_id", "day", "annotator_id"],
            unique=False,
            postgresql_include=["kind", "amount"],
        )
        batch_op.create_index("ix_pay_entry_project", ["project_id", "annotation_id"], unique=False)
        batch_op.create_index(
            "uq_pay_entry_annotation",
            ["annotation_id", "kind", "revision"],
            unique=True,
            postgresql_where=sa.text("annotation_id IS NOT NULL"),
            sqlite_where=sa.text("annotation_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_pay_entry_other",
            ["annotator_id", "project_id", "kind", "revision"],
            unique=True,
            postgresql_where=sa.text("annotation_id IS NULL"),
            sqlite_where=sa.text("annotation_id IS NULL"),
        )

    op.create_table(
        "pay_day_totals",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("earns", sa.Integer(), nullable=False),
        sa.Column("reverses", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "org_id", "annotator_id", "project_id", "day", name=op.f("pk_pay_day_totals")
        ),
    )
    with op.batch_alter_table("pay_day_totals", schema=None) as batch_op:
        batch_op.create_index("ix_pay_day_total_org_day", ["org_id", "day"], unique=False)

    op.create_table(
        "pay_item_facts",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_pay_item_facts_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_pay_item_facts")),
    )
    with op.batch_alter_table("pay_item_facts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pay_item_facts_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "pay_progress",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("last_annotation_id", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_pay_progress_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_pay_progress")),
    )
    op.create_table(
        "pay_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rates", JSON, nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_pay_rates_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_pay_rates_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pay_rates")),
    )
    with op.batch_alter_table("pay_rates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pay_rate_project_from", ["project_id", "effective_from"], unique=False
        )

    op.create_table(
        "pay_stopped",
        sa.Column("annotation_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_pay_stopped_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("annotation_id", name=op.f("pk_pay_stopped")),
    )
    with op.batch_alter_table("pay_stopped", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pay_stopped_project_id"), ["project_id"], unique=False)

    op.create_table(
        "pay_work",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("what", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("item_ids", JSON, nullable=True),
        sa.Column("annotation_ids", JSON, nullable=True),
        sa.Column("annotator_id", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_pay_work_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pay_work")),
    )
    with op.batch_alter_table("pay_work", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pay_work_project_id"), ["project_id"], unique=False)

    op.create_table(
        "work_days",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_work_days_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_work_days_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "project_id", "day", "stage", name=op.f("pk_work_days")),
    )
    with op.batch_alter_table("work_days", schema=None) as batch_op:
        batch_op.create_index("ix_work_day_day", ["day", "user_id"], unique=False)

    op.create_table(
        "work_sessions",
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("last_beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("cap_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_work_sessions_assignment_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_work_sessions_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_work_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("assignment_id", name=op.f("pk_work_sessions")),
    )
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "currency",
                sqlmodel.sql.sqltypes.AutoString(length=3),
                server_default="CNY",
                nullable=False,
            )
        )

    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pay", JSON, nullable=True))
    _first_rates()


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("pay")

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("currency")

    op.drop_table("work_sessions")
    with op.batch_alter_table("work_days", schema=None) as batch_op:
        batch_op.drop_index("ix_work_day_day")

    op.drop_table("work_days")
    with op.batch_alter_table("pay_work", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pay_work_project_id"))

    op.drop_table("pay_work")
    with op.batch_alter_table("pay_stopped", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pay_stopped_project_id"))

    op.drop_table("pay_stopped")
    with op.batch_alter_table("pay_rates", schema=None) as batch_op:
        batch_op.drop_index("ix_pay_rate_project_from")

    op.drop_table("pay_rates")
    op.drop_table("pay_progress")
    with op.batch_alter_table("pay_item_facts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pay_item_facts_project_id"))

    op.drop_table("pay_item_facts")
    with op.batch_alter_table("pay_entries", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_pay_entry_other",
            postgresql_where=sa.text("annotation_id IS NULL"),
            sqlite_where=sa.text("annotation_id IS NULL"),
        )
        batch_op.drop_index(
            "uq_pay_entry_annotation",
            postgresql_where=sa.text("annotation_id IS NOT NULL"),
            sqlite_where=sa.text("annotation_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_pay_entry_project")
        batch_op.drop_index("ix_pay_entry_org_day")
        batch_op.drop_index("ix_pay_entry_annotator_day")

    with op.batch_alter_table("pay_day_totals", schema=None) as batch_op:
        batch_op.drop_index("ix_pay_day_total_org_day")

    op.drop_table("pay_day_totals")
    op.drop_table("pay_entries")
    with op.batch_alter_table("pay_periods", schema=None) as batch_op:
        batch_op.drop_index("ix_pay_period_org")

    op.drop_table("pay_periods")
