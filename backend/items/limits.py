"""The import route's request-size limit: ``max_request_bytes`` instead of the API's default.

Every request body is bounded by ``backend.body_limit.BodyLimit`` (``max_json_bytes``); the import
route takes files, so its route class raises the limit for its own requests before the body is
read. It is a route class, not a dependency, because FastAPI reads a declared body before any
dependency runs.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response

from backend.body_limit import allow_body_of
from backend.settings import get_settings
from backend.strict_input import StrictInputRoute


class SizeLimitedRoute(StrictInputRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            allow_body_of(request.scope, get_settings().max_request_bytes, "MAX_REQUEST_BYTES")
            return await handler(request)

        return limited
