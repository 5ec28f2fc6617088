"""Opaque keyset cursors: the sort, the sort key and the id of one row, base64url JSON.

A cursor names a position, not a page number, so a page costs an index range scan from it
whatever its depth (Winand, "Use The Index, Luke": "Paging Through Results", the seek method).
The content is not secret (each value is a bound parameter and the project check still runs);
it is only checked for shape and for belonging to the sort it is used with.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from backend.errors import ApiError, invalid


@dataclass(frozen=True)
class Position:
    sort: str
    key: float | int | None  # None for the id sorts: the id is the whole key
    id: int


def encode(position: Position) -> str:
    raw = json.dumps([position.sort, position.key, position.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(token: str, *, sort: str, field: str) -> Position:
    """The position in ``token``; 422 ``invalid_cursor`` naming ``field`` when it is not one of
    this sort's cursors."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        name, key, item_id = json.loads(raw)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise _bad(field, "not a cursor of this list") from None
    if name != sort:
        raise _bad(field, f"a cursor of the sort {name!r}, not {sort!r}; start from the first page")
    if not isinstance(item_id, int) or isinstance(item_id, bool):
        raise _bad(field, "not a cursor of this list")
    if sort.lstrip("-") == "id":
        key = None
    elif not isinstance(key, int | float) or isinstance(key, bool):
        raise _bad(field, "not a cursor of this list")
    return Position(sort=sort, key=key, id=item_id)


def _bad(field: str, msg: str) -> ApiError:
    return invalid((field,), msg, where="query", code="invalid_cursor")
