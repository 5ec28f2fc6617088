"""Migrations go up and down on the configured database kind, and match the models exactly."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from backend.all_models import metadata
from backend.db import make_engine
from backend.migrate import downgrade, upgrade
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


def test_suite_database_kind_is_what_ci_asked_for():
    expects_postgres = bool(os.environ.get("JINBIAO_TEST_DATABASE_URL"))
    assert (not get_settings().is_sqlite) == expects_postgres
