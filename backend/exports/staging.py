"""The files of a build, staged on disk and written into the zip in name order.

A zip is byte-identical across rebuilds only if its entries come in a fixed order with fixed
metadata. Formats produce files in item order (and COCO needs several streams at once), so each
file is first staged, and indexed in a scratch SQLite database whose primary key is the entry
name. Writing the zip then walks that index in name order (an index scan: no sort in memory).

Each entry is compressed once, while it is staged, and its sha256 (for the manifest), CRC-32 and
sizes are taken in the same pass:

* streams (``open_stream``): formats write text as they go; it is buffered, and every
  megabyte handed to a background thread that hashes, deflates and appends it to a spool file —
  zlib, hashlib and file writes release the GIL, so this runs beside the Python that formats the
  next items, and the data is never read back before the zip;
* small entries (``add_bytes``): deflated at once, kept in the index;
* files by path (media): hashed now, stored as they are (images are compressed already).

The zip is then a concatenation of ready entries (``backend.exports.zip_writer``) with a fixed
deflate level. The deflate output depends only on the bytes and the level (zlib never decides on
timing: without a flush it waits for a full window of input), so the same inputs give the same
zip.
"""

from __future__ import annotations

import hashlib
import queue
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from backend.exports.zip_writer import COPY_CHUNK, DEFLATED, STORED, Entry, ZipWriter

STREAM_BUFFER = 1024 * 1024  # characters buffered by a stream before it is handed on
_QUEUE_DEPTH = 4  # pieces waiting for the background thread: at most ~4 MB of text
_COMMIT_EVERY = 2000


class Staging:
    def __init__(self, folder: Path, *, level: int = 6) -> None:
        self.folder = folder
        self.level = level
        (folder / "spool").mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(folder / "index.sqlite")
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(
            "CREATE TABLE entry (name TEXT PRIMARY KEY, data BLOB, path TEXT,"
            " size INTEGER NOT NULL, csize INTEGER NOT NULL, crc INTEGER NOT NULL,"
            " sha256 TEXT NOT NULL, method INTEGER NOT NULL)"
        )
        self._pending = 0
        self._spools = 0
        self._streams: list[EntryStream] = []
        self._worker = _Worker()

    # -- staging ---------------------------------------------------------------------------

    def add_bytes(self, name: str, data: bytes, *, compress: bool = True) -> None:
        crc = zlib.crc32(data)
        sha = hashlib.sha256(data).hexdigest()
        if compress:
            packer = zlib.compressobj(self.level, zlib.DEFLATED, -15)
            packed = packer.compress(data) + packer.flush()
            self._insert(Entry(name, packed, None, len(data), len(packed), crc, DEFLATED), sha)
        else:
            self._insert(Entry(name, data, None, len(data), len(data), crc, STORED), sha)

    def add_file(self, name: str, path: Path, *, compress: bool = False) -> None:
        """Stage a file by path: media are hashed now and copied as they are at zip time; with
        ``compress`` the file is deflated into a spool now (and may be deleted afterwards)."""
        if compress:
            stream = self.open_stream(name)
            with path.open("rb") as source:
                while chunk := source.read(COPY_CHUNK):
                    stream.write_bytes(chunk)
            stream.close()
            return
        digest = hashlib.sha256()
        crc = size = 0
        with path.open("rb") as source:
            while chunk := source.read(COPY_CHUNK):
                digest.update(chunk)
                crc = zlib.crc32(chunk, crc)
                size += len(chunk)
        self._insert(Entry(name, None, str(path), size, size, crc, STORED), digest.hexdigest())

    def open_stream(self, name: str) -> EntryStream:
        """A text stream that becomes the entry ``name`` when closed (deflated, hashed)."""
        stream = EntryStream(self, name, self.spool_path())
        self._streams.append(stream)
        return stream

    def spool_path(self) -> Path:
        """A fresh scratch file for a format's own intermediate data."""
        self._spools += 1
        return self.folder / "spool" / f"{self._spools:06d}"

    def open_spool(self) -> tuple[Path, IO[str]]:
        path = self.spool_path()
        return path, path.open("w", encoding="utf-8", newline="")

    def _insert(self, entry: Entry, sha256: str) -> None:
        self._db.execute(
            "INSERT INTO entry (name, data, path, size, csize, crc, method, sha256)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (*entry, sha256),
        )
        self._pending += 1
        if self._pending >= _COMMIT_EVERY:
            self._db.commit()
            self._pending = 0

    def _settle(self) -> None:
        """Wait for the background thread and index the streams it finished."""
        self._worker.drain()
        for stream in self._streams:
            if not stream.closed:
                raise RuntimeError(f"stream {stream.name} was never closed")
            entry = Entry(
                stream.name, None, str(stream.path), stream.size, stream.csize, stream.crc, DEFLATED
            )
            self._insert(entry, stream.sha256)
        self._streams = []
        self._db.commit()

    # -- reading back ----------------------------------------------------------------------

    def checksums(self) -> Iterator[tuple[str, int, str]]:
        """(name, size, sha256) of every staged entry, in name order."""
        self._settle()
        yield from self._db.execute("SELECT name, size, sha256 FROM entry ORDER BY name")

    def write_zip(self, out: Path, *, tick: Callable[[], None] | None = None) -> tuple[str, int]:
        """Write the zip; ``tick`` is called every few hundred entries (the build's heartbeat).
        Answers the zip's sha256 and size."""
        self._settle()
        rows = self._db.execute(
            "SELECT name, data, path, size, csize, crc, method FROM entry ORDER BY name"
        )
        with out.open("wb") as target:
            writer = ZipWriter(target)
            for n, row in enumerate(rows, start=1):
                if tick is not None and n % 500 == 0:
                    tick()
                writer.entry(Entry._make(row))
            writer.finish()
        return writer.sha256.hexdigest(), writer.offset

    def close(self) -> None:
        self._worker.stop()
        self._db.close()


