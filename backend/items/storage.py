"""Media files: staged on local disk under ``settings.media_root``, then put in the media store
(``media_store.py``: that same folder by default, or an S3 bucket).

Files are first written to ``.staging/``, then moved (renamed, or uploaded) into place, so a
reader never sees half a file. Every stored file gets a key of its own (content hash plus a random
suffix): two imports of the same bytes never share a file, so removing the loser of a race never
removes the winner's media. The thumbnail of ``a/b/k.png`` is ``a/b/k.thumb.webp``.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from backend.items.media_store import get_store
from backend.settings import get_settings

CHUNK = 1024 * 1024
STAGING = ".staging"
THUMB_SUFFIX = ".thumb.webp"


class TooLarge(ValueError):
    """The stream is longer than the limit it was copied under."""


@dataclass(frozen=True)
class StagedFile:
    path: Path
    sha256: str
    size: int


def media_root() -> Path:
    root = get_settings().media_root
    assert root is not None  # filled by Settings
    return root


def staging_dir() -> Path:
    folder = media_root() / STAGING
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_staging_path(suffix: str = "") -> Path:
    return staging_dir() / f"{uuid.uuid4().hex}{suffix}"


def stage_stream(stream: BinaryIO, *, max_bytes: int) -> StagedFile:
    """Copy a stream to a staging file while hashing it; ``TooLarge`` past ``max_bytes``."""
    path = new_staging_path()
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"larger than the limit of {max_bytes:,} bytes")
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StagedFile(path=path, sha256=digest.hexdigest(), size=size)


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def new_key(*, project_id: int, sha256: str, ext: str) -> str:
    return f"p{project_id}/{sha256[:2]}/{sha256}-{secrets.token_hex(4)}.{ext}"


def path_of(key: str) -> Path:
    """A local file with the stored object's bytes, for code that reads media (templates,
    model training, outside-model links): the file itself in a local store; from S3, a copy kept
    under ``<data dir>/media-cache`` (keys never change their bytes, so a copy stays valid).
    A key that does not exist gives a path that does not exist, as for a local store."""
    store = get_store()
    if store.local:
        return store.path(key)  # type: ignore[attr-defined, no-any-return]
    cache = get_settings().data_dir / "media-cache"
    copy = cache / "s3" / key
    if copy.is_file():
        return copy
    try:
        return store.fetch(key, cache)
    except FileNotFoundError:
        return copy


def promote(staged: Path, key: str) -> None:
    """Move a staged file into the media store under its key."""
    get_store().put(staged, key)


def thumbnail_key(media_key: str) -> str:
    stem = media_key.rsplit(".", 1)[0]
    return f"{stem}{THUMB_SUFFIX}"


def remove(key: str) -> None:
    """Remove a stored file and its thumbnail, if any; missing files are fine."""
    store = get_store()
    store.remove(key)
    store.remove(thumbnail_key(key))


def remove_staging(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
