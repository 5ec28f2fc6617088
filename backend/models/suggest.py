"""Interactive suggestions: a point clicked on an image, a box or a polygon back from the
project's outside model, through the same protocol as its pre-labels (``examples/README.md``).

The request is a batch of one item with ``"mode": "interactive"`` and the item's ``prompt``
(``points`` in image pixels, ``point_labels`` 1 for the object, ``label``), in the style of
Segment Anything's point prompts (Kirillov et al., "Segment Anything", ICCV 2023,
https://doi.org/10.1109/ICCV51070.2023.00371). The answer is checked exactly as a pre-label is
(``prelabels.checked_result``: known labels, marks inside the image, a score in [0, 1]); a bad
one is dropped with the same reasons (``timeout``, ``unreachable``, ``http_error``,
``invalid_json``, ``missing``, ``invalid_result``), recorded for the Models tab and answered as
502 ``suggestion_dropped`` with the ``reason``. Someone waits for this answer, so the endpoint gets
at most ``TIMEOUT_S`` and one retry, and no database transaction is open while it answers. A
waiting suggestion holds one of the process's worker threads, so at most ``AT_ONCE`` wait at a
time: beyond that the answer is 503 ``suggestions_busy`` at once, and a slow outside model can
never take the threads that the sync routes of everyone else need.
Nothing is stored on the item: the suggestion becomes an answer only if the person submits it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, NoReturn

from fastapi import status
from sqlmodel import Session

from backend.errors import ApiError, conflict, invalid
from backend.items.models import Item
from backend.kinds import get_kind
from backend.models.endpoint_client import post_batch
from backend.models.media_links import signed_path
from backend.models.models import PrelabelDrop
from backend.models.prelabels import OUTSIDE_VERSION, OpenItem, checked_result
from backend.projects.models import Project
from backend.settings import get_settings

TIMEOUT_S = 10.0
RETRIES = 1
BACKOFF_S = 0.25
AT_ONCE = 8
_waiting = threading.BoundedSemaphore(AT_ONCE)


@dataclass(frozen=True)
class Suggestion:
    item_id: int
    result: dict[str, Any]
    score: float
    model_version: str = OUTSIDE_VERSION


def suggest(
    *,
    session: Session,
    project: Project,
    item: Item,
    points: list[tuple[float, float]],
    label: str | None,
    backoff_s: float = BACKOFF_S,
) -> Suggestion:
    """Ask the outside model for the object at ``points``; its checked answer, or an ApiError."""
    endpoint = project.model_endpoint
    if not endpoint:
        raise conflict("the project names no outside model", code="no_model_endpoint")
    if not get_kind(project.kind).point_prompts or item.media_key is None:
        raise conflict(
            "point suggestions are for image boxes and polygons", code="suggestion_unsupported_kind"
        )
    names = [entry["name"] for entry in project.labels]
    _check_prompt(item, points, label, names)
    target = OpenItem(
        id=item.id,
        prelabel=None,
        random_key=0,
        text=None,
        media_key=item.media_key,
        width=item.width,
        height=item.height,
    )
    payload = _payload(project, item, points, label, names)
    project_id = project.id
    session.commit()  # nothing held while the outside model answers
    if not _waiting.acquire(blocking=False):
        raise ApiError(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"{AT_ONCE} suggestions are waiting for the outside model already; try again",
            code="suggestions_busy",
            headers={"Retry-After": "2"},
        )
    try:
        answer = post_batch(
            url=str(endpoint["url"]),
            timeout_s=min(float(endpoint.get("timeout_s", TIMEOUT_S)), TIMEOUT_S),
            payload=payload,
            retries=RETRIES,
            backoff_s=backoff_s,
        )
    finally:
        _waiting.release()
    if not answer.ok:
        _dropped(session, project_id, item.id, answer.reason, answer.detail)
    row = answer.results.get(item.id)
    if row is None:
        _dropped(session, project_id, item.id, "missing", "the answer has no result for it")
    score = row.get("score")
    if not isinstance(score, int | float) or isinstance(score, bool) or not 0 <= score <= 1:
        _dropped(session, project_id, item.id, "invalid_result", f"score {score!r} not in [0, 1]")
    result, why = checked_result(project=project, item=target, result=row.get("result"))
    if result is None:
        _dropped(session, project_id, item.id, "invalid_result", why)
    return Suggestion(item_id=item.id, result=result, score=float(score))


def _check_prompt(
    item: Item, points: list[tuple[float, float]], label: str | None, names: list[str]
) -> None:
    width, height = item.width or 0, item.height or 0
    for i, (x, y) in enumerate(points):
        if not (0 <= x <= width and 0 <= y <= height):
            raise invalid(["points", i], f"the point is outside the {width}×{height} image")
    if label is not None and label not in names:
        raise invalid(["label"], f"unknown label {label!r}")


def _payload(
    project: Project,
    item: Item,
    points: list[tuple[float, float]],
    label: str | None,
    names: list[str],
) -> dict[str, Any]:
    base = get_settings().public_url.rstrip("/")
    return {
        "project_id": project.id,
        "kind": project.kind,
        "labels": names,
        "mode": "interactive",
        "items": [
            {
                "id": item.id,
                "kind": project.kind,
                "text": None,
                "media_url": base + signed_path(item.id),
                "width": item.width,
                "height": item.height,
                "prompt": {
                    "points": [[float(x), float(y)] for x, y in points],
                    "point_labels": [1] * len(points),
                    "label": label,
                },
            }
        ],
    }


def _dropped(session: Session, project_id: int, item_id: int, reason: str, detail: str) -> NoReturn:
    """Record the drop (shown on the Models tab) and answer 502 ``suggestion_dropped``.

    The row names no item: ``item_id`` on a drop means "not sent again within the hour" to the
    batch run (``endpoint_run``), and one failed click must not hold back an item's pre-label.
    """
    session.rollback()
    session.add(
        PrelabelDrop(
            project_id=project_id,
            item_id=None,
            reason=reason,
            detail=f"interactive, item {item_id}: {detail}"[:1000],
        )
    )
    session.commit()
    raise ApiError(
        status.HTTP_502_BAD_GATEWAY,
        f"the outside model gave no usable suggestion ({reason}): {detail}"[:500],
        code="suggestion_dropped",
        extra={"reason": reason},
    )
