"""Media answers with validators: a strong ETag (the sha256 of the bytes) and 304 on a match.

Media never change under a key, so browsers may keep them; ``private`` because they belong to
one organization and must not sit in shared caches.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request, Response, status
from fastapi.responses import FileResponse, StreamingResponse

from backend.items.media_store import MediaStore

CACHE_CONTROL = "private, max-age=86400"
# The types an import can store (``items/images.py`` re-derives them from the decoded bytes, never
# from the upload's claim). Anything else — a row edited by hand, a future import path — is
# served as a download, so a browser can never render stored bytes as HTML or SVG script.
INLINE_MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/bmp"})


def _matches(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    # If-None-Match uses the weak comparison: W/"x" matches "x".
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def media_response(request: Request, *, path: Path, sha256: str, media_type: str) -> Response:
    etag = f'"{sha256}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if _matches(request, etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    if media_type not in INLINE_MEDIA_TYPES:
        return FileResponse(
            path,
            media_type="application/octet-stream",
            headers={**headers, "Content-Disposition": f'attachment; filename="{path.name}"'},
        )
    return FileResponse(path, media_type=media_type, headers=headers)


def stored_media_response(
    request: Request, *, store: MediaStore, key: str, sha256: str | None, media_type: str
) -> Response:
    """The object under ``key``: a file answer from a local store, streamed from S3 (see
    ``media_store``). ``sha256`` None: the ETag is the file's hash (local) or the object's ETag
    (S3). ``FileNotFoundError`` when the object is missing."""
    if store.local:
        path = store.fetch(key, Path())
        return media_response(
            request, path=path, sha256=sha256 or _hash(path), media_type=media_type
        )
    chunks, size, object_etag = store.open_stream(key)
    etag = f'"{sha256 or object_etag}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Content-Length": str(size)}
    if _matches(request, etag):
        chunks.close()  # type: ignore[attr-defined]
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    if media_type not in INLINE_MEDIA_TYPES:
        name = key.rsplit("/", 1)[-1]
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
        media_type = "application/octet-stream"
    return StreamingResponse(chunks, media_type=media_type, headers=headers)


def _hash(path: Path) -> str:
    from backend.items.storage import hash_file

    return hash_file(path)
