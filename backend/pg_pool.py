"""The asyncio connection pool of PostgreSQL's hot path (``next`` and ``submit``).

Everything else goes through SQLAlchemy's engine (``backend.db``) in the thread pool. The two
hottest endpoints instead await one function call each on this pool, on the event loop: a thread
hop and a SQLAlchemy session cost the API process more CPU than PostgreSQL spends on the work
(see ``backend/assignments/pg_functions.py``).

A pool belongs to the event loop that opened it, so pools are kept per loop: the app's lifespan
opens one when it starts on PostgreSQL and closes it when it stops. A loop without a pool (SQLite,
or an app driven without its lifespan) simply takes the thread-pool path.
"""

from __future__ import annotations

import asyncio
import logging

import orjson
from psycopg import AsyncConnection
from psycopg.types.json import set_json_dumps, set_json_loads
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

_pools: dict[asyncio.AbstractEventLoop, AsyncConnectionPool] = {}


def conninfo(database_url: str) -> str | None:
    """libpq's form of a ``postgresql+psycopg://`` URL; None for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return None
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def _configure(connection: AsyncConnection) -> None:
    set_json_dumps(lambda value: orjson.dumps(value).decode(), context=connection)
    set_json_loads(orjson.loads, context=connection)


async def open_pool(
    database_url: str, *, max_size: int, timeout: float = 3.0, connect_timeout: int = 5
) -> AsyncConnectionPool | None:
    """Open this loop's pool (PostgreSQL only); connections are in autocommit mode, since each
    call is one statement and so one transaction.

    ``timeout``: how long a call waits for a connection. While the database is unreachable the
    pool has none to give (it keeps trying to reconnect in the background), so the wait ends in
    ``PoolTimeout``, which ``backend/unavailable.py`` answers 503 with Retry-After; psycopg's
    default of 30 s would keep clients waiting for the whole outage instead."""
    info = conninfo(database_url)
    if info is None:
        return None
    pool = AsyncConnectionPool(
        info,
        min_size=1,
        max_size=max_size,
        timeout=timeout,
        kwargs={"autocommit": True, "connect_timeout": connect_timeout},
        configure=_configure,
        open=False,
        name="jinbiao-hot-path",
    )
    await pool.open()
    _pools[asyncio.get_running_loop()] = pool
    return pool


async def close_pool() -> None:
    """Close this loop's pool, if it has one."""
    pool = _pools.pop(asyncio.get_running_loop(), None)
    if pool is not None:
        await pool.close()


def current_pool() -> AsyncConnectionPool | None:
    """The pool of the running loop, or None (then the caller takes the thread-pool path)."""
    try:
        return _pools.get(asyncio.get_running_loop())
    except RuntimeError:
        return None
