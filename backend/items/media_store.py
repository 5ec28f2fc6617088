"""Where media originals and thumbnails live: a local folder (the default) or an S3 bucket.

``JINBIAO_MEDIA_URL=s3://bucket/prefix`` (with ``JINBIAO_S3_ENDPOINT_URL`` for MinIO, Ceph or
any S3-compatible store; credentials and region from the standard ``AWS_*`` environment
variables, as boto3 reads them) puts every file in the bucket, so several API hosts and workers
share one store; unset, files stay under ``JINBIAO_MEDIA_ROOT`` (``<data dir>/media``).

Uploads are still hashed, checked and staged on local disk first (``storage.stage_stream``);
only the finished file is put in the store under its final key, so a reader never sees half a
file in either store. The API streams S3 objects to the client itself rather than redirecting
to a presigned URL: the organization check stays on every request, ETag/304 works the same for
both stores, the bucket need not be reachable from browsers, and the CSP needs no other origin.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from backend.settings import get_settings

STREAM_CHUNK = 256 * 1024


class MediaStore(Protocol):
    local: bool

    def put(self, staged: Path, key: str) -> None:
        """Move the staged file into the store under ``key`` (the staged file is consumed)."""

    def exists(self, key: str) -> bool: ...

    def remove(self, key: str) -> None:
        """Remove the object; a missing one is fine."""

    def fetch(self, key: str, scratch: Path) -> Path:
        """A local file with the object's bytes: the file itself for a local store, a copy in
        ``scratch`` for S3. ``FileNotFoundError`` when missing."""

    def open_stream(self, key: str) -> tuple[Iterator[bytes], int, str]:
        """(chunks, size, etag) to serve the object. ``FileNotFoundError`` when missing."""


@dataclass(frozen=True)
class LocalStore:
    root: Path
    local: bool = True

    def path(self, key: str) -> Path:
        """Keys are made by ``storage.new_key`` only, never taken from a request."""
        return self.root / key

    def put(self, staged: Path, key: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)  # atomic rename on one filesystem

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def remove(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def fetch(self, key: str, scratch: Path) -> Path:
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return path

    def open_stream(self, key: str) -> tuple[Iterator[bytes], int, str]:
        raise NotImplementedError("a local store is served with FileResponse")


class S3Store:
    local = False

    def __init__(self, *, bucket: str, prefix: str, client: Any) -> None:
        self.bucket, self.prefix, self.client = bucket, prefix.strip("/"), client

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, staged: Path, key: str) -> None:
        self.client.upload_file(str(staged), self.bucket, self._key(key))
        staged.unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.ClientError as exc:
            if _missing(exc):
                return False
            raise
        return True

    def remove(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def fetch(self, key: str, scratch: Path) -> Path:
        target = scratch / "s3" / key
        if target.is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        try:
            self.client.download_file(self.bucket, self._key(key), str(partial))
        except self.client.exceptions.ClientError as exc:
            partial.unlink(missing_ok=True)
            if _missing(exc):
                raise FileNotFoundError(key) from None
            raise
        os.replace(partial, target)
        return target

    def open_stream(self, key: str) -> tuple[Iterator[bytes], int, str]:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(key) from None
        body = answer["Body"]

        def chunks() -> Iterator[bytes]:
            with contextlib.closing(body):
                yield from body.iter_chunks(STREAM_CHUNK)

        return chunks(), int(answer["ContentLength"]), answer["ETag"].strip('"')


def _missing(exc: Any) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


def s3_client(endpoint_url: str) -> Any:
    import boto3  # only a deployment with S3 media needs it loaded

    return boto3.client("s3", endpoint_url=endpoint_url or None)


@functools.cache
def _store(media_url: str, endpoint_url: str, root: str) -> MediaStore:
    if media_url.startswith("s3://"):
        parts = urlsplit(media_url)
        return S3Store(bucket=parts.netloc, prefix=parts.path, client=s3_client(endpoint_url))
    return LocalStore(Path(root))


def get_store() -> MediaStore:
    """The store the settings name (one per configuration, made once)."""
    settings = get_settings()
    return _store(settings.media_url, settings.s3_endpoint_url, str(settings.media_root))
