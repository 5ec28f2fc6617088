"""Upgrading the database to the newest Alembic revision, safely from several processes."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.types import TypeDecorator

from backend.db import make_engine
from backend.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
# Any number; every Jinbiao process that migrates takes the same PostgreSQL advisory lock.
_MIGRATION_LOCK = 7_413_502_091


def alembic_config(database_url: str | None = None) -> Config:
    ini = ROOT / "alembic.ini"
    if not ini.is_file():
        raise RuntimeError(
            f"{ini} is missing: install Jinbiao from a checkout (pip install -e .) to migrate"
        )
    config = Config(str(ini))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url or get_settings().database_url
    return config


def upgrade(revision: str = "head", *, database_url: str | None = None) -> None:
    url = database_url or get_settings().database_url
    config = alembic_config(url)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def downgrade(revision: str, *, database_url: str | None = None) -> None:
    url = database_url or get_settings().database_url
    config = alembic_config(url)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()


def render_frozen_type(kind: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Autogenerate's ``render_item``: our own column types (``backend.db.UTCDateTime``) are
    written into a new revision as the SQLAlchemy type they emit in DDL, never as an import of
    ``backend``: a revision carries its own copy, so a later change to the app's types cannot
    change what an old revision creates. False: render as Alembic would."""
    if kind == "type" and isinstance(obj, TypeDecorator) and type(obj).__module__ == "backend.db":
        return f"sa.{obj.impl!r}"
    return False
