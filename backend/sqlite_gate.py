"""One writer at a time on a SQLite file, woken the moment the last one finishes.

Every Jinbiao transaction on SQLite is ``BEGIN IMMEDIATE`` (``backend/db.py``): it takes the
database's write lock up front. A transaction that finds the lock taken waits in SQLite's busy
handler, which does not wait on the lock: it sleeps and retries, 1, 2, 5, 10, 15, 20, 25, 25, 25,
50, 50 and then 100 ms at a time (``sqliteDefaultBusyCallback`` in SQLite's ``main.c``). Under
load the lock is free long before the sleeper looks again, so a writer waits up to 100 ms for a
lock that was held for 1 ms, the CPU idles meanwhile, and the unlucky ones keep losing to new
arrivals: with 2 API processes and 32 clients, ``next`` had a p99 of 0.7-1.5 s while the machine
was 40% idle (``tests/benchmarks/results/distribution.md``).

Here a transaction first takes an exclusive ``flock`` on a file beside the database
(``<database>-writer``) and only then sends ``BEGIN IMMEDIATE``; ``commit``, ``rollback`` and
``close`` release it. ``flock`` waits in the kernel, which wakes the waiters as soon as the lock is
released. Each connection opens the file itself, and ``flock`` locks of different open files
conflict within a process as between processes, so every waiting thread of every process (the
API's workers, the Celery worker, the CLI) competes alike: no process can pass the gate among its
own threads while another's wait. The kernel drops the lock of a process that dies, so a killed
worker cannot leave the gate shut.

A wait in ``flock`` cannot time out, so two things keep a wait from lasting forever:

* a thread that holds the gate and begins a second transaction on another connection does not
  take the gate (it would wait for itself); it meets SQLite's busy handler, which fails after
  ``busy_timeout`` with "database is locked", as it did without a gate;
* at most ``KERNEL_WAITERS`` threads of a process wait in ``flock`` at once; the others wait for
  their turn to do so at most ``WAIT_SECONDS`` and then fail as SQLite would. A holder that needs
  a thread-pool slot to finish (the API runs requests on 40 threads) thus always gets one, at
  worst when the surplus waiters give up, instead of the whole pool waiting for it for good.

SQLite's own lock still guards the data: a writer that does not take the gate (an older
process, the ``sqlite3`` shell) is simply waited for by the busy handler, as before. Where
``fcntl`` does not exist (Windows), and for a database in memory, there is no gate.
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

# The longest wait for a turn at the gate, as ``PRAGMA busy_timeout`` bounds a wait for
# SQLite's lock.
WAIT_SECONDS = 60.0
# Threads of one process that may wait in ``flock`` at once: fewer than the API's 40 thread-pool
# slots, so that some slot is always left to a holder that needs one.
KERNEL_WAITERS = 24

_guard = threading.Lock()
_kernel_slots: dict[str, threading.Semaphore] = {}
_holders: dict[tuple[str, int], int] = {}  # (gate, thread ident) -> gates that thread holds


def gate_path(database: str) -> str | None:
    """The lock file of a SQLite database path or ``file:`` URI; None where there is no gate."""
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


def _slots(path: str) -> threading.Semaphore:
    with _guard:
        return _kernel_slots.setdefault(path, threading.Semaphore(KERNEL_WAITERS))


def _count_holder(key: tuple[str, int], change: int) -> None:
    with _guard:
        left = _holders.get(key, 0) + change
        if left > 0:
            _holders[key] = left
        else:
            _holders.pop(key, None)


def _forget_in_child() -> None:
    # A child forked while its parent's threads waited or held would inherit their counts, with
    # no thread of its own to give them back.
    global _guard
    _guard = threading.Lock()
    _kernel_slots.clear()
    _holders.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


class GatedConnection(sqlite3.Connection):
    """A ``sqlite3`` connection whose transactions begin behind the database's writer gate.

    Given to ``sqlite3.connect`` as ``factory``; ``begin_immediate`` replaces a plain
    ``BEGIN IMMEDIATE``. The gate is taken once per transaction and opened when the transaction
    ends, whichever way and in whichever thread it ends.
    """

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._gate_path = gate_path(os.fsdecode(database))
        self._gate_fd: int | None = None
        self._gate_pid = 0
        self._gate_holder: tuple[str, int] | None = None  # (gate, thread) while held

    @property
    def holds_gate(self) -> bool:
        return self._gate_holder is not None

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

    def _take_gate(self) -> None:
        if self._gate_path is None or self._gate_holder is not None:
            return
        key = (self._gate_path, threading.get_ident())
        if key in _holders:
            return  # this thread holds the gate already: SQLite's busy handler answers
        slots = _slots(self._gate_path)
        if not slots.acquire(timeout=WAIT_SECONDS):
            raise sqlite3.OperationalError(
                f"database is locked (no turn at the writer gate in {WAIT_SECONDS:g} s)"
            )
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX)  # waits in the kernel, GIL released
        finally:
            slots.release()
        self._gate_holder = key
        _count_holder(key, +1)

    def _file(self) -> int:
        if self._gate_fd is None or self._gate_pid != os.getpid():
            # A forked child opens its own description: one shared with the parent would share
            # the parent's lock too.
            self._gate_fd = os.open(self._gate_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._gate_pid = os.getpid()
        return self._gate_fd

    def _open_gate(self) -> None:
        key, self._gate_holder = self._gate_holder, None
        if key is None or self._gate_pid != os.getpid():
            # In a forked child the lock is the parent's: the child's copy of this connection
            # shares its open file description, and unlocking would open the parent's gate.
            return
        try:
            fcntl.flock(self._gate_fd, fcntl.LOCK_UN)
        finally:
            _count_holder(key, -1)
