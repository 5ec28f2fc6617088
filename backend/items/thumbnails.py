"""Thumbnails: a small WebP next to each image, made by a worker job or on first request.

Idempotent: the thumbnail of a media key always has the same key and is written to a staging file
and renamed into place, so the job and a request making it at once both end with the same file.
WebP keeps transparency and every current browser shows it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PIL import Image
from sqlmodel import Session

from backend.items import storage
from backend.items.media_store import get_store
from backend.items.models import Item

MAX_SIDE = 320
QUALITY = 80


def ensure_thumbnail(*, session: Session, item: Item) -> str | None:
    """Make the item's thumbnail unless it exists; set ``thumbnail_key``. ``None`` for texts.

    The caller commits. ``FileNotFoundError`` when the media file itself is gone.
    """
    if item.media_key is None:
        return None
    key = storage.thumbnail_key(item.media_key)
    store = get_store()
    if not store.exists(key):
        with tempfile.TemporaryDirectory(dir=storage.staging_dir()) as scratch:
            _render(store.fetch(item.media_key, Path(scratch)), key)
    if item.thumbnail_key != key:
        item.thumbnail_key = key
        session.add(item)
    return key


def _render(source: Path, key: str) -> None:
    staged = storage.new_staging_path(".webp")
    try:
        with Image.open(source) as image:
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            if image.mode in ("I;16", "I", "F"):  # 16-bit and float scans: to 8-bit grey
                image = image.convert("L")
            if image.mode not in ("RGB", "RGBA"):
                image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
            image.save(staged, format="WEBP", quality=QUALITY)
        storage.promote(staged, key)
    finally:
        staged.unlink(missing_ok=True)
