"""The API reference pages, served with no internet: Swagger UI at ``/docs``, ReDoc at ``/redoc``.

FastAPI's defaults load both from a CDN (and ReDoc's fonts from Google), which a factory intranet
cannot reach. The built files are vendored in ``labeling_ui/vendor/`` with their licences
(``labeling_ui/vendor/README.md``) and served by the API under ``/vendor``.
"""

from __future__ import annotations

import base64
import hashlib
import re
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
        return with_inline_scripts_allowed(
            get_swagger_ui_html(
                openapi_url=OPENAPI_URL,
                title=TITLE,
                swagger_js_url="/vendor/swagger-ui/swagger-ui-bundle.js",
                swagger_css_url="/vendor/swagger-ui/swagger-ui.css",
                swagger_favicon_url="/favicon.svg",
            )
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return with_inline_scripts_allowed(
            get_redoc_html(
                openapi_url=OPENAPI_URL,
                title=TITLE,
                redoc_js_url="/vendor/redoc/redoc.standalone.js",
                redoc_favicon_url="/favicon.svg",
                with_google_fonts=False,
            )
        )


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def with_inline_scripts_allowed(page: HTMLResponse) -> HTMLResponse:
    """The page with a Content-Security-Policy that admits exactly its own inline scripts.

    FastAPI's Swagger page starts Swagger UI from an inline ``<script>``, which the UI's policy
    (``backend/operations/headers.py``: ``script-src 'self'``) forbids. Rather than
    ``'unsafe-inline'``, the policy names each inline script by its SHA-256 (CSP Level 2 hash
    sources, https://www.w3.org/TR/CSP2/#script-src-hash-usage), so an injected script still
    does not run.
    """
    body = bytes(page.body).decode()
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"
        for code in _INLINE_SCRIPT.findall(body)
    )
    page.headers["content-security-policy"] = (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
        "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
    )
    return page


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
