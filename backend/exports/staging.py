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

The zip is then a concatenation of ready entries (``_ZipWriter``: local headers, data, central
directory, ZIP64 records when sizes or counts need them, as ``zipfile`` writes them) with a fixed
timestamp (1980-01-01, the earliest a zip can hold), fixed permissions and a fixed deflate level;
its own sha256 is taken while it is written. The deflate output depends only on the bytes and the
level (zlib never decides on timing: without a flush it waits for a full window of input), so the
same inputs give the same zip.
"""

from __future__ import annotations

import hashlib
import queue
import sqlite3
import struct
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
COPY_CHUNK = 1024 * 1024
STREAM_BUFFER = 1024 * 1024  # characters buffered by a stream before it is handed on
_QUEUE_DEPTH = 4  # pieces waiting for the background thread: at most ~4 MB of text
_COMMIT_EVERY = 2000
STORED, DEFLATED = 0, 8


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
            self._insert(name, packed, None, len(data), len(packed), crc, sha, DEFLATED)
        else:
            self._insert(name, data, None, len(data), len(data), crc, sha, STORED)

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
        self._insert(name, None, str(path), size, size, crc, digest.hexdigest(), STORED)

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

    def _insert(
        self,
        name: str,
        data: bytes | None,
        path: str | None,
        size: int,
        csize: int,
        crc: int,
        sha: str,
        method: int,
    ) -> None:
        self._db.execute(
            "INSERT INTO entry VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (name, data, path, size, csize, crc, sha, method),
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
            self._insert(
                stream.name,
                None,
                str(stream.path),
                stream.size,
                stream.csize,
                stream.crc,
                stream.sha256,
                DEFLATED,
            )
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
            writer = _ZipWriter(target)
            for n, (name, data, path, size, csize, crc, method) in enumerate(rows, start=1):
                if tick is not None and n % 500 == 0:
                    tick()
                writer.entry(name, data, path, size, csize, crc, method)
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


# The sizes past which ``zipfile`` writes ZIP64 records; tests lower them to exercise that path.
ZIP64_LIMIT = (1 << 31) - 1
ZIP_FILECOUNT_LIMIT = (1 << 16) - 1
_MAX_32 = 0xFFFFFFFF
_DOS_DATE = (ZIP_EPOCH[0] - 1980) << 9 | ZIP_EPOCH[1] << 5 | ZIP_EPOCH[2]
_DOS_TIME = ZIP_EPOCH[3] << 11 | ZIP_EPOCH[4] << 5 | ZIP_EPOCH[5] // 2
_UNIX_644 = 0o644 << 16  # rw-r--r--, in the high half as Unix zips hold it


class _ZipWriter:
    """Entries whose CRC, sizes and (deflated) bytes are known up front, written as
    ``zipfile`` would write them: no data descriptors, UTF-8 flag for non-ASCII names, made by
    Unix (3) with mode 0644, ZIP64 extra fields and end records only where needed."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.offset = 0
        self.sha256 = hashlib.sha256()
        self.central: list[bytes] = []
        self.count = 0
        self._central_file: IO[bytes] | None = None
        self._central_size = 0

    def _write(self, data: bytes) -> None:
        self.target.write(data)
        self.sha256.update(data)
        self.offset += len(data)

    def entry(
        self,
        name: str,
        data: bytes | None,
        path: str | None,
        size: int,
        csize: int,
        crc: int,
        method: int,
    ) -> None:
        encoded, flags = _encode_name(name)
        header_offset = self.offset
        zip64 = size > ZIP64_LIMIT or csize > ZIP64_LIMIT
        version = 45 if zip64 else 20
        extra = struct.pack("<HHQQ", 1, 16, size, csize) if zip64 else b""
        self._write(
            struct.pack(
                "<4s5H3L2H",
                b"PK\x03\x04",
                version,
                flags,
                method,
                _DOS_TIME,
                _DOS_DATE,
                crc,
                _MAX_32 if zip64 else csize,
                _MAX_32 if zip64 else size,
                len(encoded),
                len(extra),
            )
            + encoded
            + extra
        )
        if data is not None:
            self._write(data)
        else:
            assert path is not None
            with open(path, "rb") as source:
                while chunk := source.read(COPY_CHUNK):
                    self._write(chunk)
        self._add_central(encoded, flags, method, crc, size, csize, header_offset)

    def _add_central(
        self, encoded: bytes, flags: int, method: int, crc: int, size: int, csize: int, at: int
    ) -> None:
        values = []
        big = size > ZIP64_LIMIT or csize > ZIP64_LIMIT
        if big:
            values += [size, csize]
        if at > ZIP64_LIMIT:
            values.append(at)
        extra = struct.pack(f"<HH{len(values)}Q", 1, 8 * len(values), *values) if values else b""
        version = 45 if values else 20
        record = (
            struct.pack(
                "<4s4B4H3L5H2L",
                b"PK\x01\x02",
                version,
                3,  # made by: version, Unix
                version,
                0,
                flags,
                method,
                _DOS_TIME,
                _DOS_DATE,
                crc,
                _MAX_32 if big else csize,
                _MAX_32 if big else size,
                len(encoded),
                len(extra),
                0,
                0,
                0,
                _UNIX_644,
                _MAX_32 if at > ZIP64_LIMIT else at,
            )
            + encoded
            + extra
        )
        # The central directory of a 100,000-file zip is a few MB: spilled to a file as it grows.
        self.central.append(record)
        self._central_size += len(record)
        self.count += 1
        if len(self.central) >= 4096:
            self._spill()

    def _spill(self) -> None:
        if self._central_file is None:
            self._central_file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finish
        self._central_file.write(b"".join(self.central))
        self.central = []

    def finish(self) -> None:
        start = self.offset
        if self._central_file is not None:
            self._spill()
            self._central_file.seek(0)
            while chunk := self._central_file.read(COPY_CHUNK):
                self._write(chunk)
            self._central_file.close()
        self._write(b"".join(self.central))
        size = self.offset - start
        count = self.count
        if count > ZIP_FILECOUNT_LIMIT or start > ZIP64_LIMIT or size > ZIP64_LIMIT:
            end64 = self.offset
            self._write(
                struct.pack(
                    "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size, start
                )
            )
            self._write(struct.pack("<4sLQL", b"PK\x06\x07", 0, end64, 1))
            count = min(count, 0xFFFF)
            size = min(size, _MAX_32)
            start = min(start, _MAX_32)
        self._write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, size, start, 0))


def _encode_name(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), 0x800
