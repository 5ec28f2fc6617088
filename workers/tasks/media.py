"""Media jobs: thumbnails of freshly imported images.

Idempotent (a thumbnail that exists is kept, the key is the same every time) and acknowledged
late, so a worker lost mid-job leaves the job to another worker instead of dropping it.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError
from sqlmodel import Session

import backend.all_models  # noqa: F401 - every table known, so the items' foreign keys resolve
from backend.db import get_engine
from backend.items.models import Item
from backend.items.thumbnails import ensure_thumbnail
from workers.celery_app import app

log = logging.getLogger(__name__)


@app.task(
    name="jinbiao.media.thumbnails",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def thumbnails(item_ids: list[int]) -> dict[str, int]:
    """Make the thumbnails of these items; items gone or without media are skipped."""
    made = missing = 0
    with Session(get_engine(), expire_on_commit=False) as session:
        for item_id in item_ids:
            item = session.get(Item, item_id)
            if item is None or item.media_key is None:
                continue
            try:
                ensure_thumbnail(session=session, item=item)
                made += 1
            except FileNotFoundError:
                missing += 1
                log.warning("item %s: media file %s is missing", item_id, item.media_key)
            except OSError as exc:  # an image Pillow read at import but not now: keep going
                log.warning("item %s: no thumbnail: %s", item_id, exc)
        session.commit()
    return {"made": made, "missing": missing}
