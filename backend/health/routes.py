"""Liveness and readiness: the database and the broker must both answer."""

from __future__ import annotations

import os

from celery.exceptions import TimeoutError as CeleryTimeout
from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import text

from backend import __version__
from backend.accounts.deps import CurrentUser, SessionDep
from backend.queue import broker_reachable, enqueue_for_result
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["system"], route_class=TransactionEndingRoute)


@router.get("/healthz")
def healthz(session: SessionDep, response: Response) -> dict[str, str]:
    """Anyone (load balancers): 200 when the database and the broker answer, else 503."""
    # The broker first: on SQLite the database check takes the write lock until this returns.
    broker = "ok" if broker_reachable() else "unreachable"
    try:
        session.exec(text("SELECT 1"))
        database = "ok"
    except Exception:
        database = "unreachable"
    healthy = database == "ok" and broker == "ok"
    response.status_code = status.HTTP_200_OK if healthy else status.HTTP_503_SERVICE_UNAVAILABLE
    return {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "broker": broker,
        "version": __version__,
    }


class PingRequest(BaseModel):
    echo: str = Field(default="ping", max_length=100)
    timeout: float = Field(default=10.0, gt=0, le=60)


@router.post("/api/v1/system/ping")
def ping_worker(body: PingRequest, user: CurrentUser) -> dict[str, object]:
    """Any signed-in user: send a job through the broker and wait for a worker's answer."""
    result = enqueue_for_result("jinbiao.system.ping", body.echo)
    try:
        answer = result.get(timeout=body.timeout)
    except CeleryTimeout as exc:
        raise HTTPException(
            status.HTTP_504_GATEWAY_TIMEOUT,
            detail="no worker answered; is `jinbiao worker` running?",
        ) from exc
    return {"task_id": result.id, "api_pid": os.getpid(), "worker": answer}
