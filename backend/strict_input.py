"""Input as the standard and the database allow it: request bodies and imported JSON texts
read as standard JSON, and no NUL character in a query string or path.

Why: Python's ``json`` (and pydantic's parser) accept ``NaN``, ``Infinity`` and ``-Infinity``,
which RFC 8259 (section 6) does not: such a value was stored in an item's ``meta`` as given, and
in a field that validation refused it broke the 422 answer itself (its echo of the input could
not be written as JSON: a 500). A ``\\u0000`` is valid JSON, but PostgreSQL's ``text`` and
``jsonb`` cannot hold it (the import would fail with a database error on PostgreSQL and succeed
on SQLite). Both are refused here, before anything reads the body, as ``json.JSONDecodeError``
— which FastAPI answers with 422 ``json_invalid`` — saying what and where.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.types import Receive, Scope

NUL_ESCAPE = "\\u0000"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
NUL_TEXT = "holds a NUL character (\\u0000), which cannot be stored or searched"


def loads(document: str | bytes) -> Any:
    """``json.loads`` that refuses ``NaN``/``Infinity`` and NUL characters in strings and keys,
    naming where the first one is (``items.1.text``)."""
    if isinstance(document, bytes):
        try:
            text = document.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise json.JSONDecodeError("the body is not UTF-8", "", exc.start) from None
    else:
        text = document
    constants: list[str] = []

    def constant(name: str) -> float:
        constants.append(name)
        return float(name.lower().replace("infinity", "inf"))

    value = json.loads(text, parse_constant=constant)
    if constants:
        at = _where(_first(value, _not_finite))
        raise json.JSONDecodeError(
            f"{at} holds {constants[0]}, which is not a JSON number", text, text.find(constants[0])
        )
    if _SURROGATE_ESCAPE.search(text):  # rare: only then walk the value
        where = _first(value, _lone_surrogate)
        if where is not None:
            raise json.JSONDecodeError(
                f"{_where(where)} holds a lone surrogate (\\ud800-\\udfff), which is not text",
                text,
                _SURROGATE_ESCAPE.search(text).start(),  # type: ignore[union-attr]
            )
    if NUL_ESCAPE in text:  # rare: only then walk the value
        where = nul_path(value)
        if where is not None:
            raise json.JSONDecodeError(
                f"{_where(where)} holds a NUL character (\\u0000), which cannot be stored",
                text,
                text.find(NUL_ESCAPE),
            )
    return value


def nul_path(value: Any) -> tuple[str | int, ...] | None:
    """Where the first string or key holding a NUL character is, or ``None``."""
    return _first(value, lambda v: isinstance(v, str) and "\x00" in v)


def _lone_surrogate(value: Any) -> bool:
    """A string JSON's ``\\ud800`` escapes left unpaired: no UTF-8 for it (a 500 when the
    import hashed the text)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _not_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _first(
    value: Any, bad: Callable[[Any], bool], path: tuple[str | int, ...] = ()
) -> tuple[str | int, ...] | None:
    """The path of the first value (or key) that is ``bad``, depth first, or ``None``."""
    if bad(value):
        return path
    if isinstance(value, dict):
        for key, inner in value.items():
            if bad(key):
                return (*path, key)
            found = _first(inner, bad, (*path, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found = _first(inner, bad, (*path, index))
            if found is not None:
                return found
    return None


def _where(path: tuple[str | int, ...] | None) -> str:
    return ".".join(map(str, path or ())) or "the document"


class StrictJsonRequest(Request):
    """A request whose ``json()`` is :func:`loads` (what FastAPI reads a JSON body with)."""

    def __init__(self, scope: Scope, receive: Receive) -> None:
        super().__init__(scope, receive)

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class StrictInputRoute(APIRoute):
    """The base of the API's route classes: request bodies are read by :func:`loads`, and a NUL
    character in the query string or path is refused (422 naming the parameter) before any
    handler runs — PostgreSQL refuses it in every text comparison, so ``?q=a%00b`` on the data
    manager, ``?label=…`` and every string path parameter answered 500 there (200 on SQLite).

    A query parameter the route does not read is refused too (422 ``unknown_parameter`` naming
    it and listing those it reads): a misspelt filter (``?stauts=rejected`` on the lots, the
    reviews or the exports) was ignored and answered the whole list, as if filtered. A route
    whose own dependency checks its query with an error of its own (the data manager's
    ``unknown_filter``) marks that dependency ``checks_own_query = True``."""

    def get_route_handler(self) -> Any:
        handler = super().get_route_handler()
        own = _checks_own_query(self.dependant)
        known = None if own else frozenset(query_names(self.dependant))

        async def strict(request: Request) -> Any:
            refuse_nul_in_address(request.scope)
            if known is not None:
                refuse_unknown_query(request.scope, known)
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict


def _dependants(dependant: Dependant) -> list[Dependant]:
    found, stack = [], [dependant]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(current.dependencies)
    return found


def _checks_own_query(dependant: Dependant) -> bool:
    return any(getattr(d.call, "checks_own_query", False) for d in _dependants(dependant))


def query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route reads, its dependencies' included (a model of parameters,
    ``Annotated[Model, Query()]``, by its fields' aliases)."""
    names: set[str] = set()
    for current in _dependants(dependant):
        for param in current.query_params:
            model = param.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                names.update(f.alias or n for n, f in model.model_fields.items())
            else:
                names.add(param.alias)
    return names


def refuse_unknown_query(scope: Scope, known: frozenset[str]) -> None:
    """422 ``unknown_parameter`` for each query parameter not in ``known``."""
    query = scope.get("query_string", b"")
    if not query:
        return
    unknown = [
        name
        for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)
        if name not in known
    ]
    if unknown:
        reads = ", ".join(sorted(known)) or "none"
        raise RequestValidationError(
            [
                {
                    "type": "unknown_parameter",
                    "loc": ("query", name),
                    "msg": f"{name!r} is not a parameter of this request (it reads: {reads})",
                    "ctx": {"known": reads},
                }
                for name in dict.fromkeys(unknown)
            ]
        )


def refuse_nul_in_address(scope: Scope) -> None:
    """422 when the query string or the path holds a NUL character (``%00`` or raw)."""
    query = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        names = [
            name
            for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            if "\x00" in name or "\x00" in value
        ]
        if names:
            raise RequestValidationError(
                [
                    {
                        "type": "string_nul",
                        "loc": ("query", name.replace("\x00", "")),
                        "msg": NUL_TEXT,
                    }
                    for name in names
                ]
            )
    if "\x00" in scope.get("path", ""):
        raise RequestValidationError([{"type": "string_nul", "loc": ("path",), "msg": NUL_TEXT}])
