"""The FastAPI application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from backend import __version__
from backend.api import include_api
from backend.api_docs import add_api_docs
from backend.assignments import lease_memo
from backend.body_limit import BodyLimit
from backend.bounded_ids import document_path_ids
from backend.errors import install_error_handlers
from backend.health.routes import router as health_router
from backend.operations.headers import ResponseHeaders
from backend.operations.request_metrics import RequestMetrics
from backend.operations.routes import router as metrics_router
from backend.pg_pool import close_pool, open_pool
from backend.settings import get_settings
from backend.unavailable import install_unavailable_handlers
from backend.wiring import wire

UI_DIR = Path(__file__).resolve().parent.parent / "labeling_ui"


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """On PostgreSQL, the hot path's connection pool for this event loop (``backend.pg_pool``).

    Then everything allocated so far (imported modules, the app, its routes and models: about
    a million objects) goes to the collector's permanent generation. Without this, each full
    collection walked all of it again: 200-230 ms pauses of the event loop, 13 times in one
    minute of ``next`` + ``submit`` load, which were the p99 of ``next``
    (``tests/benchmarks/results/distribution.md``).
    """
    settings = get_settings()
    await open_pool(
        settings.database_url,
        max_size=settings.pg_pool_size,
        timeout=settings.db_pool_timeout_seconds,
        connect_timeout=settings.db_connect_timeout_seconds,
    )
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        await close_pool()
        lease_memo.clear()


def create_app() -> FastAPI:
    settings = get_settings()
    wire()
    app = FastAPI(
        lifespan=lifespan,
        title="Jinbiao (津标)",
        version=__version__,
        description="Crowdsourced annotation of manufacturing images and text.",
        docs_url=None,  # served by add_api_docs from vendored files, not a CDN
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    install_error_handlers(app)
    install_unavailable_handlers(app)
    add_api_docs(app)
    _document_bounds(app)  # after add_api_docs, whose schema builder it wraps
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    if settings.metrics_enabled:
        app.state.metrics_token = settings.metrics_token
        app.add_middleware(RequestMetrics)
        app.include_router(metrics_router)
    app.add_middleware(BodyLimit, limit=settings.max_json_bytes)
    # Outermost, so that every answer (errors, static files, the docs) gets the request id and
    # the security headers.
    app.add_middleware(ResponseHeaders)
    app.include_router(health_router)
    include_api(app)
    mount_ui(app)
    return app


def _document_bounds(app: FastAPI) -> None:
    """The OpenAPI schema states the id bounds every route enforces (``backend/bounded_ids.py``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_path_ids(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


UI_FOLDERS = ("css", "js", "vendor")
UI_FILES = {"/": "index.html", "/index.html": "index.html", "/favicon.svg": "favicon.svg"}


def mount_ui(app: FastAPI) -> None:
    """The browser UI: its page, icon and asset folders, each at its own path.

    Not one catch-all mount at ``/``: that would answer every unmatched method on an API path
    (``DELETE /api/v1/orgs``) with its own 405 and ``Allow: GET, HEAD``, hiding the API's answer.
    """
    if not (UI_DIR / "index.html").is_file():
        return
    for folder in UI_FOLDERS:
        app.mount(f"/{folder}", StaticFiles(directory=UI_DIR / folder), name=f"ui-{folder}")
    for path, name in UI_FILES.items():
        app.add_api_route(
            path, _ui_file(UI_DIR / name), methods=["GET", "HEAD"], include_in_schema=False
        )


def _ui_file(path: Path) -> Callable[[], FileResponse]:
    def serve() -> FileResponse:
        return FileResponse(path)

    return serve
