"""Distribution: partial indexes that keep ``next`` off table scans at millions of items.

* ``ix_item_open`` holds only the normal items that still want annotations, in the order rule 4
  serves them (fewest missing annotations first, then priority, then the stable random key). A
  finished item leaves the index; raising ``wanted`` (adaptive overlap) brings it back.
* ``ix_item_gold`` is the gold pool in random-key order: ``next`` starts at a random key, so an
  annotator's earlier gold answers are not rescanned on every gold draw.
* ``ix_assignment_live`` finds the leases of a project that may still be live (progress counts).

Plain ``CREATE INDEX`` is the same statement on PostgreSQL and SQLite (both have partial and
expression indexes). On a large existing PostgreSQL table, build them ``CONCURRENTLY`` by hand
first; ``IF NOT EXISTS`` then makes this revision a no-op.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_item_open": (
        "items (project_id, (wanted - annotation_count), priority DESC, random_key) "
        "WHERE NOT is_gold AND annotation_count < wanted"
    ),
    "ix_item_gold": "items (project_id, random_key) WHERE is_gold",
    "ix_assignment_live": "assignments (project_id, expires_at) WHERE status = 'leased'",
}


def upgrade() -> None:
    for name, definition in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
