"""Pre-labels from a project's outside model: batches of open items out, checked results in.

Runs in a worker, never in a request, so ``next`` never waits for an outside model. Each result
is checked like any answer of the project's kind (``Kind.validate``: known labels, boxes inside
the image, spans inside the text) and its ``score`` must be a number in [0, 1]; anything else is
dropped with a recorded reason (``prelabel_drops``, shown on the project page):
``timeout``, ``unreachable``, ``http_error``, ``invalid_json``, ``missing`` (the answer left the
item out), ``invalid_result``. An item dropped within ``RETRY_AFTER`` is not sent again yet.
Images go as short-lived signed links (``media_links``); texts go as they are.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from backend import clock
from backend.models import prelabel_use
from backend.models.endpoint_client import BatchAnswer, post_batch
from backend.models.media_links import signed_path
from backend.models.models import PrelabelDrop, ProjectModelState
from backend.models.prelabels import (
    OUTSIDE_VERSION,
    OpenItem,
    checked_result,
    chunks,
    open_items,
    write,
)
from backend.projects.models import Project
from backend.settings import get_settings

BATCH = 32
MAX_ITEMS_PER_RUN = 2000
RETRY_AFTER = timedelta(hours=1)


def _wants_endpoint(item: OpenItem) -> bool:
    """No pre-label yet, or the built-in model's: the outside model's is preferred."""
    return item.takes_builtin_prelabel


def run_endpoint(
    *, session: Session, project: Project, retries: int = 2, backoff_s: float = 0.5
) -> dict[str, int]:
    """Send the open items without an outside pre-label, in batches; store what is valid.

    Returns ``{"sent", "accepted", "dropped"}``. Commits after every batch, and holds no
    transaction while waiting for the endpoint.
    """
    endpoint: dict[str, Any] | None = project.model_endpoint
    if not endpoint or not project.prelabels:
        return {"sent": 0, "accepted": 0, "dropped": 0}
    recent = set(
        session.exec(
            select(PrelabelDrop.item_id).where(
                PrelabelDrop.project_id == project.id,
                PrelabelDrop.created_at > clock.now() - RETRY_AFTER,
            )
        ).all()
    )
    todo = [
        item
        for item in open_items(session=session, project=project)
        if _wants_endpoint(item) and item.id not in recent
    ][:MAX_ITEMS_PER_RUN]
    session.commit()
    totals = {"sent": 0, "accepted": 0, "dropped": 0}
    for batch in chunks(todo, BATCH):
        answer = post_batch(
            url=str(endpoint["url"]),
            timeout_s=float(endpoint.get("timeout_s", 10.0)),
            payload=_payload(project, batch),
            retries=retries,
            backoff_s=backoff_s,
        )
        accepted, dropped = _store(session=session, project=project, batch=batch, answer=answer)
        totals["sent"] += len(batch)
        totals["accepted"] += accepted
        totals["dropped"] += dropped
    prelabel_use.ensure_state(session=session, project_id=project.id)
    session.execute(
        update(ProjectModelState)
        .where(ProjectModelState.project_id == project.id)
        .values(
            endpoint_run_at=clock.now(),
            endpoint_accepted=ProjectModelState.endpoint_accepted + totals["accepted"],
            endpoint_dropped=ProjectModelState.endpoint_dropped + totals["dropped"],
            updated_at=clock.now(),
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return totals


def _payload(project: Project, batch: Any) -> dict[str, Any]:
    base = get_settings().public_url.rstrip("/")
    return {
        "project_id": project.id,
        "kind": project.kind,
        "labels": [label["name"] for label in project.labels],
        "items": [
            {
                "id": item.id,
                "kind": project.kind,
                "text": item.text,
                "media_url": base + signed_path(item.id) if item.media_key else None,
                "width": item.width,
                "height": item.height,
            }
            for item in batch
        ],
    }


def _store(
    *, session: Session, project: Project, batch: Any, answer: BatchAnswer
) -> tuple[int, int]:
    """Write the valid pre-labels and a drop row for every other item; commits."""
    drops: list[PrelabelDrop] = []
    prelabels: list[tuple[int, dict[str, Any]]] = []
    for item in batch:
        if not answer.ok:
            drops.append(_drop(project, item, answer.reason, answer.detail))
            continue
        row = answer.results.get(item.id)
        if row is None:
            drops.append(_drop(project, item, "missing", "the answer has no result for it"))
            continue
        score = row.get("score")
        if not isinstance(score, int | float) or isinstance(score, bool) or not 0 <= score <= 1:
            drops.append(_drop(project, item, "invalid_result", f"score {score!r} not in [0, 1]"))
            continue
        result, why = checked_result(project=project, item=item, result=row.get("result"))
        if result is None:
            drops.append(_drop(project, item, "invalid_result", why))
            continue
        prelabels.append(
            (item.id, {"result": result, "score": float(score), "model_version": OUTSIDE_VERSION})
        )
    session.add_all(drops)
    write(session=session, prelabels=prelabels)
    return len(prelabels), len(drops)


def _drop(project: Project, item: OpenItem, reason: str, detail: str) -> PrelabelDrop:
    return PrelabelDrop(project_id=project.id, item_id=item.id, reason=reason, detail=detail[:1000])
