"""One writer at a time on a SQLite file, woken the moment the last one finishes.

Every Jinbiao transaction on SQLite is ``BEGIN IMMEDIATE`` (``backend/db.py``): it takes the
database's write lock up front. A transaction that finds the lock taken waits in SQLite's busy
handler, which does not wait on the lock: it sleeps and retries, 1, 2, 5, 10, 15, 20, 25, 25, 25,
50, 50 and then 100 ms at a time (``sqliteDefaultBusyCallback`` in SQLite's ``main.c``). Under
load the lock is free long before the sleeper looks again, so a writer waits up to 100 ms for a
lock that was held for 1 ms, the CPU idles meanwhile, and the unlucky ones keep losing to new
arrivals: with 2 API processes and 32 clients, ``next`` had a p99 of 0.7-1.5 s while the machine
was 40% idle (``tests/benchmarks/results/distribution.md``).

Here a transaction first passes a gate, and only then sends ``BEGIN IMMEDIATE``; ``commit``,
``rollback`` and ``close`` open the gate again. The gate is two locks that wake the next waiter
as soon as they are released: a ``threading.Lock`` per database in each process (waited for with
a timeout), then an exclusive ``flock`` on a file beside the database (``<database>-writer``)
between processes (the API's workers, the Celery worker, the CLI). Only one thread per process
ever waits in ``flock``, and the kernel drops the ``flock`` of a process that dies, so a killed
worker cannot leave the gate shut.

A wait at the gate is bounded like SQLite's own: after ``WAIT_SECONDS`` it fails with the error
SQLite gives, "database is locked". A thread that already holds the gate and begins a second
transaction on another connection therefore fails after that time, as it did without a gate,
instead of waiting for itself forever. SQLite's lock still guards the data: a writer that does
not pass the gate (an older process, the ``sqlite3`` shell) is simply waited for by the busy
handler, as before.

Where ``fcntl`` does not exist (Windows) only the in-process lock is used; a database in memory
has no gate.
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

# The longest wait at the gate, as ``PRAGMA busy_timeout`` bounds a wait for SQLite's lock.
WAIT_SECONDS = 60.0

_process_locks: dict[str, threading.Lock] = {}
_process_locks_guard = threading.Lock()


def gate_path(database: str) -> str | None:
    """The lock file of a SQLite database path or ``file:`` URI; None for one in memory."""
    path = database
    if path.startswith("file:"):
        path, _, query = path[len("file:") :].partition("?")
        if "mode=memory" in query:
            return None
    if not path or path == ":memory:":
        return None
    return os.path.abspath(path) + "-writer"


def _process_lock(path: str) -> threading.Lock:
    with _process_locks_guard:
        return _process_locks.setdefault(path, threading.Lock())


def _forget_locks_in_child() -> None:
    # A child forked while a thread of its parent held a gate would inherit that lock taken,
    # with no thread of its own to release it.
    global _process_locks_guard
    _process_locks.clear()
    _process_locks_guard = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_locks_in_child)


class GatedConnection(sqlite3.Connection):
    """A ``sqlite3`` connection whose transactions begin behind the database's writer gate.

    Given to ``sqlite3.connect`` as ``factory``; ``begin_immediate`` replaces a plain
    ``BEGIN IMMEDIATE``. The gate is taken once per transaction and opened when the transaction
    ends, whichever way and in whichever thread it ends.
    """

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._gate_path = gate_path(os.fsdecode(database))
        self._gate_lock: threading.Lock | None = None  # the lock taken, while held
        self._gate_fd: int | None = None
        self._gate_pid = 0
        self._gate_held = False

    def begin_immediate(self) -> None:
        """Pass the gate, then ``BEGIN IMMEDIATE``; the gate is opened again if that fails."""
        self._take_gate()
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._open_gate()
            raise

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._open_gate()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._open_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._open_gate()
            if self._gate_fd is not None and self._gate_pid == os.getpid():
                os.close(self._gate_fd)
            self._gate_fd = None

    @property
    def holds_gate(self) -> bool:
        return self._gate_held

    def _take_gate(self) -> None:
        if self._gate_path is None or self._gate_held:
            return
        lock = _process_lock(self._gate_path)
        if not lock.acquire(timeout=WAIT_SECONDS):
            raise sqlite3.OperationalError(
                f"database is locked (no turn at the writer gate in {WAIT_SECONDS:g} s)"
            )
        try:
            self._take_file_lock()
        except BaseException:
            lock.release()
            raise
        self._gate_lock, self._gate_held = lock, True

    def _take_file_lock(self) -> None:
        if fcntl is None:
            return
        if self._gate_fd is None or self._gate_pid != os.getpid():
            # A forked child opens its own description: one shared with the parent would share
            # the parent's lock too.
            self._gate_fd = os.open(self._gate_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._gate_pid = os.getpid()
        fcntl.flock(self._gate_fd, fcntl.LOCK_EX)  # waits in the kernel, GIL released

    def _open_gate(self) -> None:
        if not self._gate_held:
            return
        lock, self._gate_lock, self._gate_held = self._gate_lock, None, False
        try:
            if fcntl is not None and self._gate_fd is not None:
                fcntl.flock(self._gate_fd, fcntl.LOCK_UN)
        finally:
            if lock is not None:
                lock.release()
