"""Turn a JSON import body or a set of uploaded files into the rows of a ``Batch``."""

from __future__ import annotations

import base64
import binascii
import io
import os
from pathlib import Path
from typing import BinaryIO, Protocol

from backend.items import archives, images, references, storage, tables
from backend.items.batch import Batch, RowExtras, RowFailed
from backend.items.schemas import ItemIn

ZIP_MAGIC = b"PK\x03\x04"


class Upload(Protocol):
    """What a reader needs of an uploaded file (Starlette's ``UploadFile`` fits)."""

    filename: str | None
    file: BinaryIO
    size: int | None


def read_json_items(batch: Batch, items: list[ItemIn]) -> None:
    for item in items:
        extras = RowExtras(
            external_id=item.external_id,
            meta=item.meta,
            prelabel=item.prelabel,
            priority=item.priority,
        )
        if item.text is not None:
            batch.add_text(item.text, extras)
            continue
        index = batch.next_row()
        try:
            if item.image_base64 is not None:
                stream = io.BytesIO(
                    _decode_base64(item.image_base64, batch.settings.max_file_bytes)
                )
                batch.add_image(stream, extras, index=index)
            else:
                assert item.image_path is not None
                if extras.external_id is None:
                    extras.external_id = item.image_path
                with _open_under_root(item.image_path, batch.settings.import_root) as stream:
                    batch.add_image(stream, extras, index=index, source=item.image_path)
        except RowFailed as exc:
            batch.fail(index, exc.message, loc=exc.loc, too_large=exc.too_large, code=exc.code)
            continue
        if item.reference_image is not None:
            _add_reference(batch, index, item.reference_image)


def _add_reference(batch: Batch, index: int, raw: str) -> None:
    """Stage and check the template image of the row just added; a bad one fails the row."""
    if not batch.rows or batch.rows[-1].index != index:
        return  # the image itself failed
    checked = None
    try:
        try:
            if raw.startswith("data:"):
                stream: BinaryIO = io.BytesIO(_decode_base64(raw, batch.settings.max_file_bytes))
            else:
                stream = _open_under_root(raw, batch.settings.import_root)
            with stream:
                staged = storage.stage_stream(stream, max_bytes=batch.settings.max_file_bytes)
            checked = references.check_reference(staged, max_pixels=batch.settings.max_image_pixels)
        except storage.TooLarge as exc:
            raise RowFailed(
                f"reference_image: file {exc}", too_large=True, code="file_too_large"
            ) from None
        except images.ImageRejected as exc:
            staged.path.unlink(missing_ok=True)
            raise RowFailed(
                f"reference_image: {exc}",
                too_large=exc.too_large,
                code=exc.code,
            ) from None
    except RowFailed as exc:
        row = batch.rows.pop()
        storage.remove_staging([row.image.staged.path] if row.image is not None else [])
        message = (
            exc.message
            if exc.message.startswith("reference_image")
            else (f"reference_image: {exc.message}")
        )
        batch.fail(index, message, loc=["reference_image"], too_large=exc.too_large, code=exc.code)
        return
    batch.rows[-1].reference = checked


def _decode_base64(value: str, max_bytes: int) -> bytes:
    if value.startswith("data:") and "," in value:  # a data: URL as browsers make them
        value = value.split(",", 1)[1]
    if len(value) * 3 // 4 > max_bytes + 3:
        raise RowFailed(
            f"image larger than the limit of {max_bytes:,} bytes (JINBIAO_MAX_FILE_BYTES)",
            ["image_base64"],
            too_large=True,
            code="file_too_large",
        )
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise RowFailed(
            "image_base64 is not valid base64", ["image_base64"], code="base64_invalid"
        ) from None


def _open_under_root(raw: str, root: Path | None) -> BinaryIO:
    """Open a file named relative to the import root; anything resolving outside is refused.

    The path is resolved (``..`` and every symbolic link followed) before the containment check,
    and the final component is opened with ``O_NOFOLLOW`` so it cannot be swapped for a link.
    """
    if root is None:
        raise RowFailed(
            "image_path imports are switched off: the server sets no JINBIAO_IMPORT_ROOT",
            ["image_path"],
            code="image_path_off",
        )
    base = root.resolve()
    target = (base / raw).resolve()
    if not target.is_relative_to(base):
        raise RowFailed(
            "image_path must be inside the server's import root",
            ["image_path"],
            code="image_path_outside",
        )
    if not target.is_file():
        raise RowFailed(
            "no such file under the import root", ["image_path"], code="image_path_missing"
        )
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        return os.fdopen(os.open(target, flags), "rb")
    except OSError as exc:
        raise RowFailed(
            f"cannot open image_path: {exc.strerror}", ["image_path"], code="image_path_unreadable"
        ) from None


def read_uploads(batch: Batch, uploads: list[Upload]) -> None:
    """Each upload by its kind: zip archive, JSONL/CSV of texts, or one image."""
    for number, upload in enumerate(uploads):
        name = upload.filename or f"file {number + 1}"
        stream = upload.file
        stream.seek(0)
        head = stream.read(4)
        stream.seek(0)
        if name.lower().endswith(".zip") or head == ZIP_MAGIC:
            archives.read_zip(batch, stream, source=name)
        elif tables.is_table(name):
            read_texts(batch, stream, source=name)
        else:
            index = batch.next_row()
            extras = RowExtras(external_id=name)
            if upload.size is not None and upload.size > batch.settings.max_file_bytes:
                batch.fail(
                    index,
                    f"file of {upload.size:,} bytes is larger than the limit of "
                    f"{batch.settings.max_file_bytes:,} (JINBIAO_MAX_FILE_BYTES)",
                    source=name,
                    too_large=True,
                    code="file_too_large",
                )
                continue
            batch.add_image(stream, extras, source=name, index=index)


def read_texts(batch: Batch, stream: BinaryIO, *, source: str) -> None:
    """Texts from a JSONL or CSV file with a ``text`` field or column."""
    start = batch.next_free_row()
    if batch.project.media != "text":
        batch.fail(
            start,
            f"{source}: a file of texts cannot go into a {batch.project.kind} project",
            source=source,
            code="wrong_media",
        )
        return
    try:
        for line, record in tables.records(
            stream, name=source, content="text", max_field_chars=batch.settings.max_text_chars
        ):
            where = f"{source}:line {line}"
            if isinstance(record, RowFailed):
                batch.fail(
                    batch.next_row(), record.message, source=where, loc=record.loc, code=record.code
                )
                continue
            try:
                extras = tables.extras_of(record, content="text")
            except RowFailed as exc:
                batch.fail(batch.next_row(), exc.message, source=where, loc=exc.loc, code=exc.code)
                continue
            batch.add_text(record["text"], extras, source=where)
    except tables.TableFailed as exc:
        batch.fail(start, f"{source}: {exc}", source=source, loc=exc.loc, code=exc.code)
