"""The SQLite writer gate: one writer at a time, across threads and processes, never stuck."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from backend import sqlite_gate
from backend.db import make_engine
from backend.sqlite_gate import GatedConnection, gate_path

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the gate uses flock")


def _connect(path: Path, *, timeout: float = 0.0) -> GatedConnection:
    # timeout 0: a writer that met SQLite's lock would fail at once with "database is locked".
    # No PRAGMA here: the fixture sets WAL once (it persists in the file); a PRAGMA journal_mode
    # on every connection is a statement outside the gate that can itself meet a writer's lock.
    return sqlite3.connect(
        path,
        timeout=timeout,
        isolation_level=None,
        check_same_thread=False,
        factory=GatedConnection,
    )


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "gate.db"
    conn = _connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE counter (n INTEGER NOT NULL)")
    conn.execute("INSERT INTO counter VALUES (0)")
    conn.close()
    return path


def test_gate_paths():
    assert gate_path(":memory:") is None
    assert gate_path("") is None
    assert gate_path("file:x?mode=memory&cache=shared") is None
    assert gate_path("/data/jinbiao.db") == "/data/jinbiao.db-writer"
    assert gate_path("file:/data/jinbiao.db?mode=rwc") == "/data/jinbiao.db-writer"


def test_threads_never_meet_sqlites_lock(database: Path):
    """16 threads x 40 read-modify-write transactions with a busy timeout of zero: behind the
    gate none of them ever finds SQLite's write lock taken, and no increment is lost."""
    errors: list[BaseException] = []

    def work(conn: GatedConnection) -> None:
        try:
            for _ in range(40):
                conn.begin_immediate()
                (n,) = conn.execute("SELECT n FROM counter").fetchone()
                conn.execute("UPDATE counter SET n = ?", (n + 1,))
                conn.commit()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            conn.close()

    # opened here, one after another: only the transactions run concurrently (CI once saw a
    # connection's first statement meet a writer's lock with the timeout of zero)
    threads = [threading.Thread(target=work, args=(_connect(database),)) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    conn = _connect(database)
    assert conn.execute("SELECT n FROM counter").fetchone() == (640,)
    conn.close()


def test_rollback_and_close_open_the_gate(database: Path):
    first, second = _connect(database), _connect(database)
    first.begin_immediate()
    first.rollback()
    second.begin_immediate()  # would wait forever if the rollback had kept the gate
    second.close()  # closing inside a transaction opens it too
    first.begin_immediate()
    first.commit()
    first.close()


def test_a_failed_begin_opens_the_gate(database: Path):
    """BEGIN inside a transaction fails; the gate is not left taken by it."""
    conn = _connect(database)
    conn.execute("BEGIN")  # a transaction opened behind the gate's back
    with pytest.raises(sqlite3.OperationalError, match="within a transaction"):
        conn.begin_immediate()
    conn.rollback()
    other = _connect(database)
    other.begin_immediate()
    other.commit()
    other.close()
    conn.close()


def test_a_thread_holding_the_gate_does_not_wait_for_itself(database: Path):
    """It begins on a second connection: no gate for that one, and SQLite's busy handler fails
    after the connection's timeout (0 here) with "database is locked", as without a gate."""
    first, second = _connect(database), _connect(database)
    first.begin_immediate()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        second.begin_immediate()
    first.commit()
    second.begin_immediate()  # and the gate still works afterwards
    second.commit()
    first.close()
    second.close()


def test_waiters_beyond_the_kernel_slots_give_up_in_time(
    database: Path, monkeypatch: pytest.MonkeyPatch
):
    """With one slot: the first waiter waits in flock for as long as it takes; the second waits
    for that slot at most ``WAIT_SECONDS`` and fails as SQLite would."""
    monkeypatch.setattr(sqlite_gate, "KERNEL_WAITERS", 1)
    monkeypatch.setattr(sqlite_gate, "WAIT_SECONDS", 0.2)
    holder, patient, surplus = _connect(database), _connect(database), _connect(database)
    holder.begin_immediate()
    patient_thread = threading.Thread(target=patient.begin_immediate)
    patient_thread.start()
    while not patient_thread.is_alive() or sqlite_gate._slots(gate_path(str(database)))._value:
        threading.Event().wait(0.01)  # until the patient waiter holds the one slot
    failed: list[BaseException] = []

    def give_up() -> None:
        try:
            surplus.begin_immediate()
        except sqlite3.OperationalError as exc:
            failed.append(exc)

    surplus_thread = threading.Thread(target=give_up)
    surplus_thread.start()
    surplus_thread.join(30)
    assert [str(e) for e in failed] == ["database is locked (no turn at the writer gate in 0.2 s)"]
    assert patient_thread.is_alive()  # still waiting in flock
    holder.commit()
    patient_thread.join(30)
    assert patient.holds_gate
    patient.commit()
    for conn in (holder, patient, surplus):
        conn.close()


def test_a_transaction_may_end_in_another_thread(database: Path):
    """FastAPI may close a request's session in another thread than the one that began it."""
    first, second = _connect(database), _connect(database)
    first.begin_immediate()
    ender = threading.Thread(target=first.rollback)
    ender.start()
    ender.join(30)
    second.begin_immediate()
    second.commit()
    first.close()
    second.close()


def test_a_forked_child_does_not_open_its_parents_gate(database: Path):
    """A child that closes its copy of a connection the parent holds the gate on (a pool
    disposed after fork) leaves the parent's lock alone."""
    holder, other = _connect(database), _connect(database)
    holder.begin_immediate()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            holder.close()
        finally:
            os._exit(0)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    waiting = threading.Thread(target=other.begin_immediate)
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive(), "the child's close let a second writer in"
    holder.commit()
    waiting.join(30)
    assert not waiting.is_alive()
    other.commit()
    holder.close()
    other.close()


def _hold_gate(path: str, held: multiprocessing.synchronize.Event) -> None:
    conn = _connect(Path(path))
    conn.begin_immediate()
    held.set()
    threading.Event().wait()  # until killed


def test_the_gate_of_a_killed_process_opens(database: Path):
    """A worker killed inside a transaction does not leave the gate taken: the kernel drops its
    flock, and SQLite's lock (also held by the dead process) goes with its file handles."""
    context = multiprocessing.get_context("spawn")
    held = context.Event()
    holder = context.Process(target=_hold_gate, args=(str(database), held))
    holder.start()
    try:
        assert held.wait(60)
        conn = _connect(database, timeout=5)
        waiting = threading.Thread(target=conn.begin_immediate)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive(), "the gate let a second writer in"
        os.kill(holder.pid, signal.SIGKILL)
        waiting.join(60)
        assert not waiting.is_alive()
        conn.execute("UPDATE counter SET n = n + 1")
        conn.commit()
        conn.close()
    finally:
        holder.kill()
        holder.join()


def test_engine_transactions_go_through_the_gate(database: Path):
    """Jinbiao's engine begins every transaction behind the gate and opens it on commit."""
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            conn.execute(text("UPDATE counter SET n = n + 1"))
            raw = conn.connection.dbapi_connection
            assert isinstance(raw, GatedConnection)
            assert raw.holds_gate
            conn.commit()
            assert not raw.holds_gate
    finally:
        engine.dispose()
