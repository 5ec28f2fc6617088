"""``GET /metrics``: Prometheus text, when ``JINBIAO_METRICS_ENABLED=1``.

Who may call it: anyone who can reach the port when no ``JINBIAO_METRICS_TOKEN`` is set (the
usual set-up: the port is scraped on a private network), otherwise only a request with
``Authorization: Bearer <that token>`` (401 ``not_authenticated`` without it). Not under
``/api/v1`` and not in the API schema: it is for Prometheus, not for people.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from backend.errors import ApiError
from backend.operations.metrics import exposition

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    token: str = getattr(request.app.state, "metrics_token", "")
    if token:
        sent = request.headers.get("authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            raise ApiError(
                401,
                "metrics need the metrics token",
                code="not_authenticated",
                headers={"WWW-Authenticate": "Bearer"},
            )
    body, content_type = exposition()
    return Response(body, media_type=content_type)
