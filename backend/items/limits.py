"""Request-size limit for upload routes, enforced before and while the body is read.

A declared ``Content-Length`` above ``max_request_bytes`` is refused with 413 before a byte is
read; a body without one (chunked) is counted as it streams and cut off at the same limit. It is a
route class, not a dependency, because FastAPI reads a declared body before any dependency runs.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response, status
from fastapi.routing import APIRoute
from starlette.types import Message, Receive

from backend.settings import get_settings


def _too_large(limit: int) -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        detail=f"request body larger than the limit of {limit:,} bytes (JINBIAO_MAX_REQUEST_BYTES)",
    )


def _counting(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _too_large(limit)
        return message

    return counted


class SizeLimitedRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            limit = get_settings().max_request_bytes
            declared = request.headers.get("content-length")
            if declared is not None:
                if not declared.isdigit():
                    raise HTTPException(status.HTTP_400_BAD_REQUEST, "bad Content-Length header")
                if int(declared) > limit:
                    raise _too_large(limit)
            return await handler(Request(request.scope, _counting(request.receive, limit)))

        return limited
