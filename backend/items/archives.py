"""Zip archives of images, with optional metadata (JSONL or CSV with a ``file`` column) inside.

Members are never written under their own names (each is staged under a random name), so a
hostile path could not escape anyway; still, an archive holding an absolute path, a ``..`` part
or a symbolic link is refused whole: it was made to attack, and none of it is trusted. So is an
archive whose metadata has a bad line: which image the line meant cannot be known.
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from typing import BinaryIO

from backend.items import tables
from backend.items.batch import Batch, RowExtras, RowFailed

_DRIVE = re.compile(r"^[A-Za-z]:")
# What zip readers raise on a damaged or unsupported member.
MEMBER_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


def unsafe_reason(info: zipfile.ZipInfo) -> str | None:
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name):
        return "an absolute path"
    if ".." in name.split("/"):
        return "a path that leaves the archive ('..')"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a symbolic link"
    return None


def _skipped(info: zipfile.ZipInfo) -> bool:
    """Folders and the litter of archivers (macOS resource forks, .DS_Store)."""
    name = info.filename.replace("\\", "/")
    base = name.rsplit("/", 1)[-1]
    return info.is_dir() or name.startswith("__MACOSX/") or base.startswith(".")


def read_zip(batch: Batch, stream: BinaryIO, *, source: str) -> None:
    """Add the images of an archive to the batch; archive-wide problems become one error."""
    start = batch.next_free_row()
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError):
        batch.fail(start, f"{source}: not a valid zip archive", source=source)
        return
    with archive:
        infos = archive.infolist()
        for info in infos:
            if reason := unsafe_reason(info):
                batch.fail(
                    start,
                    f"{source}: member {info.filename!r} is {reason}; the archive was refused",
                    source=source,
                )
                return
        members = [info for info in infos if not _skipped(info)]
        limit = batch.settings.max_zip_members
        if len(members) > limit:
            batch.fail(
                start,
                f"{source}: {len(members):,} members, more than the limit of {limit:,} "
                "(JINBIAO_MAX_ZIP_MEMBERS)",
                source=source,
                too_large=True,
            )
            return
        metadata = _read_metadata(batch, archive, members, source=source, start=start)
        if metadata is None:
            return
        for info in members:
            if tables.is_table(info.filename):
                continue
            _read_member(batch, archive, info, metadata.pop(info.filename, None), source=source)
        for name in metadata:
            batch.fail(
                start,
                f"{source}: the metadata names {name!r}, which is not in the archive",
                source=source,
                loc=["file"],
            )


def _read_member(
    batch: Batch,
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    extras: RowExtras | None,
    *,
    source: str,
) -> None:
    where = f"{source}:{info.filename}"
    index = batch.next_row()
    if info.file_size > batch.settings.max_file_bytes:
        batch.fail(
            index,
            f"file of {info.file_size:,} bytes is larger than the limit of "
            f"{batch.settings.max_file_bytes:,} (JINBIAO_MAX_FILE_BYTES)",
            source=where,
            too_large=True,
        )
        return
    extras = extras or RowExtras()
    if extras.external_id is None:
        extras.external_id = info.filename
    try:
        with archive.open(info) as member:
            batch.add_image(member, extras, source=where, index=index)
    except MEMBER_ERRORS as exc:
        batch.fail(index, f"cannot read this member: {exc}", source=where)


def _read_metadata(
    batch: Batch,
    archive: zipfile.ZipFile,
    members: list[zipfile.ZipInfo],
    *,
    source: str,
    start: int,
) -> dict[str, RowExtras] | None:
    """``file`` → fields from every JSONL/CSV member; ``None`` when the archive is refused."""
    found: dict[str, RowExtras] = {}
    for info in members:
        if not tables.is_table(info.filename):
            continue
        where = f"{source}:{info.filename}"
        try:
            with archive.open(info) as fh:
                for line, record in tables.records(
                    fh, name=info.filename, content="file", max_field_chars=1_000_000
                ):
                    try:
                        if isinstance(record, RowFailed):
                            raise record
                        found[str(record["file"])] = tables.extras_of(record, content="file")
                    except RowFailed as exc:
                        batch.fail(start, f"line {line}: {exc.message}", source=where, loc=exc.loc)
                        return None
        except tables.TableFailed as exc:
            batch.fail(start, f"metadata: {exc}", source=where, loc=exc.loc)
            return None
        except MEMBER_ERRORS as exc:
            batch.fail(start, f"cannot read this member: {exc}", source=where)
            return None
    return found
