"""Alembic environment: the URL comes from Jinbiao's settings, the tables from its models."""

from __future__ import annotations

import warnings

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.exc import SAWarning

from backend.all_models import metadata
from backend.db import make_engine
from backend.migrate import render_frozen_type
from backend.settings import get_settings

config = context.config

# On SQLite, batch mode reflects a table before altering it; SQLAlchemy cannot reflect the
# expression index ``ix_item_open`` (revision 0003) and says so on every fresh database. The
# revisions that touch ``items`` in batch mode only add columns, which SQLite does in place, so
# the index is never rebuilt from the reflection (``test_sqlite_keeps_the_expression_index``).
warnings.filterwarnings(
    "ignore", message="Skipped unsupported reflection of expression-based index", category=SAWarning
)


def _url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
        render_item=render_frozen_type,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_frozen_type,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
