"""The route class of the API's routers: a sync endpoint ends its session's transaction itself
(and, as every API route, reads JSON bodies strictly: ``backend.strict_input``).

FastAPI runs a sync endpoint in a thread-pool slot, and then validates its answer against the
response model in another slot. A GET endpoint that only read leaves its transaction open, and on
SQLite every transaction holds the database's write lock (``backend/db.py``): carried across that
hop, the lock waits for a free slot, and once every slot waits for the lock the process stands
still (until the gate's wait gives up, 60 s later, with "database is locked"). Endpoints that take
the request's ``session`` therefore commit what is still open, or roll back when they raise, in
their own thread, exactly as the access dependencies do (``ends_its_transaction``). Endpoints
commit their own writes; what is left to commit here is a read, or a write after the endpoint's
own commit that the endpoint meant to keep.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from backend.db import ends_its_transaction
from backend.strict_input import StrictInputRoute


class TransactionEndingRoute(StrictInputRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _ending(endpoint), **kwargs)


def _ending(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    if (
        inspect.iscoroutinefunction(endpoint)
        or getattr(endpoint, "ends_its_transaction", False)
        or "session" not in inspect.signature(endpoint).parameters
    ):
        return endpoint
    return ends_its_transaction(endpoint)
