"""The answer when every row of a request failed: one 4xx listing each row and why."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import HTTPException, status

from backend.items.schemas import RowError


def all_rows_failed(errors: Sequence[RowError], too_large: Sequence[bool]) -> HTTPException:
    """413 when every failure was a size limit, else 422, in FastAPI's ``detail`` list shape.

    Each entry keeps ``row`` and ``source`` beside ``loc`` and ``msg`` so a client can point at
    the line of its file as easily as at the field.
    """
    code = (
        status.HTTP_413_CONTENT_TOO_LARGE
        if too_large and all(too_large)
        else status.HTTP_422_UNPROCESSABLE_CONTENT
    )
    return HTTPException(
        code,
        detail=[
            {
                "loc": ["body", "items", e.row, *e.loc],
                "msg": e.message,
                "type": "too_large" if big else "value_error",
                "row": e.row,
                "source": e.source,
                "code": e.code,
            }
            for e, big in zip(errors, too_large, strict=True)
        ],
    )
