"""A lot made from the data manager's filters keeps them: ``lots.filter``.

They were written only into the audit log's ``lot.create`` entry; the lots page shows them
beside the lot now. Lots made before this revision get theirs back from that entry.

Revision ID: 0026_lot_filter
Revises: 0025_review_tallies
Create Date: 2026-12-06
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0026_lot_filter"
down_revision: str | None = "0025_review_tallies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("lots") as batch:
        batch.add_column(sa.Column("filter", JSON, nullable=True))
    bind = op.get_bind()
    found = bind.execute(
        sa.text(
            "SELECT target_id, data FROM audit_events WHERE action = 'lot.create' "
            "AND target_type = 'lot'"
        )
    ).all()
    for lot_id, data in found:
        data = json.loads(data) if isinstance(data, str) else data
        if (
            isinstance(data, dict)
            and isinstance(data.get("filter"), dict)
            and str(lot_id).isdigit()
        ):
            bind.execute(
                sa.text(
                    "UPDATE lots SET filter = :f WHERE id = :i AND source = 'filter'"
                ).bindparams(sa.bindparam("f", type_=JSON)),
                {"f": data["filter"], "i": int(lot_id)},
            )


def downgrade() -> None:
    with op.batch_alter_table("lots") as batch:
        batch.drop_column("filter")
