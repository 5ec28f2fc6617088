"""One import request as a list of checked rows and row errors, before anything is stored.

The readers (JSON body, uploads, zip archives, CSV/JSONL) hand every row to a ``Batch``; it checks
what needs only the project (kind, text rules, image checks, prelabel) and stages image files.
Nothing here touches the database: ``importer.commit_batch`` does, once, for the whole batch.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from fastapi import HTTPException, status

from backend import strict_input
from backend.items import images, storage
from backend.items.schemas import RowError
from backend.kinds import ItemShape, ResultInvalid, get_kind
from backend.projects.models import Project
from backend.settings import Settings

MAX_META_BYTES = 64 * 1024
NUL_MESSAGE = "{field} holds a NUL character (U+0000), which cannot be stored"
BOM = "\ufeff"


@dataclass(frozen=True)
class ProjectRef:
    """What an import needs of its project, read once so no session stays open meanwhile."""

    id: int
    org_id: int
    kind: str
    media: str
    labels: tuple[str, ...]
    overlap: int

    @classmethod
    def of(cls, project: Project) -> ProjectRef:
        return cls(
            id=project.id,
            org_id=project.org_id,
            kind=project.kind,
            media=get_kind(project.kind).media,
            labels=tuple(label["name"] for label in project.labels),
            overlap=project.overlap,
        )


@dataclass
class Row:
    index: int
    source: str | None
    content_hash: str
    text: str | None = None
    image: images.CheckedImage | None = None
    external_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    prelabel: dict[str, Any] | None = None
    priority: float = 0.0
    reference: images.CheckedImage | None = None  # the template image (``references``)


@dataclass
class RowExtras:
    """The optional fields every row may carry, whatever it came from."""

    external_id: str | None = None
    meta: dict[str, Any] | None = None
    prelabel: dict[str, Any] | None = None
    priority: float = 0.0


class RowFailed(Exception):
    """Why a row cannot be imported: the English ``message`` and a stable ``code`` for clients."""

    def __init__(
        self,
        message: str,
        loc: Sequence[str | int] = (),
        *,
        too_large: bool = False,
        code: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.loc = list(loc)
        self.too_large = too_large
        self.code = code


def field_error(field: str, exc: ResultInvalid) -> tuple[str, list[str | int]]:
    """Message and loc of a result error inside ``field``: ``prelabel.boxes.0.label: …``."""
    loc = [field, *exc.loc]
    return f"{'.'.join(str(part) for part in loc)}: {exc.msg}", loc


def text_hash(text: str) -> str:
    """Duplicates ignore Unicode form, line endings and surrounding blanks."""
    normal = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").strip()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


class Batch:
    """Rows of one request, in order; owns the staged files until the importer takes them."""

    def __init__(self, *, project: ProjectRef, settings: Settings) -> None:
        self.project = project
        self.settings = settings
        self.rows: list[Row] = []
        self.errors: list[RowError] = []
        self.too_large: list[bool] = []
        self._count = 0

    # ---- bookkeeping -------------------------------------------------------------------
    def next_row(self) -> int:
        """Reserve the next row number; refuses the request past ``max_items_per_request``."""
        index = self._count
        self._count += 1
        if self._count > self.settings.max_items_per_request:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                detail=f"more than {self.settings.max_items_per_request:,} items in one request; "
                "split the import (JINBIAO_MAX_ITEMS_PER_REQUEST)",
            )
        return index

    def next_free_row(self) -> int:
        """The number the next row will get, for errors about a whole file."""
        return self._count

    def fail(
        self,
        row: int,
        message: str,
        *,
        source: str | None = None,
        loc: Sequence[str | int] = (),
        too_large: bool = False,
        code: str | None = None,
    ) -> None:
        self.errors.append(
            RowError(row=row, message=message, source=source, loc=list(loc), code=code)
        )
        self.too_large.append(too_large)

    def failed(self, row: int, exc: RowFailed, *, source: str | None = None) -> None:
        """``fail`` with what a ``RowFailed`` says."""
        self.fail(
            row, exc.message, source=source, loc=exc.loc, too_large=exc.too_large, code=exc.code
        )

    def discard(self) -> None:
        """Remove every staged file still owned by the batch (after failure or promotion)."""
        storage.remove_staging([r.image.staged.path for r in self.rows if r.image is not None])
        storage.remove_staging(
            [r.reference.staged.path for r in self.rows if r.reference is not None]
        )

    # ---- rows --------------------------------------------------------------------------
    def add_text(self, text: Any, extras: RowExtras, *, source: str | None = None) -> None:
        index = self.next_row()
        try:
            clean = self._check_text(text)
            row = Row(index=index, source=source, content_hash=text_hash(clean), text=clean)
            self._finish(row, extras, ItemShape(text=clean))
        except RowFailed as exc:
            self.failed(index, exc, source=source)

    def add_image(
        self, stream: BinaryIO, extras: RowExtras, *, source: str | None = None, index: int = -1
    ) -> None:
        """Stage, check and keep one image; ``index`` when the caller reserved the row already."""
        index = self.next_row() if index < 0 else index
        checked: images.CheckedImage | None = None
        try:
            if self.project.media != "image":
                raise RowFailed(
                    f"an image cannot go into a {self.project.kind} project (it labels texts)",
                    code="wrong_media",
                )
            try:
                staged = storage.stage_stream(stream, max_bytes=self.settings.max_file_bytes)
            except storage.TooLarge as exc:
                raise RowFailed(f"file {exc}", too_large=True, code="file_too_large") from None
            try:
                checked = images.check_image(staged, max_pixels=self.settings.max_image_pixels)
            except BaseException:
                staged.path.unlink(missing_ok=True)
                raise
            row = Row(index=index, source=source, content_hash=checked.staged.sha256, image=checked)
            self._finish(row, extras, ItemShape(width=checked.width, height=checked.height))
        except images.ImageRejected as exc:
            self.fail(index, str(exc), source=source, too_large=exc.too_large, code=exc.code)
        except RowFailed as exc:
            if checked is not None:
                checked.staged.path.unlink(missing_ok=True)
            self.failed(index, exc, source=source)

    # ---- checks ------------------------------------------------------------------------
    def _check_text(self, text: Any) -> str:
        if self.project.media != "text":
            raise RowFailed(
                f"a text cannot go into a {self.project.kind} project (it labels images)",
                ["text"],
                code="wrong_media",
            )
        if not isinstance(text, str):
            raise RowFailed("text must be a string", ["text"], code="text_not_string")
        text = text.removeprefix(BOM)
        if not text.strip():
            raise RowFailed("text is empty", ["text"], code="text_empty")
        if "\x00" in text:
            raise RowFailed(NUL_MESSAGE.format(field="text"), ["text"], code="nul_character")
        limit = self.settings.max_text_chars
        if len(text) > limit:
            raise RowFailed(
                f"text of {len(text):,} characters is longer than the limit of {limit:,} "
                "(JINBIAO_MAX_TEXT_CHARS)",
                ["text"],
                too_large=True,
                code="text_too_long",
            )
        return text

    def _finish(self, row: Row, extras: RowExtras, shape: ItemShape) -> None:
        """Check the optional fields against the item and keep the row."""
        if extras.meta is not None:
            if not isinstance(extras.meta, dict):
                raise RowFailed("meta must be a JSON object", ["meta"], code="meta_not_object")
            try:
                meta_text = json.dumps(extras.meta, ensure_ascii=False, allow_nan=False)
            except ValueError:
                raise RowFailed(
                    "meta holds NaN or Infinity, which JSON does not allow",
                    ["meta"],
                    code="meta_not_finite",
                ) from None
            if len(meta_text) > MAX_META_BYTES:
                raise RowFailed(
                    f"meta is larger than {MAX_META_BYTES:,} bytes as JSON",
                    ["meta"],
                    code="meta_too_large",
                )
            nul = strict_input.nul_path(extras.meta)
            if nul is not None:
                raise RowFailed(
                    NUL_MESSAGE.format(field="meta"), ["meta", *map(str, nul)], code="nul_character"
                )
            row.meta = extras.meta
        if extras.external_id is not None:
            external_id = str(extras.external_id).strip()
            if len(external_id) > 255:
                raise RowFailed(
                    "external_id is longer than 255 characters",
                    ["external_id"],
                    code="external_id_too_long",
                )
            if "\x00" in external_id:
                raise RowFailed(
                    NUL_MESSAGE.format(field="external_id"), ["external_id"], code="nul_character"
                )
            row.external_id = external_id or None
        if extras.prelabel is not None:
            try:
                row.prelabel = get_kind(self.project.kind).validate(
                    extras.prelabel, labels=self.project.labels, item=shape
                )
            except ResultInvalid as exc:
                raise RowFailed(*field_error("prelabel", exc), code="prelabel_invalid") from None
        row.priority = float(extras.priority)
        self.rows.append(row)
