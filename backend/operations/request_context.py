"""The id of the request being served, for logs and for the ``X-Request-ID`` answer header.

A context variable, so every log line written while a request is served (in the event loop or
in the thread pool FastAPI runs sync routes in, which copies the context) carries it without
passing it around.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("jinbiao_request_id", default="")
# The signed-in caller, set where the bearer token is resolved (``accounts/deps.py``).
current_user_id: ContextVar[int | None] = ContextVar("jinbiao_user_id", default=None)

# A proxy's id is kept when it looks like one (letters, digits, ``-_.:``, at most 128): never
# echo arbitrary bytes into answers and logs.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_from(header: bytes | None) -> str:
    """The caller's ``X-Request-ID`` when it is acceptable, otherwise a new random one."""
    if header:
        text = header.decode("latin-1")
        if _ACCEPTABLE.match(text):
            return text
    return uuid.uuid4().hex
