"""Upgrading the database to the newest Alembic revision, safely from several processes."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

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
