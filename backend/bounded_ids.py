"""Ids in paths and bodies are bounded: a number no row can have is a 422, never a 500.

Every id column is a 32-bit ``INTEGER`` on PostgreSQL, and SQLite refuses integers beyond 64
bits with an ``OverflowError``; before this, ``GET /projects/99999999999999999999/consensus``
answered 500 (found by the schemathesis run, ``tests/api/test_schemathesis.py``). Three parts:

* ``check_path_ids``: a dependency of the whole ``/api/v1`` router that checks every path
  parameter named ``*_id`` before any route code or lookup runs (422 naming the parameter);
* ``document_path_ids``: the same bounds written into the OpenAPI schema, so clients and fuzzers
  know them;
* ``DbId``: the type for ids inside request bodies.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Request
from pydantic import Field

from backend.errors import invalid

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER

DbId = Annotated[int, Field(ge=1, le=MAX_ID)]


async def check_path_ids(request: Request) -> None:
    """Async (no I/O here): FastAPI runs a plain ``def`` dependency in the thread pool, a hop on
    every request of the API (``tests/benchmarks/results/review.md``). The query's ``*_id``
    parameters too (``?annotator_id=2147483648`` answered 500 on PostgreSQL)."""
    _check(request.path_params.items(), "path")
    if request.scope.get("query_string"):
        _check(request.query_params.multi_items(), "query")


def _check(pairs: Any, where: str) -> None:
    for name, raw in pairs:
        if not name.endswith("_id"):
            continue
        try:
            value = int(raw)
        except ValueError:
            continue  # FastAPI's own validation names it
        if not 1 <= value <= MAX_ID:
            raise invalid([name], f"must be an id between 1 and {MAX_ID}", where=where)


def document_path_ids(schema: dict[str, Any]) -> dict[str, Any]:
    """Add ``minimum``/``maximum`` to every integer ``*_id`` path parameter of ``schema``."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if (
                    parameter.get("in") == "path"
                    and parameter["name"].endswith("_id")
                    and parameter.get("schema", {}).get("type") == "integer"
                ):
                    parameter["schema"].update(minimum=1, maximum=MAX_ID)
    return schema
