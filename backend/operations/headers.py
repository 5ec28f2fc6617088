"""One ASGI middleware that adds ``X-Request-ID`` and the security headers to every answer.

Pure ASGI rather than Starlette's ``BaseHTTPMiddleware``: that one runs each request through an
extra task and memory stream, which costs the hot ``next``/``submit`` path measurably; here the
cost is a header list append.

The headers (OWASP Secure Headers Project, https://owasp.org/www-project-secure-headers/):

* ``Content-Security-Policy``: the browser UI loads only its own scripts (no inline script, no
  ``eval``); styles may be inline because the vendored annotation widgets set them; images from
  this origin, ``data:`` and ``blob:``; nothing may frame the UI (``frame-ancestors 'none'``,
  clickjacking). A route that needs another policy (the API docs' inline start-up script) sets
  its own header, which is kept.
* ``X-Content-Type-Options: nosniff``: a media file is never run as script or HTML.
* ``Referrer-Policy: same-origin``: invitation tokens in the UI's address never leak to others.
* ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.operations.request_context import current_request_id, request_id_from

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


class ResponseHeaders:
    """Wraps the app: request id in, request id and security headers out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id")
        request_id = request_id_from(incoming)
        token = current_request_id.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(pair for pair in SECURITY_HEADERS if pair[0] not in present)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            current_request_id.reset(token)
