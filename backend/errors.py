"""HTTP errors in the shapes the API contract promises: ``{"detail": …, "code": "…"}``.

``code`` is stable snake_case that clients and the UI translate (SPEC, "The firm's workflow");
``detail`` is the English sentence for people reading logs. Every error answer carries a code:
the helpers here take a specific one, and ``error_handlers`` gives any other ``HTTPException``
(FastAPI's own 401, 404 and 405 included) the default code of its status.

422 answers use FastAPI's own shape (``detail`` is a list of ``{loc, msg, type}``) so a client
parses a service-side validation error exactly like a schema error: the field is in ``loc``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import HTTPException, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from backend.email_addresses import INVALID_PREFIX

DEFAULT_CODES: Mapping[int, str] = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_attempts",
    503: "unavailable",
}


class ApiError(HTTPException):
    """An ``HTTPException`` with a stable ``code`` and optional extra fields for the body."""

    def __init__(
        self,
        status_code: int,
        detail: Any,
        *,
        code: str,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(status_code, detail=detail, headers=dict(headers) if headers else None)
        self.code = code
        self.extra = dict(extra or {})


def invalid(
    loc: Sequence[str | int],
    msg: str,
    *,
    where: str = "body",
    code: str = "invalid_input",
    error_type: str = "value_error",
    ctx: Mapping[str, Any] | None = None,
) -> ApiError:
    """422 naming the field that is wrong and why; ``error_type`` and ``ctx`` as a schema's own
    error of the same rule gives them (the UI words the message from them)."""
    entry: dict[str, Any] = {"loc": [where, *loc], "msg": msg, "type": error_type}
    if ctx:
        entry["ctx"] = dict(ctx)
    return ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, [entry], code=code)


def not_found(what: str, *, code: str = "not_found") -> ApiError:
    """404; also the answer for anything of another organization, so nothing leaks."""
    return ApiError(status.HTTP_404_NOT_FOUND, f"{what} not found", code=code)


def forbidden(msg: str, *, code: str = "forbidden", **extra: Any) -> ApiError:
    return ApiError(status.HTTP_403_FORBIDDEN, msg, code=code, extra=extra)


def conflict(msg: str, *, code: str = "conflict", **extra: Any) -> ApiError:
    return ApiError(status.HTTP_409_CONFLICT, msg, code=code, extra=extra)


def error_body(status_code: int, detail: Any, code: str | None = None) -> dict[str, Any]:
    """The JSON body of an error answer."""
    return {"detail": detail, "code": code or DEFAULT_CODES.get(status_code, "error")}


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = exc.code if isinstance(exc, ApiError) else None
    body = error_body(exc.status_code, exc.detail, code)
    if isinstance(exc, ApiError):
        body.update(exc.extra)
    headers = dict(exc.headers or {})
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return JSONResponse(jsonable_encoder(body), status_code=exc.status_code, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers on this path (Starlette names only the first route's)."""
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """422 with each field error's type, location and message — not its ``input``: echoing
    the input sent a 100 MB field straight back, and an input that JSON cannot write (a NaN)
    turned the answer into a 500."""
    assert isinstance(exc, RequestValidationError)
    errors = [_stable({k: v for k, v in error.items() if k != "input"}) for error in exc.errors()]
    body = error_body(422, errors)
    return JSONResponse(jsonable_encoder(body), status_code=422)


def _stable(error: dict[str, Any]) -> dict[str, Any]:
    """A field error with a type the UI can translate where pydantic's is only ``value_error``
    (a refused e-mail address: ``email_invalid``, its English reason kept in ``msg``)."""
    if error.get("type") == "value_error" and str(error.get("msg", "")).startswith(INVALID_PREFIX):
        return {**error, "type": "email_invalid"}
    return error


def install_error_handlers(app: Any) -> None:
    """Every error answer of ``app`` gets its ``code`` (HTTP errors and request validation)."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


class ErrorBody(BaseModel):
    """Every error answer: an English ``detail`` (text, or FastAPI's list of field errors for 422)
    and a stable ``code`` the UI translates."""

    detail: Any = Field(examples=["project not found"])
    code: str = Field(examples=["not_found"])


def _documented(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


# The errors any ``/api/v1`` route can answer, documented once for all of them (the API router
# adds them to every operation); routes document their own particular ones (410, 413, …).
COMMON_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented("A request that cannot be read (e.g. a malformed cursor)."),
    401: _documented("No valid bearer token (`not_authenticated`)."),
    403: _documented("The caller's role may not do this (`forbidden`, or a specific code)."),
    404: _documented("Not found — also for anything of another organization."),
    409: _documented("A conflict with the current state (a specific `code` says which)."),
    429: _documented("Too many attempts (`too_many_attempts`); see `Retry-After`."),
    503: _documented("The database or broker is briefly unreachable; see `Retry-After`."),
}
