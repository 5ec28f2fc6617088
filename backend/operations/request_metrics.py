"""Pure ASGI middleware that times every request into ``jinbiao_http_request_duration_seconds``.

Added only when metrics are on (``JINBIAO_METRICS_ENABLED=1``). The route label is the matched
route's template (``/api/v1/projects/{project_id}/next``), never the raw path, so ids do not
multiply the series; a request that matched no route is ``unmatched``.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.operations.metrics import LEASES, REQUEST_SECONDS, SUBMITS

# Which answered routes are a lease or a submit, and of which stage: the counters operators
# graph as "leases/s" and "submits/s" (a route that does not exist yet simply never matches).
LEASE_ROUTES = {
    "/api/v1/projects/{project_id}/next": "annotate",
    "/api/v1/projects/{project_id}/review/next": "review",
    "/api/v1/lots/{lot_id}/next": "acceptance",
}
SUBMIT_ROUTES = {
    "/api/v1/assignments/{assignment_id}/submit": "annotate",
    "/api/v1/reviews/{review_id}/submit": "review",
}


class RequestMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = route_template(scope)
            REQUEST_SECONDS.labels(scope["method"], route, str(status)).observe(
                time.perf_counter() - started
            )
            if status in (200, 201):
                if route in LEASE_ROUTES and scope["method"] == "POST":
                    LEASES.labels(LEASE_ROUTES[route]).inc()
                elif route in SUBMIT_ROUTES:
                    SUBMITS.labels(SUBMIT_ROUTES[route]).inc()


def route_template(scope: Scope) -> str:
    """The full template of the route that served the request, ``unmatched`` if none did.

    An included router's route knows only its own part (``/projects/{project_id}``); the
    prefix it was included under (``/api/v1``) is what the request path has in front of that
    part once its parameters are filled in.
    """
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not template:
        return "unmatched"
    try:
        concrete = template.format(**scope.get("path_params", {}))
    except (KeyError, IndexError, ValueError):
        return template
    path: str = scope["path"]
    return path[: len(path) - len(concrete)] + template if path.endswith(concrete) else template
