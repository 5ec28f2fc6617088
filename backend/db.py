"""Engine, sessions and the column types every domain shares.

SQLite runs in WAL mode with every transaction opened as ``BEGIN IMMEDIATE``: writers are
serialised up front instead of failing with "database is locked" when a read transaction tries to
upgrade, and they queue at a writer gate that wakes the next one as soon as the lock is free
(``backend/sqlite_gate.py``) instead of in SQLite's sleep-and-retry busy handler. PostgreSQL
keeps its normal READ COMMITTED transactions; the distribution engine takes its own row locks.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import JSON, DateTime, Engine, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel
from starlette.concurrency import run_in_threadpool

from backend.settings import get_settings
from backend.sqlite_gate import WAIT_SECONDS, GatedConnection

# Named constraints let Alembic alter them later, on SQLite (batch mode) as on PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

P = ParamSpec("P")
R = TypeVar("R")

JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def make_engine(url: str) -> Engine:
    """Create an engine with the pragmas and pool settings Jinbiao relies on."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Enough connections for the API's thread pool: writers then wait at the writer gate
        # instead of on the pool.
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": WAIT_SECONDS,
                "factory": GatedConnection,
            },
            pool_size=20,
            max_overflow=40,
        )
        _configure_sqlite(engine)
        return engine
    settings = get_settings()
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_max_overflow,
        # A request that finds every connection taken waits this long, then answers 503
        # (sqlalchemy.exc.TimeoutError, backend/unavailable.py) rather than queueing for 30 s.
        pool_timeout=settings.db_pool_timeout_seconds,
        connect_args={"connect_timeout": settings.db_connect_timeout_seconds},
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(WAIT_SECONDS * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.connection.dbapi_connection.begin_immediate()


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine(get_settings().database_url)


async def get_session() -> AsyncIterator[Session]:
    """FastAPI dependency: one session per request, closed afterwards.

    Async, though the session is not, so that closing it needs no thread-pool slot: FastAPI runs
    each sync dependency, the route and the teardown of a sync dependency in slots of their own.
    On SQLite a transaction holds the database's write lock, and one left open by a route that
    returned or raised would be carried into the teardown's slot; once every slot waits for the
    lock, the holder never gets the slot it needs to let go of it. Closing a SQLite session rolls
    back a local transaction, which never waits, so it runs on the event loop; PostgreSQL's
    rollback is a network round trip, so it goes to the thread pool (no reader there holds a lock
    a writer waits for).
    """
    session = Session(get_engine(), expire_on_commit=False)
    try:
        yield session
    finally:
        if session.get_bind().dialect.name == "sqlite":
            session.close()
        else:
            await run_in_threadpool(session.close)


def ends_its_transaction(dependency: Callable[P, R]) -> Callable[P, R]:
    """For a sync request dependency (or endpoint, ``backend/routing.py``) that works through
    the request's ``session``: end the transaction it left open, in the thread that ran it.

    FastAPI runs the next dependency and the route in other thread-pool slots, and on SQLite an
    open transaction holds the write lock (see ``get_session``). A dependency only reads, so a
    commit ends the transaction and keeps what it loaded (``expire_on_commit=False``); a refusal
    (401, 403, 404) rolls back.
    """

    @functools.wraps(dependency)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session: Session = kwargs["session"]  # type: ignore[assignment]
        try:
            answer = dependency(*args, **kwargs)
        except BaseException:
            session.rollback()
            raise
        if session.in_transaction():
            session.commit()
        return answer

    wrapper.ends_its_transaction = True  # type: ignore[attr-defined]
    return wrapper


def utcnow() -> datetime:
    """Default factory for timestamp columns."""
    return datetime.now(UTC)
