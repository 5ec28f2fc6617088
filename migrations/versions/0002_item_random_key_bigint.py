"""Items: ``random_key`` becomes a 64-bit integer so it can hold 63 bits of the content hash.

SQLite already stores any INTEGER in up to 8 bytes, and rebuilding ``items`` there (batch mode)
would drop and recreate a table other tables reference; only PostgreSQL needs the change.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column(
        "items",
        "random_key",
        existing_type=sa.Integer(),
        type_=sa.BigInteger(),
        existing_nullable=False,
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    # Keys above 2**31 do not fit back; fold them into 31 bits rather than fail.
    op.execute("UPDATE items SET random_key = random_key % 2147483647")
    op.alter_column(
        "items",
        "random_key",
        existing_type=sa.BigInteger(),
        type_=sa.Integer(),
        existing_nullable=False,
    )
