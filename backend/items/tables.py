"""Rows from JSONL and CSV files: texts to import, or metadata of the images in a zip.

Both formats share one rule for the columns: ``external_id``, ``priority``, ``prelabel`` and
``meta`` are the item's fields (in CSV, ``prelabel`` and ``meta`` hold JSON), the content column
(``text``, or ``file`` for image metadata) is required, and every other column lands in ``meta``.
Files must be UTF-8 (a BOM is fine); Excel users choose "CSV UTF-8".
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from backend import strict_input
from backend.items.batch import RowExtras, RowFailed

FIELDS = ("external_id", "priority", "prelabel", "meta")
TABLE_SUFFIXES = (".csv", ".jsonl", ".ndjson")


class TableFailed(ValueError):
    """The whole file is unusable (not UTF-8, no content column…); ``loc`` names the column."""

    def __init__(
        self, message: str, loc: list[str | int] | None = None, *, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.loc = loc or []
        self.code = code


def is_table(name: str) -> bool:
    return name.lower().endswith(TABLE_SUFFIXES)


def records(
    stream: BinaryIO, *, name: str, content: str, max_field_chars: int
) -> Iterator[tuple[int, dict[str, Any] | RowFailed]]:
    """``(line number, record)`` per data line, or ``(line, RowFailed)`` for a bad line."""
    if name.lower().endswith(".csv"):
        yield from _csv_records(stream, content=content, max_field_chars=max_field_chars)
    else:
        yield from _jsonl_records(stream, content=content)


def _jsonl_records(
    stream: BinaryIO, *, content: str
) -> Iterator[tuple[int, dict[str, Any] | RowFailed]]:
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8").removeprefix("\ufeff").strip()
        except UnicodeDecodeError:
            yield number, RowFailed("line is not UTF-8", code="not_utf8")
            continue
        if not line:
            continue
        try:
            record = strict_input.loads(line)
        except json.JSONDecodeError as exc:
            yield number, RowFailed(f"not JSON: {exc.msg} at column {exc.colno}", code="not_json")
            continue
        if not isinstance(record, dict):
            yield number, RowFailed("each line must be a JSON object", code="not_json_object")
        elif content not in record:
            yield number, RowFailed(f"no {content!r} field", [content], code="missing_field")
        else:
            yield number, record


def _csv_records(
    stream: BinaryIO, *, content: str, max_field_chars: int
) -> Iterator[tuple[int, dict[str, Any] | RowFailed]]:
    # The limit is process-wide in the csv module; it only ever grows here.
    csv.field_size_limit(max(csv.field_size_limit(), max_field_chars * 4 + 1024))
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    # strict: a quote left open does not swallow the rest of the file into one cell, and text
    # after a closing quote is an error, not glued on (both are reported with their line)
    reader = csv.DictReader(text, strict=True)
    try:
        header = reader.fieldnames or []
        if content not in header:
            raise TableFailed(
                f"no {content!r} column (the columns are {header})",
                [content],
                code="missing_column",
            )
        for record in reader:
            if None in record:  # more cells than header columns
                yield (
                    reader.line_num,
                    RowFailed("more cells than columns in the header", code="extra_cells"),
                )
                continue
            yield reader.line_num, _csv_values(record)
    except UnicodeDecodeError:
        raise TableFailed(
            f"not UTF-8 near line {reader.line_num + 1} (from Excel, save as 'CSV UTF-8')",
            code="not_utf8",
        ) from None
    except csv.Error as exc:
        raise TableFailed(
            f"line {reader.line_num}: {_csv_problem(exc)}", code="csv_malformed"
        ) from None
    finally:
        text.detach()


def _csv_problem(exc: csv.Error) -> str:
    """The csv module's message, with what usually causes it."""
    message = str(exc)
    if message == "unexpected end of data":
        return "the file ends inside a quoted cell (a quote opened and never closed)"
    if message.endswith("expected after '\"'"):
        return f'{message} (text after a closing quote; write a quote inside a cell as "")'
    return message


def _csv_values(record: dict[str, Any]) -> dict[str, Any] | RowFailed:
    out: dict[str, Any] = dict(record)
    for key in ("prelabel", "meta"):
        value = (out.get(key) or "").strip()
        if not value:
            out.pop(key, None)
            continue
        try:
            out[key] = strict_input.loads(value)
        except json.JSONDecodeError as exc:
            return RowFailed(f"{key} must hold JSON ({exc.msg})", [key], code="cell_not_json")
    return out


def extras_of(record: dict[str, Any], *, content: str) -> RowExtras:
    """The item fields of a record; unknown columns go into ``meta``."""
    meta = record.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise RowFailed("meta must be a JSON object", ["meta"], code="meta_not_object")
    meta = dict(meta or {})
    meta.update({k: v for k, v in record.items() if k not in (*FIELDS, content) and k})
    priority = record.get("priority")
    try:
        priority = float(priority) if priority not in (None, "") else 0.0
    except (TypeError, ValueError):
        raise RowFailed(
            "priority must be a number", ["priority"], code="priority_not_number"
        ) from None
    if priority != priority or priority in (float("inf"), float("-inf")):
        raise RowFailed(
            "priority must be a finite number", ["priority"], code="priority_not_finite"
        )
    external_id = record.get("external_id")
    prelabel = record.get("prelabel")
    if prelabel is not None and not isinstance(prelabel, dict):
        raise RowFailed("prelabel must be a JSON object", ["prelabel"], code="prelabel_not_object")
    return RowExtras(
        external_id=None if external_id in (None, "") else str(external_id),
        meta=meta,
        prelabel=prelabel,
        priority=priority,
    )
