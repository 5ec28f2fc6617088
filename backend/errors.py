"""HTTP errors in the shapes the API contract promises.

422 answers use FastAPI's own shape (``detail`` is a list of ``{loc, msg, type}``) so a client
parses a service-side validation error exactly like a schema error: the field is in ``loc``.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import HTTPException, status


def invalid(loc: Sequence[str | int], msg: str, *, where: str = "body") -> HTTPException:
    """422 naming the field that is wrong and why."""
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"loc": [where, *loc], "msg": msg, "type": "value_error"}],
    )


def not_found(what: str) -> HTTPException:
    """404; also the answer for anything of another organization, so nothing leaks."""
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"{what} not found")


def forbidden(msg: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, detail=msg)


def conflict(msg: str) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, detail=msg)
