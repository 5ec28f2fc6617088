"""A light HTTP/1.1 load client: asyncio streams in one process, one keep-alive connection each.

The benchmarks run the server, its database and the load on the same 2 CPUs. A thread per
client with ``httpx`` costs the client about as much CPU as the server spends on the request, so
the measurement ends up timing the client. Here a request is a handful of bytes written to a
socket and a status line, headers and ``Content-Length`` body read back (chunked bodies are read
too): tens of microseconds of client CPU per request. ``uvloop`` is used when it is installed.

``cpu_seconds`` reads the user + system CPU time of processes from ``/proc`` so that a benchmark
can report which share of the machine the client, the server and the database took.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import orjson

    def loads(data: bytes) -> Any:
        return orjson.loads(data)

    def dumps(value: Any) -> bytes:
        return orjson.dumps(value)

except ImportError:  # pragma: no cover - orjson is optional
    import json

    def loads(data: bytes) -> Any:
        return json.loads(data)

    def dumps(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":")).encode()


class HttpError(Exception):
    pass


class Connection:
    """One keep-alive HTTP/1.1 connection; reconnects once if the server closed it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
            self.writer = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, bytes, dict[str, str]]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        for key, value in (headers or {}).items():
            lines.append(f"{key}: {value}")
        if body is not None:
            lines.append(f"Content-Type: {content_type}")
        lines.append(f"Content-Length: {len(body) if body is not None else 0}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
        for attempt in (0, 1):
            if self.writer is None:
                await self._connect()
            try:
                assert self.writer is not None
                self.writer.write(raw)
                return await self._read()
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt:
                    raise
        raise HttpError("unreachable")

    async def _read(self) -> tuple[int, bytes, dict[str, str]]:
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = {}
        for line in header_lines:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n"))[:-2].split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                parts.append(chunk[:-2])
            body = b"".join(parts)
        elif status in (204, 304) or status < 200:
            body = b""
        else:  # read to the end of the connection
            body = await self.reader.read()
            await self.close()
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, body, headers


@dataclass
class ClientStats:
    cycles: int = 0
    next_latencies: list[float] = field(default_factory=list)
    submit_latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    nothing_left: int = 0
    paused: int = 0

    def error(self, key: str) -> None:
        self.errors[key] = self.errors.get(key, 0) + 1

    def merge(self, other: ClientStats) -> None:
        self.cycles += other.cycles
        self.next_latencies += other.next_latencies
        self.submit_latencies += other.submit_latencies
        self.nothing_left += other.nothing_left
        self.paused += other.paused
        for key, value in other.errors.items():
            self.errors[key] = self.errors.get(key, 0) + value


# One cycle of one client: returns "submitted", "done" (nothing left) or "error".
Cycle = Callable[[Connection, Any, ClientStats], Awaitable[str]]


def run_clients(
    *,
    host: str,
    port: int,
    groups: list[list[Any]],
    cycle: Cycle,
    seconds: float,
) -> tuple[ClientStats, float, float]:
    """Run one client per group for ``seconds``; each works its members round-robin.

    Returns the merged stats, the wall time and the CPU seconds this (client) process used.
    """

    async def client(members: list[Any], stop: float, stats: ClientStats) -> None:
        conn = Connection(host, port)
        turn = 0
        finished: set[int] = set()
        try:
            while time.perf_counter() < stop and len(finished) < len(members):
                index = turn % len(members)
                turn += 1
                if index in finished:
                    continue
                outcome = await cycle(conn, members[index], stats)
                if outcome == "submitted":
                    stats.cycles += 1
                elif outcome == "done":
                    finished.add(index)
        finally:
            await conn.close()

    async def main() -> tuple[ClientStats, float]:
        stats = [ClientStats() for _ in groups]
        started = time.perf_counter()
        stop = started + seconds
        await asyncio.gather(*(client(g, stop, s) for g, s in zip(groups, stats, strict=True)))
        elapsed = time.perf_counter() - started
        total = ClientStats()
        for s in stats:
            total.merge(s)
        return total, elapsed

    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    cpu_before = time.process_time()
    total, elapsed = runner(main())
    return total, elapsed, time.process_time() - cpu_before


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU seconds of the given processes (those that still exist)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def children(pid: int) -> list[int]:
    """The pid and all its descendants."""
    found = [pid]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if ppid == pid:
            found += children(int(entry.name))
    return found


def machine_busy() -> tuple[float, float, float]:
    """(busy, total, steal) jiffies of all CPUs since boot, from /proc/stat.

    Steal is time the hypervisor gave this virtual machine's CPUs to someone else: it counts as
    busy, and it is what makes two runs of the same code on the same machine differ.
    """
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    steal = values[7] if len(values) > 7 else 0
    return sum(values) - idle, sum(values), steal


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def host_speed_ms() -> float:
    """Milliseconds one CPU of this host takes for a fixed piece of interpreter and SQLite work
    (JSON encoding, 20,000 inserts into an in-memory table; best of 5).

    Runs on different days land on different hosts of the same machine kind, and the same code
    has served a third fewer cycles per second on one than on another with no steal reported
    (2026-12-04). Printed beside the results, this figure tells a slower host from a slower
    Jinbiao.
    """
    import json
    import sqlite3

    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        for i in range(20_000):
            body = json.dumps({"id": i, "labels": ["scratch", "dent"], "score": i / 7})
            conn.execute("INSERT INTO t (body) VALUES (?)", (body,))
        conn.execute("SELECT count(*) FROM t").fetchone()
        conn.close()
        best = min(best, time.perf_counter() - started)
    return best * 1000
