"""Models (智能化标注, issue 21): model versions, training bookkeeping, pre-label use, drops.

* ``projects.ordering`` (``default`` for every existing project: today's order),
  ``projects.prelabels`` (false), ``projects.model_endpoint`` (null), ``projects.train_every``
  (50 new final answers);
* ``model_versions``: each training with its held-out accuracy and the model's bytes
  (``LargeBinary``: every worker loads the model from the database);
* ``project_model_state``: final answers counted since the last training, the pre-label-use
  watermark, the outside endpoint's last run;
* ``annotation_prelabel_use``: per annotation, whether it started from a pre-label and how much
  was changed; ``prelabel_drops``: outside pre-labels refused, with the reason.

The one-call functions are not changed: ordering only sets ``items.priority``, which the
distribution order already reads, and ``jinbiao_next`` already returns ``items.prelabel``.

Revision ID: 0018_models
Revises: 0017_pay
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision: str = "0018_models"
down_revision: str | None = "0017_pay"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "ordering",
                sqlmodel.sql.sqltypes.AutoString(length=12),
                nullable=False,
                server_default="default",
            )
        )
        batch_op.add_column(
            sa.Column("prelabels", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("model_endpoint", JSON, nullable=True))
        batch_op.add_column(
            sa.Column("train_every", sa.Integer(), nullable=False, server_default="50")
        )

    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("trigger", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("trained_on", sa.Integer(), nullable=False),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("needed", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("blob", sa.LargeBinary(), nullable=True),
        sa.Column("prelabelled", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        _fk("model_versions", "org_id", "organizations"),
        _fk("model_versions", "project_id", "projects"),
        _fk("model_versions", "requested_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
        sa.UniqueConstraint("project_id", "version", name="uq_model_version_project_version"),
    )
    op.create_index("ix_model_version_project_status", "model_versions", ["project_id", "status"])

    op.create_table(
        "project_model_state",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("new_final", sa.Integer(), nullable=False),
        sa.Column("use_checked_id", sa.Integer(), nullable=False),
        sa.Column("endpoint_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("endpoint_accepted", sa.Integer(), nullable=False),
        sa.Column("endpoint_dropped", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("project_model_state", "project_id", "projects"),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_project_model_state")),
    )

    op.create_table(
        "annotation_prelabel_use",
        sa.Column("annotation_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("changed", sa.Float(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("is_gold", sa.Boolean(), nullable=False),
        sa.Column("prelabel_correct", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("annotation_prelabel_use", "annotation_id", "annotations"),
        _fk("annotation_prelabel_use", "annotator_id", "users"),
        _fk("annotation_prelabel_use", "item_id", "items"),
        _fk("annotation_prelabel_use", "project_id", "projects"),
        sa.PrimaryKeyConstraint("annotation_id", name=op.f("pk_annotation_prelabel_use")),
    )
    op.create_index(
        "ix_prelabel_use_project_annotator",
        "annotation_prelabel_use",
        ["project_id", "annotator_id"],
    )

    op.create_table(
        "prelabel_drops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("prelabel_drops", "item_id", "items"),
        _fk("prelabel_drops", "project_id", "projects"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prelabel_drops")),
    )
    op.create_index("ix_prelabel_drop_project_id", "prelabel_drops", ["project_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_prelabel_drop_project_id", table_name="prelabel_drops")
    op.drop_table("prelabel_drops")
    op.drop_index("ix_prelabel_use_project_annotator", table_name="annotation_prelabel_use")
    op.drop_table("annotation_prelabel_use")
    op.drop_table("project_model_state")
    op.drop_index("ix_model_version_project_status", table_name="model_versions")
    op.drop_table("model_versions")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("train_every")
        batch_op.drop_column("model_endpoint")
        batch_op.drop_column("prelabels")
        batch_op.drop_column("ordering")
