"""Migrations go up and down on the configured database kind, and match the models exactly."""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite

from backend.all_models import metadata
from backend.db import UTCDateTime, make_engine
from backend.migrate import downgrade, render_frozen_type, upgrade
from backend.settings import get_settings
from support.scratch_db import scratch_database


@pytest.fixture
def scratch_url(tmp_path) -> Iterator[str]:
    """An empty database of the same kind as the suite's."""
    base = os.environ.get("JINBIAO_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    with scratch_database(base, "jinbiao_mig") as url:
        yield url


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(scratch_url):
    upgrade(database_url=scratch_url)
    assert set(metadata.tables) <= _tables(scratch_url)
    downgrade("base", database_url=scratch_url)
    assert _tables(scratch_url) <= {"alembic_version"}
    upgrade(database_url=scratch_url)
    assert set(metadata.tables) <= _tables(scratch_url)


def test_migrations_match_the_models(scratch_url):
    upgrade(database_url=scratch_url)
    engine = make_engine(scratch_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_sqlite_keeps_the_expression_index(tmp_path):
    """Batch mode cannot reflect ``ix_item_open`` (its warning is silenced in env.py): the
    revisions after 0003 must leave it in place, expression and condition included."""
    url = f"sqlite:///{tmp_path / 'indexed.db'}"
    upgrade(database_url=url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            sql = connection.execute(
                sa.text(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'ix_item_open'"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert "(wanted - annotation_count)" in sql
    assert "WHERE NOT is_gold AND annotation_count < wanted" in sql


def test_suite_database_kind_is_what_ci_asked_for():
    expects_postgres = bool(os.environ.get("JINBIAO_TEST_DATABASE_URL"))
    assert (not get_settings().is_sqlite) == expects_postgres


def test_revisions_import_no_app_code():
    """A revision carries its own copy of the column types it uses: importing ``backend`` would
    let a later change to the app's types change what an old revision creates."""
    versions = Path(__file__).resolve().parents[2] / "migrations" / "versions"
    revisions = sorted(versions.glob("*.py"))
    assert len(revisions) >= 8
    importing = []
    for path in revisions:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            importing += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "backend"]
    assert importing == []


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_a_new_revision_gets_a_frozen_copy_of_our_column_types(dialect):
    """Autogenerate writes ``UTCDateTime`` as the plain type it emits in DDL (the copy the old
    revisions carry), with the same DDL on each database."""
    rendered = render_frozen_type("type", UTCDateTime(timezone=True), None)
    assert rendered == "sa.DateTime(timezone=True)"
    copy = sa.DateTime(timezone=True)  # what the old revisions carry
    assert copy.compile(dialect=dialect) == UTCDateTime(timezone=True).compile(dialect=dialect)
    assert render_frozen_type("type", sa.Integer(), None) is False
