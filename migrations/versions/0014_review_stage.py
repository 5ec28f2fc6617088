"""Review (质检) and rework (返工): the review stage's tables, settings and rework rounds.

* ``review_items``: an item that entered review and its stored state (in_review, reviewed,
  rework), its rework round, its final answer and the last rejection's reasons and comment;
* ``reviews``: one verdict per review lease (its id is the lease's ``assignments.id``);
* ``review_marks``: how right each judged annotation was (the annotators' review record);
* ``projects``: ``review_mode``, ``review_rate``, ``review_confidence_below``,
  ``review_annotators_below``, ``rework_to``, ``review_reasons`` (existing projects: no review);
* ``assignments.rework_round``, and the unique (item, annotator) pair widened to (item,
  annotator, rework round), so an item rejected in review can go back to the same annotators;
  the index keeps (item, annotator) as its prefix, so the pick's "had it" probe still uses it;
* ``annotator_states.review_answered`` / ``review_correct``: the review record rule 5 reads
  beside gold.

The one-call functions are not changed: they serve the annotate stage, whose inserts take the
round's default 0; the review stage runs on the Python paths with the same locks.

Revision ID: 0014_review_stage
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision: str = "0014_review_stage"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "review_mode",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="none",
            )
        )
        batch_op.add_column(
            sa.Column("review_rate", sa.Float(), nullable=False, server_default="0.1")
        )
        batch_op.add_column(
            sa.Column("review_confidence_below", sa.Float(), nullable=False, server_default="0.8")
        )
        batch_op.add_column(sa.Column("review_annotators_below", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "rework_to",
                sqlmodel.sql.sqltypes.AutoString(length=8),
                nullable=False,
                server_default="same",
            )
        )
        batch_op.add_column(
            sa.Column("review_reasons", JSON, nullable=False, server_default=sa.text("'[]'"))
        )

    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rework_round", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.drop_constraint("uq_assignment_item_annotator", type_="unique")
        batch_op.create_unique_constraint(
            "uq_assignment_item_annotator_round", ["item_id", "annotator_id", "rework_round"]
        )

    with op.batch_alter_table("annotator_states", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("review_answered", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("review_correct", sa.Float(), nullable=False, server_default="0")
        )

    op.create_table(
        "review_items",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("rework_round", sa.Integer(), nullable=False),
        sa.Column("entered_by", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("final_result", JSON, nullable=True),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_review_items_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_review_items_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_review_items")),
    )
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_review_item_queue",
            ["project_id", "state", "item_id"],
            unique=False,
        )

    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("rework_round", sa.Integer(), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("result", JSON, nullable=True),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["id"], ["assignments.id"], name=op.f("fk_reviews_id_assignments"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_reviews_item_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_reviews_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_reviews_reviewer_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index("ix_review_item", ["item_id"], unique=False)
        batch_op.create_index("ix_review_project", ["project_id", "id"], unique=False)
        batch_op.create_index("ix_review_reviewer", ["project_id", "reviewer_id"], unique=False)

    op.create_table(
        "review_marks",
        sa.Column("annotation_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["annotation_id"],
            ["annotations.id"],
            name=op.f("fk_review_marks_annotation_id_annotations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["annotator_id"],
            ["users.id"],
            name=op.f("fk_review_marks_annotator_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_review_marks_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_marks_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("annotation_id", name=op.f("pk_review_marks")),
    )
    with op.batch_alter_table("review_marks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_review_mark_annotator", ["project_id", "annotator_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_review_marks_review_id"), ["review_id"], unique=False)


def downgrade() -> None:
    op.drop_table("review_marks")
    op.drop_table("reviews")
    op.drop_table("review_items")
    with op.batch_alter_table("annotator_states", schema=None) as batch_op:
        batch_op.drop_column("review_correct")
        batch_op.drop_column("review_answered")
    # Leases of later rounds would break the narrower pair: only the first round's stay.
    op.execute("DELETE FROM assignments WHERE rework_round > 0")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_constraint("uq_assignment_item_annotator_round", type_="unique")
        batch_op.create_unique_constraint(
            "uq_assignment_item_annotator", ["item_id", "annotator_id"]
        )
        batch_op.drop_column("rework_round")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("review_reasons")
        batch_op.drop_column("rework_to")
        batch_op.drop_column("review_annotators_below")
        batch_op.drop_column("review_confidence_below")
        batch_op.drop_column("review_rate")
        batch_op.drop_column("review_mode")
