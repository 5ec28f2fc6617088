"""Every request body is bounded: a declared ``Content-Length`` above the limit is refused when
the body is first read, before a byte of it; a body without one (chunked) is counted as it
streams and cut off at the limit. 413 ``too_large``, naming the setting.

Why a middleware of our own: the limit must hold on every route (a sign-up needs no account,
and a 300 MB body to it was read whole), the import route needs a larger one, and FastAPI's own
``max_body_size`` answers an over-long declared body with a plain-text 413 that replaces the
API's JSON error (no ``code`` for the UI to translate). Here the limit is read from the request's
scope when the body is read, so a route (``backend.items.limits``) raises it for its own
requests, and the error is an ``ApiError`` raised inside the route: the API's error handler
answers it like any other.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.errors import ApiError

LIMIT_KEY = "jinbiao.body_limit"


def allow_body_of(scope: Scope, limit: int, setting: str) -> None:
    """Let this request's body be up to ``limit`` bytes (``JINBIAO_<setting>``)."""
    scope[LIMIT_KEY] = (limit, setting)


def too_large(limit: int, setting: str) -> ApiError:
    return ApiError(
        413,
        f"request body larger than the limit of {limit:,} bytes (JINBIAO_{setting})",
        code="too_large",
    )


class BodyLimit:
    """Pure ASGI middleware: the request's ``receive`` counted against its limit."""

    def __init__(self, app: ASGIApp, *, limit: int, setting: str = "MAX_JSON_BYTES") -> None:
        self.app = app
        self.default = (limit, setting)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            limit, setting = scope.get(LIMIT_KEY, self.default)
            if declared is not None and declared > limit:
                raise too_large(limit, setting)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise too_large(limit, setting)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
