"""One writer at a time on a SQLite file, woken the moment the last one finishes.

Every Jinbiao transaction on SQLite is ``BEGIN IMMEDIATE`` (``backend/db.py``): it takes the
database's write lock up front. A transaction that finds the lock taken waits in SQLite's busy
handler, which does not wait on the lock: it sleeps and retries, 1, 2, 5, 10, 15, 20, 25, 25, 25,
50, 50 and then 100 ms at a time (``sqliteDefaultBusyCallback`` in SQLite's ``main.c``). Under
load the lock is free long before the sleeper looks again, so a writer waits up to 100 ms for a
lock that was held for 1 ms, the CPU idles meanwhile, and the unlucky ones keep losing to new
arrivals: with 2 API processes and 32 clients, ``next`` had a p99 of 0.7-1.5 s while the machine
was 40% idle (``tests/benchmarks/results/distribution.md``).

Here a connection first takes an exclusive ``flock`` on a file beside the database
(``<database>-writer``), and only then sends ``BEGIN IMMEDIATE``; ``commit``, ``rollback`` and
``close`` release it. ``flock`` waits in the kernel, which wakes the next waiter as soon as the lock
is released, across threads (each connection has its own open file description, and ``flock``
locks conflict between descriptions, not only between processes) and across processes (the API's
workers, the Celery worker, the CLI). The kernel also drops the lock of a process that dies, so a
killed worker cannot leave it held. SQLite's own lock still guards the data: a writer that does not
take the gate (an older process, the ``sqlite3`` shell) is simply waited for by the busy handler,
as before.

Where ``fcntl`` does not exist (Windows) or the database is in memory, there is no gate and the busy
handler alone serialises writers.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def gate_path(database: str) -> str | None:
    """The lock file of a SQLite database path or ``file:`` URI; None where there is none."""
    if fcntl is None:
        return None
    path = database
    if path.startswith("file:"):
        path, _, query = path[len("file:") :].partition("?")
        if "mode=memory" in query:
            return None
    if not path or path == ":memory:":
        return None
    return os.path.abspath(path) + "-writer"


# How many gates each thread holds (by thread ident). A thread that already holds the gate through
# one connection and begins a transaction on a second would wait for itself forever; it skips the
# gate instead and meets SQLite's busy handler, which gives up after ``busy_timeout`` as it did
# without a gate. Counted by the thread that took the gate: a session may end in another thread.
_holders: dict[int, int] = {}
_holders_lock = threading.Lock()


class GatedConnection(sqlite3.Connection):
    """A ``sqlite3`` connection whose transactions begin behind the database's writer gate.

    Given to ``sqlite3.connect`` as ``factory``; ``begin_immediate`` replaces a plain
    ``BEGIN IMMEDIATE``. The gate is taken once per transaction and released when the
    transaction ends, whichever way it ends.
    """

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._gate_path = gate_path(os.fsdecode(database))
        self._gate_fd: int | None = None
        self._gate_pid = 0
        self._gate_held = False
        self._gate_thread = 0

    def begin_immediate(self) -> None:
        """Wait for the gate, then ``BEGIN IMMEDIATE``; the gate is released if that fails."""
        self._take_gate()
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._release_gate()
            raise

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release_gate()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release_gate()
            if self._gate_fd is not None and self._gate_pid == os.getpid():
                os.close(self._gate_fd)
            self._gate_fd = None

    def _take_gate(self) -> None:
        thread = threading.get_ident()
        if self._gate_path is None or self._gate_held or _holders.get(thread):
            return
        if self._gate_fd is None or self._gate_pid != os.getpid():
            # A forked child opens its own description: one shared with the parent would share
            # the parent's lock too.
            self._gate_fd = os.open(self._gate_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._gate_pid = os.getpid()
        fcntl.flock(self._gate_fd, fcntl.LOCK_EX)  # waits in the kernel, GIL released
        self._gate_held, self._gate_thread = True, thread
        with _holders_lock:
            _holders[thread] = _holders.get(thread, 0) + 1

    def _release_gate(self) -> None:
        if self._gate_held and self._gate_fd is not None:
            self._gate_held = False
            fcntl.flock(self._gate_fd, fcntl.LOCK_UN)
            with _holders_lock:
                left = _holders.pop(self._gate_thread, 1) - 1
                if left:
                    _holders[self._gate_thread] = left