class EntryStream:
    """Text (or bytes) written in order, deflated and hashed by the background thread."""

    def __init__(self, staging: Staging, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self.closed = False
        self._worker = staging._worker
        self._parts: list[str] = []
        self._buffered = 0
        self._file = path.open("wb")
        self._packer = zlib.compressobj(staging.level, zlib.DEFLATED, -15)
        self._digest = hashlib.sha256()
        self.size = self.csize = self.crc = 0
        self.sha256 = ""

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._buffered += len(text)
        if self._buffered >= STREAM_BUFFER:
            self._hand_on()

    def write_bytes(self, data: bytes) -> None:
        self._hand_on()
        self._worker.submit(self._take, data)

    def _hand_on(self) -> None:
        if self._parts:
            data = "".join(self._parts).encode()
            self._parts = []
            self._buffered = 0
            self._worker.submit(self._take, data)

    def close(self) -> None:
        if not self.closed:
            self._hand_on()
            self._worker.submit(self._finish)
            self.closed = True

    # In the background thread, in submission order:

    def _take(self, data: bytes) -> None:
        self._digest.update(data)
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        packed = self._packer.compress(data)
        self.csize += len(packed)
        self._file.write(packed)

    def _finish(self) -> None:
        packed = self._packer.flush()
        self.csize += len(packed)
        self._file.write(packed)
        self._file.close()
        self.sha256 = self._digest.hexdigest()


class _Worker:
    """One background thread running submitted calls in order; its first error is raised in
    the submitting thread at the next ``submit`` or ``drain``."""

    def __init__(self) -> None:
        self._tasks: queue.Queue[Any] = queue.Queue(maxsize=_QUEUE_DEPTH)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def submit(self, call: Callable[..., None], *args: Any) -> None:
        self._raise()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="export-deflate", daemon=True)
            self._thread.start()
        self._tasks.put((call, args))

    def drain(self) -> None:
        if self._thread is not None:
            self._tasks.join()
        self._raise()

    def stop(self) -> None:
        if self._thread is not None:
            self._tasks.put(None)
            self._thread.join()
            self._thread = None

    def _raise(self) -> None:
        if self._error is not None:
            raise RuntimeError("staging a file failed") from self._error

    def _run(self) -> None:
        while True:
            task = self._tasks.get()
            try:
                if task is None:
                    return
                if self._error is None:
                    call, args = task
                    call(*args)
            except BaseException as exc:  # kept for the building thread
                self._error = exc
            finally:
                self._tasks.task_done()
