"""The API reference pages, served with no internet: Swagger UI at ``/docs``, ReDoc at ``/redoc``.

FastAPI's defaults load both from a CDN (and ReDoc's fonts from Google), which a factory intranet
cannot reach. The built files are vendored in ``labeling_ui/vendor/`` with their licences
(``labeling_ui/vendor/README.md``) and served by the API under ``/vendor``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse

from backend.kinds import openapi as kind_schemas

OPENAPI_URL = "/api/v1/openapi.json"
TITLE = "Jinbiao (津标) API"


def add_api_docs(app: FastAPI) -> None:
    """Anyone (the schema is public, as FastAPI's default): ``/docs`` and ``/redoc``."""
    install_kind_results(app)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title=TITLE,
            swagger_js_url="/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/favicon.svg",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=OPENAPI_URL,
            title=TITLE,
            redoc_js_url="/vendor/redoc/redoc.standalone.js",
            redoc_favicon_url="/favicon.svg",
            with_google_fonts=False,
        )


def install_kind_results(app: FastAPI) -> None:
    """The OpenAPI document gains the per-kind result schemas that result fields refer to
    (``backend.kinds.openapi``): built once, on the first request for it, like FastAPI's own."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
                webhooks=app.webhooks.routes,
                tags=app.openapi_tags,
                servers=app.servers,
                separate_input_output_schemas=app.separate_input_output_schemas,
            )
            app.openapi_schema = kind_schemas.with_kind_results(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
