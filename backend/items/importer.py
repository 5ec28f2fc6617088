"""Storing a checked batch: duplicates out, files into place, rows in one insert, one commit.

Batch semantics: **row by row**. A row that fails its checks (corrupt image, unknown label, text
too long…) is reported in ``errors`` and the other rows are imported; re-sending the corrected
file is safe because rows already imported come back as ``duplicates``. When *no* row could be
imported and some failed, the request fails as a whole (413 if every failure was a size limit,
else 422) so a client checking only the status code does not mistake it for success. Requests
for a project the caller may not use, or declaring a body over the size limit, are refused before
the body is read; a JSON body of the wrong shape is refused whole.

Nothing is ever half written: media files go to a staging folder, are renamed into place only
after every check passed, and the rows are inserted in one transaction. If the insert or the
commit fails, the files just moved are removed again; rows that lose a race against a concurrent
import of the same content (``ON CONFLICT DO NOTHING``) count as duplicates and their files are
removed too.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session, select

from backend.audit.service import record
from backend.db import utcnow
from backend.items import references, storage
from backend.items.batch import Batch, ProjectRef, Row
from backend.items.bulk import insert_new
from backend.items.models import ImportBatch, Item
from backend.items.row_errors import all_rows_failed
from backend.items.schemas import ImportResult
from backend.queue import enqueue

log = logging.getLogger(__name__)

THUMBNAIL_JOB = "jinbiao.media.thumbnails"
THUMBNAIL_CHUNK = 200
HASH_QUERY_CHUNK = 5_000  # below SQLite's 32,766 bound parameters, one query per 5,000 rows


def random_key(content_hash: str) -> int:
    """A stable 63-bit pseudo-random order key: the same content always sorts the same way."""
    return int(content_hash[:16], 16) >> 1


def commit_batch(*, session: Session, batch: Batch, actor_id: int | None) -> ImportResult:
    """Store the good rows of ``batch``; see the module docstring for the guarantees."""
    project = batch.project
    try:
        fresh, duplicates = _split_duplicates(session=session, project=project, rows=batch.rows)
        created = _store(session=session, project=project, rows=fresh, actor_id=actor_id)
    finally:
        batch.discard()  # staged files of duplicates, and of everything after a failure
    duplicates += len(fresh) - created
    result = ImportResult(
        created=created,
        duplicates=duplicates,
        errors=sorted(batch.errors, key=lambda e: e.row),
    )
    if created == 0 and batch.errors:
        order = sorted(range(len(batch.errors)), key=lambda i: batch.errors[i].row)
        raise all_rows_failed([batch.errors[i] for i in order], [batch.too_large[i] for i in order])
    return result


def _split_duplicates(
    *, session: Session, project: ProjectRef, rows: list[Row]
) -> tuple[list[Row], int]:
    """Rows whose content is new to the project; one hash query per 5,000 rows."""
    hashes = [row.content_hash for row in rows]
    known: set[str] = set()
    for start in range(0, len(hashes), HASH_QUERY_CHUNK):
        chunk = hashes[start : start + HASH_QUERY_CHUNK]
        known.update(
            session.exec(
                select(Item.content_hash).where(
                    Item.project_id == project.id, Item.content_hash.in_(chunk)
                )
            ).all()
        )
    fresh: list[Row] = []
    for row in rows:
        if row.content_hash not in known:
            known.add(row.content_hash)  # a second copy inside the batch is a duplicate too
            fresh.append(row)
    return fresh, len(rows) - len(fresh)


def _store(*, session: Session, project: ProjectRef, rows: list[Row], actor_id: int | None) -> int:
    """Move media into place and insert the rows; undo the moves unless the commit succeeds."""
    if not rows:
        session.commit()  # end the read transaction of the duplicate check
        return 0
    now = utcnow()
    keys: dict[str, str] = {}
    reference_keys: dict[str, str] = {}  # content hash of the item -> its template's key
    committed = False
    try:
        for row in rows:
            if row.image is not None:
                key = storage.new_key(
                    project_id=project.id, sha256=row.content_hash, ext=row.image.ext
                )
                storage.promote(row.image.staged.path, key)
                keys[row.content_hash] = key
            if row.reference is not None:
                ref = row.reference
                key = storage.new_key(project_id=project.id, sha256=ref.staged.sha256, ext=ref.ext)
                storage.promote(ref.staged.path, key)
                reference_keys[row.content_hash] = key
        batch = ImportBatch(project_id=project.id, created_by=actor_id, created_at=now)
        session.add(batch)
        session.flush()
        values = [_values(project, row, keys, now, batch.id) for row in rows]
        inserted = insert_new(session, values)
        batch.created = len(inserted)
        lost = [h for h in keys if h not in inserted]
        lost_references = [h for h in reference_keys if h not in inserted]
        if reference_keys:
            references.store_references(
                session=session,
                org_id=project.org_id,
                rows=[
                    (inserted[row.content_hash], reference_keys[row.content_hash], row.reference)
                    for row in rows
                    if row.reference is not None and row.content_hash in inserted
                ],
            )
        record(
            session,
            org_id=project.org_id,
            actor_id=actor_id,
            action="items.import",
            target_type="project",
            target_id=project.id,
            data={"created": len(inserted), "images": len(keys) - len(lost), "batch_id": batch.id},
        )
        session.commit()
        committed = True
    finally:
        if not committed:
            session.rollback()
            for key in [*keys.values(), *reference_keys.values()]:
                storage.remove(key)
    for content_hash in lost:
        storage.remove(keys[content_hash])
    for content_hash in lost_references:
        storage.remove(reference_keys[content_hash])
    if keys:
        _send_thumbnail_jobs(sorted(inserted.values()))
    return len(inserted)


def _send_thumbnail_jobs(item_ids: list[int]) -> None:
    """Ask the workers for thumbnails, after the commit (the job must see the rows).

    Sent here rather than from an ``after_commit`` hook: a broker error raised inside the commit
    would look like a failed commit and the files of committed rows would be removed. A job that
    cannot be sent costs nothing lasting: the thumbnail is made on its first request instead.
    """
    try:
        for start in range(0, len(item_ids), THUMBNAIL_CHUNK):
            enqueue(THUMBNAIL_JOB, item_ids[start : start + THUMBNAIL_CHUNK])
    except Exception:
        log.warning("thumbnail jobs not sent; thumbnails will be made on request", exc_info=True)


def _values(
    project: ProjectRef, row: Row, keys: dict[str, str], now: Any, batch_id: int | None
) -> dict[str, Any]:
    image = row.image
    return {
        "project_id": project.id,
        "org_id": project.org_id,
        "external_id": row.external_id,
        "text": row.text,
        "media_key": keys.get(row.content_hash),
        "media_type": image.media_type if image else None,
        "thumbnail_key": None,
        "width": image.width if image else None,
        "height": image.height if image else None,
        "content_hash": row.content_hash,
        "meta": row.meta,
        "prelabel": row.prelabel,
        "is_gold": False,
        "priority": row.priority,
        "random_key": random_key(row.content_hash),
        "annotation_count": 0,
        "wanted": project.overlap,
        "batch_id": batch_id,
        "created_at": now,
    }
