"""Run the API in one or several processes, with connections shared out evenly among them.

uvicorn's ``--workers`` binds one listening socket in the parent and every worker accepts from
it. The kernel wakes the most recent waiter first and an event loop accepts every pending
connection in one wake-up, so keep-alive clients pile onto one process: in the distribution
benchmark all 32 clients' connections sat in one of two workers, which ran at 100% of one CPU while
the other idled (machine 82% busy; ``tests/benchmarks/results/distribution.md``). The same is
reported of uvicorn, gunicorn and granian (uvicorn PR #2472, gunicorn PR #2938, granian #544).

On Linux each process here binds its own listening socket with ``SO_REUSEPORT`` instead, and the
kernel assigns every new connection to one of them by a hash of its addresses, so connections
spread evenly whatever the order in which the processes wake. The parent binds nothing: it checks
that the address can be bound, starts the processes, replaces any that dies, and stops them all
on SIGINT or SIGTERM (each stops gracefully, as a single uvicorn does). Elsewhere, or for one
process, this is plain ``uvicorn.run``.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.context import SpawnProcess
from typing import Any

import uvicorn

from backend.operations.logs import logging_config

APP = "backend.app:create_app"
log = logging.getLogger("uvicorn.error")
# A process that exits sooner than this after its start is not replaced: the whole server stops.
STARTUP_SECONDS = 10.0


@dataclass(frozen=True)
class ServeOptions:
    """What ``jinbiao serve`` passes on to every API process."""

    host: str = "127.0.0.1"
    port: int = 8000
    processes: int = 1
    log_level: str = "info"
    access_log: bool = True
    # Idle seconds before a keep-alive connection is closed. Behind a load balancer this must be
    # longer than the balancer's own idle timeout, or it may send a request on a closing socket.
    keep_alive_seconds: int = 5
    # One JSON object per log line (JINBIAO_LOG_FORMAT=json, backend/operations/logs.py).
    json_logs: bool = False

    def uvicorn_kwargs(self) -> dict[str, Any]:
        return {
            "log_config": logging_config(json_lines=self.json_logs, level=self.log_level),
            "factory": True,
            "host": self.host,
            "port": self.port,
            "log_level": self.log_level,
            "access_log": self.access_log,
            "timeout_keep_alive": self.keep_alive_seconds,
        }


def balances_connections(options: ServeOptions) -> bool:
    """Whether each process can have a listener of its own (Linux, a fixed TCP port)."""
    return (
        options.processes > 1
        and sys.platform.startswith("linux")
        and hasattr(socket, "SO_REUSEPORT")
        and options.port != 0
    )


def serve(options: ServeOptions) -> None:
    """Serve the API until interrupted (see the module docstring)."""
    if not balances_connections(options):
        uvicorn.run(APP, workers=options.processes, **options.uvicorn_kwargs())
        return
    try:  # fail here, with the reason, if the address is taken
        reuse_port_socket(options.host, options.port).close()
    except OSError as exc:
        raise SystemExit(
            f"cannot listen on {options.host}:{options.port}: {exc.strerror}"
        ) from None
    _supervise(options)


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A bound (not yet listening) TCP socket that shares its address with its siblings."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _serve_one(options: ServeOptions) -> None:
    """One API process: its own listener, then uvicorn's server (graceful on SIGTERM)."""
    config = uvicorn.Config(APP, **options.uvicorn_kwargs())
    uvicorn.Server(config).run(sockets=[reuse_port_socket(options.host, options.port)])


def _supervise(options: ServeOptions, *, grace_seconds: float = 30.0) -> None:
    uvicorn.Config(APP, **options.uvicorn_kwargs())  # configures uvicorn's logging here too
    spawn = multiprocessing.get_context("spawn")
    stopping = threading.Event()

    def start() -> tuple[SpawnProcess, float]:
        process = spawn.Process(target=_serve_one, args=(options,), name="jinbiao-api")
        process.start()
        return process, time.monotonic()

    def stop(_signum: int, _frame: object) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes = [start() for _ in range(options.processes)]
    log.info(
        "Serving on %s:%d in %d processes, each with its own SO_REUSEPORT listener",
        options.host,
        options.port,
        options.processes,
    )
    try:
        while not stopping.wait(0.5):
            for index, (process, started) in enumerate(processes):
                if process.is_alive():
                    continue
                if time.monotonic() - started < STARTUP_SECONDS:  # replacing it would only loop
                    raise SystemExit(
                        f"an API process exited on start (exit code {process.exitcode})"
                    )
                log.warning(
                    "API process %s exited (code %s); starting another",
                    process.pid,
                    process.exitcode,
                )
                processes[index] = start()
    finally:
        for process, _ in processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + grace_seconds
        for process, _ in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
