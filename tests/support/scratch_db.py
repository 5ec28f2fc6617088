"""Throwaway PostgreSQL databases for the test session, migration tests and benchmarks.

Imports nothing of the project, so ``tests/conftest.py`` can use it before the backend is
configured.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _sibling(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def create_database(base_url: str, prefix: str) -> str:
    """Create an empty database next to ``base_url``'s; returns its SQLAlchemy URL."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(base_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return _sibling(base_url, name)


def drop_database(url: str, *, base_url: str) -> None:
    """Drop the database of ``url``, connected through ``base_url``'s database."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_libpq(base_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_database(base_url: str, prefix: str) -> Iterator[str]:
    """An empty database for the ``with`` block, dropped afterwards."""
    url = create_database(base_url, prefix)
    try:
        yield url
    finally:
        drop_database(url, base_url=base_url)


def database_and_dropper(base_url: str, prefix: str) -> tuple[str, Callable[[], None]]:
    """A new database's URL and the function that drops it (for code that cannot use ``with``)."""
    url = create_database(base_url, prefix)
    return url, lambda: drop_database(url, base_url=base_url)
