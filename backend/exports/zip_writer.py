"""The zip of a build, written from entries whose bytes, CRC and sizes are known up front.

Staging (``backend.exports.staging``) compresses and hashes every entry once, as it is staged;
the zip is then a concatenation of ready entries — local headers, data, central directory, ZIP64
records when sizes or counts need them, as ``zipfile`` writes them — with a fixed timestamp
(1980-01-01, the earliest a zip can hold) and fixed permissions, so the same entries give the
same bytes. Its own sha256 is taken while it is written.
"""

from __future__ import annotations

import hashlib
import struct
import tempfile
from typing import IO, NamedTuple

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
COPY_CHUNK = 1024 * 1024
STORED, DEFLATED = 0, 8

# The sizes past which ``zipfile`` writes ZIP64 records; tests lower them to exercise that path.
ZIP64_LIMIT = (1 << 31) - 1
ZIP_FILECOUNT_LIMIT = (1 << 16) - 1
_MAX_32 = 0xFFFFFFFF
_DOS_DATE = (ZIP_EPOCH[0] - 1980) << 9 | ZIP_EPOCH[1] << 5 | ZIP_EPOCH[2]
_DOS_TIME = ZIP_EPOCH[3] << 11 | ZIP_EPOCH[4] << 5 | ZIP_EPOCH[5] // 2
_UNIX_644 = 0o644 << 16  # rw-r--r--, in the high half as Unix zips hold it


class Entry(NamedTuple):
    """An entry ready for the zip: its (deflated or stored) bytes, or the file that holds them."""

    name: str
    data: bytes | None
    path: str | None
    size: int
    csize: int
    crc: int
    method: int


class ZipWriter:
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

    def entry(self, entry: Entry) -> None:
        name, data, path, size, csize, crc, method = entry
        encoded, flags = _encode_name(name)
        header_offset = self.offset
        zip64 = size > ZIP64_LIMIT or csize > ZIP64_LIMIT
        version = 45 if zip64 else 20
        extra = struct.pack("<HHQQ", 1, 16, size, csize) if zip64 else b""
        sizes = (_MAX_32, _MAX_32) if zip64 else (csize, size)
        self._write(
            struct.pack("<4sH", b"PK\x03\x04", version)
            + _shared_fields(flags, method, crc, *sizes, len(encoded), len(extra))
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
        sizes = (_MAX_32, _MAX_32) if big else (csize, size)
        record = (
            struct.pack("<4s4B", b"PK\x01\x02", version, 3, version, 0)  # made by: Unix (3)
            + _shared_fields(flags, method, crc, *sizes, len(encoded), len(extra))
            + struct.pack("<3H2L", 0, 0, 0, _UNIX_644, _MAX_32 if at > ZIP64_LIMIT else at)
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


def _shared_fields(
    flags: int, method: int, crc: int, csize: int, size: int, name_length: int, extra_length: int
) -> bytes:
    """The run of fields that a local header and its central directory record share."""
    return struct.pack(
        "<4H3L2H", flags, method, _DOS_TIME, _DOS_DATE, crc, csize, size, name_length, extra_length
    )


def _encode_name(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), 0x800
