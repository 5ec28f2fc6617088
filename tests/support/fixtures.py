"""Fixtures that start real processes: a Celery worker and a live HTTP server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support.factories import Team, new_team

REPO_ROOT = Path(__file__).resolve().parents[2]


def start_worker(
    *extra: str, name: str = "test", env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """A real ``celery worker`` process with the test environment (plus ``env``); the caller
    stops it."""
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers.celery_app",
        "worker",
        "--loglevel=WARNING",
        f"--hostname={name}-{os.getpid()}@%h",
        *extra,
    ]
    if not any(arg.startswith("--pool") for arg in extra):
        argv += ["--pool=solo"]
    return subprocess.Popen(argv, cwd=REPO_ROOT, env={**os.environ, **(env or {})})


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def worker() -> Iterator[subprocess.Popen[bytes]]:
    """A worker process for the module, ready when a ping round-trips. Per module, not per
    session: a worker left running after its module consumes the jobs later modules enqueue and
    races the recomputes and trainings those tests run themselves."""
    from backend.queue import enqueue_for_result

    process = start_worker()
    try:
        enqueue_for_result("jinbiao.system.ping", "ready").get(timeout=60)
        yield process
    finally:
        stop_process(process)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The app on a real socket (uvicorn in a thread), for browsers and HTTP clients."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def team(client) -> Team:
    """An organization with an owner, a manager, a reviewer and two annotators."""
    return new_team(client)
