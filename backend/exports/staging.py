"""The files of a build, staged on disk and written into the zip in name order.

A zip is byte-identical across rebuilds only if its entries come in a fixed order with fixed
metadata. Formats produce files in item order (and COCO needs several streams at once), so each
file is first staged: small ones as blobs, large ones as spool files, media by path, all indexed in
a scratch SQLite database whose primary key is the entry name. Writing the zip then walks that
index in name order (an index scan: no sort in memory) with a fixed timestamp (1980-01-01, the
earliest a zip can hold), fixed permissions and fixed compression. The sha256 of every entry is
taken while staging, for the manifest.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
COPY_CHUNK = 1024 * 1024
_COMMIT_EVERY = 2000


class Staging:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        (folder / "spool").mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(folder / "index.sqlite")
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(
            "CREATE TABLE entry (name TEXT PRIMARY KEY, data BLOB, path TEXT,"
            " size INTEGER NOT NULL, sha256 TEXT NOT NULL, compress INTEGER NOT NULL)"
        )
        self._pending = 0
        self._spools = 0

    def add_bytes(self, name: str, data: bytes, *, compress: bool = True) -> None:
        self._insert(name, data, None, len(data), hashlib.sha256(data).hexdigest(), compress)

    def add_file(self, name: str, path: Path, *, compress: bool = False) -> None:
        """Stage a file by path (media, spools); it is hashed now and copied at zip time."""
        digest = hashlib.sha256()
        size = 0
        with path.open("rb") as source:
            while chunk := source.read(COPY_CHUNK):
                digest.update(chunk)
                size += len(chunk)
        self._insert(name, None, str(path), size, digest.hexdigest(), compress)

    def spool_path(self) -> Path:
        """A fresh scratch file for a format to write a large entry into."""
        self._spools += 1
        return self.folder / "spool" / f"{self._spools:06d}"

    def open_spool(self) -> tuple[Path, IO[str]]:
        path = self.spool_path()
        return path, path.open("w", encoding="utf-8", newline="")

    def _insert(
        self, name: str, data: bytes | None, path: str | None, size: int, sha: str, compress: bool
    ) -> None:
        self._db.execute(
            "INSERT INTO entry VALUES (?, ?, ?, ?, ?, ?)", (name, data, path, size, sha, compress)
        )
        self._pending += 1
        if self._pending >= _COMMIT_EVERY:
            self._db.commit()
            self._pending = 0

    def checksums(self) -> Iterator[tuple[str, int, str]]:
        """(name, size, sha256) of every staged entry, in name order."""
        yield from self._db.execute("SELECT name, size, sha256 FROM entry ORDER BY name")

    def write_zip(self, out: Path, *, tick: Callable[[], None] | None = None) -> None:
        """Write the zip; ``tick`` is called every few hundred entries (the build's heartbeat)."""
        self._db.commit()
        rows = self._db.execute("SELECT name, data, path, size, compress FROM entry ORDER BY name")
        with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
            for n, (name, data, path, size, compress) in enumerate(rows, start=1):
                if tick is not None and n % 500 == 0:
                    tick()
                info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
                info.create_system = 3  # Unix, whatever the building machine
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
                info.file_size = size
                with archive.open(info, "w") as target:
                    if data is not None:
                        target.write(data)
                    else:
                        with open(path, "rb") as source:
                            shutil.copyfileobj(source, target, COPY_CHUNK)

    def close(self) -> None:
        self._db.close()
