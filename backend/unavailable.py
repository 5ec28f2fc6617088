"""503 with ``Retry-After`` — never a 500 with a trace — while the database or broker is down.

SPEC "Operations": clients get ``503 unavailable`` with ``Retry-After`` while a dependency is
unreachable, and the service recovers by itself once it is back (SQLAlchemy's pool and
``pool_pre_ping`` reconnect; the hot path's psycopg pool replaces broken connections). The
exceptions below are the ones a lost connection raises at each layer: SQLAlchemy (ORM paths),
psycopg and its pool (the PostgreSQL hot path, ``backend/pg_pool.py``), kombu and redis-py
(sending a job). A wait for a pool connection that runs out (``sqlalchemy.exc.TimeoutError``,
``psycopg_pool.PoolTimeout``, after ``JINBIAO_DB_POOL_TIMEOUT_SECONDS``) is answered the same way:
while the database is down neither pool has a connection to give, and a short wait ending in 503
tells clients at once instead of holding them for the whole outage. A transaction aborted this
way wrote nothing, so a retry is always safe; an acknowledged write was committed before its
answer was sent.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import JSONResponse

from backend.errors import error_body

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def _lost_connection_errors() -> tuple[type[Exception], ...]:
    import kombu.exceptions
    import psycopg
    import psycopg_pool
    import redis.exceptions
    import sqlalchemy.exc

    return (
        sqlalchemy.exc.OperationalError,
        sqlalchemy.exc.InterfaceError,
        sqlalchemy.exc.TimeoutError,
        psycopg.OperationalError,
        psycopg.InterfaceError,
        psycopg_pool.PoolTimeout,
        kombu.exceptions.OperationalError,
        redis.exceptions.ConnectionError,
        redis.exceptions.TimeoutError,
        ConnectionError,
    )


def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning(
        "%s %s: a dependency is unreachable (%s: %s); answered 503",
        request.method,
        request.url.path,
        type(exc).__name__,
        str(exc).splitlines()[0] if str(exc) else "",
    )
    return JSONResponse(
        error_body(503, "the service is briefly unavailable; retry shortly", "unavailable"),
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def install_unavailable_handlers(app: object) -> None:
    for error in _lost_connection_errors():
        app.add_exception_handler(error, _unavailable)  # type: ignore[attr-defined]
