"""Item imports as plain functions: build a batch from the request, then store it.

See ``backend.items.importer`` for the batch semantics (row by row, nothing half written).
"""

from __future__ import annotations

from sqlmodel import Session

from backend.items import readers
from backend.items.batch import Batch, ProjectRef
from backend.items.importer import commit_batch
from backend.items.schemas import ImportResult, ItemIn
from backend.settings import get_settings


def import_json(
    *, session: Session, project: ProjectRef, items: list[ItemIn], actor_id: int | None
) -> ImportResult:
    """Import the rows of a JSON body (texts, base64 images, paths under the import root)."""
    batch = Batch(project=project, settings=get_settings())
    try:
        readers.read_json_items(batch, items)
        return commit_batch(session=session, batch=batch, actor_id=actor_id)
    finally:
        batch.discard()


def import_uploads(
    *,
    session: Session,
    project: ProjectRef,
    uploads: list[readers.Upload],
    actor_id: int | None,
) -> ImportResult:
    """Import uploaded files: images, zip archives of images, JSONL or CSV files of texts."""
    batch = Batch(project=project, settings=get_settings())
    try:
        readers.read_uploads(batch, uploads)
        return commit_batch(session=session, batch=batch, actor_id=actor_id)
    finally:
        batch.discard()
