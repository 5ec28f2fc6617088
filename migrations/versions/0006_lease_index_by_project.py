"""Distribution: live leases of a project through (project_id, status, expires_at).

Revision 0003's partial ``ix_assignment_live`` (project_id, expires_at) WHERE status = 'leased'
was also a candidate for the per-item lease probe of ``next``, which has no project condition:
on a small or freshly analysed table PostgreSQL chose it and scanned every lease row still marked
"leased" (abandoned leases keep that status for good) once per candidate item. This index
serves the progress count (project, "leased", not yet expired) with a seek, and is useless to a
per-item probe, which keeps using ``ix_assignment_item_status``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_assignment_live")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_assignment_project_lease "
        "ON assignments (project_id, status, expires_at)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_assignment_project_lease")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_assignment_live "
        "ON assignments (project_id, expires_at) WHERE status = 'leased'"
    )
