"""System jobs: the ping that proves API → broker → worker process → result."""

from __future__ import annotations

import os
import socket
from typing import Any

from workers.celery_app import app


@app.task(name="jinbiao.system.ping")
def ping(echo: str = "") -> dict[str, Any]:
    """Answer with the worker's process id, so a caller can see a separate process ran it."""
    return {"echo": echo, "pid": os.getpid(), "hostname": socket.gethostname()}
