"""A verdict's rows without the foreign keys of the values they copy from a constrained parent.

Every row a review verdict writes had PostgreSQL check each of its foreign keys (a ``SELECT 1
... FOR KEY SHARE`` per key per row, about 25 per verdict: ``tests/benchmarks/results/review.md``,
step 6), several on the same ``projects`` and ``users`` rows that every concurrent verdict locks
too. Six of those keys check a value that the row copies from another row it references, whose
own constraint already guarantees the value and whose ``ON DELETE CASCADE`` already removes the
row when the value's target goes:

* ``reviews.project_id``, ``item_id``, ``reviewer_id``: a review *is* its lease (``reviews.id``
  is the assignment's id, ``fk_reviews_id_assignments``, kept), and both writers copy the three
  from that lease, locked (``jinbiao_review_submit``; ``backend/review/submitting.py``). A
  project, item or user deleted takes its assignments, and with them their reviews.
* ``review_marks.project_id``, ``annotator_id``: a mark is one annotation's (its primary key
  ``annotation_id``, ``fk_review_marks_annotation_id_annotations``, kept), and both writers copy
  the two from that annotation (``jinbiao_review_submit``; ``backend/review/judging.py``). A
  project or user deleted takes its annotations, and with them their marks (and their reviews).
* ``final_items.project_id``: the row is one item's (``fk_final_items_item_id_items``, kept)
  and every writer copies the item's project; a project deleted takes its items.

The references that carry the meaning stay: a review's lease, a mark's annotation and review, a
final row's item, every ``review_tallies`` key (the rows are folded by annotator and project),
``pay_work``'s project, ``consensus``'s keys. Users are never deleted (accounts are deactivated),
annotations only by those cascades.

Revision ID: 0029_review_fewer_checks
Revises: 0028_review_lean
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029_review_fewer_checks"
down_revision: str | None = "0028_review_lean"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, referenced table): the keys this revision drops, named as the models named them.
DROPPED = (
    ("reviews", "project_id", "projects"),
    ("reviews", "item_id", "items"),
    ("reviews", "reviewer_id", "users"),
    ("review_marks", "project_id", "projects"),
    ("review_marks", "annotator_id", "users"),
    ("final_items", "project_id", "projects"),
)


def _name(table: str, column: str, referenced: str) -> str:
    return f"fk_{table}_{column}_{referenced}"


def upgrade() -> None:
    for table in dict.fromkeys(table for table, _, _ in DROPPED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in (_name(*key) for key in DROPPED if key[0] == table):
                batch_op.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    for table in dict.fromkeys(table for table, _, _ in DROPPED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for key in (key for key in DROPPED if key[0] == table):
                _, column, referenced = key
                batch_op.create_foreign_key(
                    _name(*key), referenced, [column], ["id"], ondelete="CASCADE"
                )
