"""Review's statements whose cost grew with the work already done: the live-lease check of the
reviewer's walk, and the reads of the review records' pending rows.

Measured at 1,000,000 items with 32 reviewers (``tests/benchmarks/results/review.md``, step 10,
``pg_stat_statements`` with nested statements tracked):

* **The walk's live-lease check.** For each candidate item, ``jinbiao_review_next`` asks whether
  a live review lease holds it (``live.item_id = r.item_id AND live.stage = 'review' AND
  live.status = 'leased' AND live.expires_at > now``). The planner answered it from
  ``ix_assignment_held`` (``project_id, annotator_id, stage, expires_at WHERE leased``), which
  covers more of the conditions but not the item: a scan of the whole partial index per
  candidate, including every entry that a lease submitted since the last clean-up left behind.
  The walk read 11,000 buffers a call on average (5.8 ms) after three 20-second runs, and the
  cost rose run after run. The new partial index ``ix_assignment_live_item`` (``item_id WHERE
  status = 'leased'``) answers it in two buffers; it holds only live leases (a lease that is
  submitted leaves it), so it stays a few pages whatever the project's size. The annotators'
  live-lease counts (``jinbiao_next``) may use it too.
* **The pending review records.** ``review_tallies`` keeps a few hundred live rows; the folds
  delete them, and between two vacuums the table holds tens of thousands of dead ones. The
  planner counts the live rows and scanned the table (or its index, as a bitmap) on every
  verdict and every fold: 195 buffers a verdict, more as the dead rows piled up. Both functions
  now read it by index only (``enable_seqscan`` and ``enable_bitmapscan`` off for the
  function), and an index scan marks the dead entries once and steps over them after; every
  other statement in them is a lookup by key, planned as before.
* **Planned once.** The records' read takes the annotators as an array, and the plan cache
  planned it again on every verdict, for the same plan (one session, 2,000 cycles, the setting
  switched between runs on the same database: 1.45, 1.64, 1.77 ms of the backend's CPU per
  next + submit without ``plan_cache_mode = force_generic_plan``, 1.23, 1.54, 1.43 with it).

The functions' bodies are unchanged (``ALTER FUNCTION … SET``);
``backend/assignments/sql/jinbiao_review_submit.sql`` and ``jinbiao_review_fold.sql`` carry the
same clauses (``tests/api/test_pg_function_source.py``). SQLite gets the index only.

Revision ID: 0030_review_plans
Revises: 0029_review_fewer_checks
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030_review_plans"
down_revision: str | None = "0029_review_fewer_checks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = (
    "jinbiao_review_submit(integer, integer, integer, text[], timestamptz, text, jsonb, jsonb, "
    "text, jsonb, jsonb, jsonb, double precision[], jsonb, jsonb, text[], text[], integer)",
    "jinbiao_review_fold(integer, integer, integer[], timestamptz)",
)
SETTINGS = (
    ("plan_cache_mode", "force_generic_plan"),
    ("enable_seqscan", "off"),
    ("enable_bitmapscan", "off"),
)
LIVE = sa.text("status = 'leased'")


def upgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assignment_live_item",
            ["item_id"],
            unique=False,
            postgresql_where=LIVE,
            sqlite_where=LIVE,
        )
    if op.get_bind().dialect.name != "postgresql":
        return
    for function in FUNCTIONS:
        for name, value in SETTINGS:
            op.execute(f"ALTER FUNCTION {function} SET {name} = {value}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for function in FUNCTIONS:
            for name, _ in SETTINGS:
                op.execute(f"ALTER FUNCTION {function} RESET {name}")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_assignment_live_item")
