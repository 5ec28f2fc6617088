"""The processes a fault run works on, and the faults it injects into them.

``jinbiao serve --api-processes N --no-worker`` and a separate ``jinbiao worker --beat``, on a
scratch PostgreSQL database and a Redis database. Both dependencies are reached through a
``tests/support/tcp_proxy.TcpProxy`` each: "PostgreSQL down" and "Redis down" cut the proxy
(every open connection is dropped, new ones are refused) and restore it. The real servers keep
running: this machine shares them with other work, and for the processes under test a cut
proxy looks like a stopped or restarted server (connections reset, then refused, then a fresh
server that knows none of the old sessions).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg

from support.tcp_proxy import TcpProxy

REPO = Path(__file__).resolve().parents[2]


def _through(proxy: TcpProxy, url: str) -> str:
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return url.replace(parts.netloc, f"{user}127.0.0.1:{proxy.port}", 1)


@dataclass
class Stack:
    database_url: str  # direct, for the setup and the checker
    redis_url: str
    port: int
    api_processes: int
    workdir: Path
    worker_env: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. S3 media for every process
    pg_proxy: TcpProxy | None = None
    redis_proxy: TcpProxy | None = None
    api: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- start and stop -------------------------------------------------------------------------

    def start(self, *, fault_delay_seconds: float = 1.0, with_worker: bool = True) -> None:
        pg = urlsplit(self.database_url)
        redis = urlsplit(self.redis_url)
        self.pg_proxy = TcpProxy(pg.hostname or "127.0.0.1", pg.port or 5432)
        self.redis_proxy = TcpProxy(redis.hostname or "127.0.0.1", redis.port or 6379)
        env = {k: v for k, v in os.environ.items() if not k.startswith("JINBIAO_")}
        env.update(
            JINBIAO_ENV="local",
            JINBIAO_DATA_DIR=str(self.workdir),
            JINBIAO_DATABASE_URL=_through(self.pg_proxy, self.database_url),
            JINBIAO_BROKER_URL=_through(self.redis_proxy, self.redis_url),
            JINBIAO_QUEUE_NAME=f"faults-{uuid.uuid4().hex[:8]}",
            JINBIAO_PASSWORD_HASH_TIME_COST="1",
            JINBIAO_PASSWORD_HASH_MEMORY_KIB="1024",
            # The sweep re-sends recomputes lost to a killed worker or a broker outage; short
            # here so that a 60 s run sees it catch up.
            JINBIAO_QUALITY_STALE_SECONDS="4",
            JINBIAO_QUALITY_SWEEP_SECONDS="2",
            PYTHONPATH=str(REPO),
        )
        env.update(self.extra_env)
        self.worker_env = {
            **env,
            # Each recompute sleeps this long after claiming, so a worker can be killed mid-job.
            "JINBIAO_QUALITY_FAULT_DELAY_SECONDS": str(fault_delay_seconds),
        }
        argv = [sys.executable, "-m", "backend.cli", "serve", "--no-worker", "--port"]
        argv += [str(self.port), "--api-processes", str(self.api_processes)]
        argv += ["--log-level", "warning", "--no-access-log"]
        with (self.workdir / "api.log").open("ab") as log:  # the outages' warnings go there
            self.api = subprocess.Popen(
                argv, cwd=REPO, env=env, start_new_session=True, stdout=log, stderr=log
            )
        self._wait_healthy()
        if with_worker:
            self.start_worker()

    def start_worker(self) -> None:
        # A beat killed mid-write can leave its schedule file unreadable; a fresh one is harmless.
        for stale in self.workdir.glob("celerybeat-schedule*"):
            stale.unlink()
        argv = [sys.executable, "-m", "backend.cli", "worker", "--beat", "--concurrency", "1"]
        with (self.workdir / "worker.log").open("ab") as log:
            self.worker = subprocess.Popen(
                argv,
                cwd=REPO,
                env=self.worker_env,
                start_new_session=True,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def worker_log_tail(self, lines: int = 30) -> str:
        path = self.workdir / "worker.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def _wait_healthy(self, timeout: float = 300) -> None:
        # Spawned API processes import the app at once: minutes on a loaded 2-CPU machine.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.api is not None
            if self.api.poll() is not None:
                raise RuntimeError("the API exited on start")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError("the API did not become healthy")

    def stop(self) -> None:
        for process in (self.worker, self.api):
            if process is None or process.poll() is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for proxy in (self.pg_proxy, self.redis_proxy):
            if proxy is not None:
                proxy.cut()

    # -- faults ---------------------------------------------------------------------------------

    def api_pids(self) -> list[int]:
        """The API processes the supervisor runs (its spawned children, not its helpers)."""
        assert self.api is not None
        found = []
        for pid in _children(self.api.pid):
            with contextlib.suppress(OSError):
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"multiprocessing.spawn" in cmdline and b"resource_tracker" not in cmdline:
                    found.append(pid)
        return found

    def kill_api_process(self) -> int:
        """SIGKILL one API process; returns its pid."""
        victim = self.api_pids()[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def api_replaced(self, victim: int) -> bool:
        pids = self.api_pids()
        return victim not in pids and len(pids) == self.api_processes

    def kill_worker(self) -> None:
        """SIGKILL the worker and its pool (the whole process group)."""
        assert self.worker is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()

    def quality_state(self, project_id: int) -> tuple[float | None, float | None, float | None]:
        """(requested, started, computed) of the project's quality state, as epoch seconds."""
        with psycopg.connect(_libpq(self.database_url), autocommit=True) as conn:
            row = conn.execute(
                "SELECT extract(epoch FROM requested_at), extract(epoch FROM started_at), "
                "extract(epoch FROM computed_at) FROM project_quality WHERE project_id = %s",
                (project_id,),
            ).fetchone()
        if row is None:
            return None, None, None
        return tuple(float(v) if v is not None else None for v in row)  # type: ignore[return-value]

    def job_in_flight(self, project_id: int) -> bool:
        _, started, computed = self.quality_state(project_id)
        return started is not None and (computed is None or computed < started)

    def consensus_rows(self, project_id: int) -> int:
        with psycopg.connect(_libpq(self.database_url), autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM consensus WHERE project_id = %s", (project_id,)
            ).fetchone()
        return int(row[0]) if row else 0


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError):
            continue
        if ppid == pid:
            found.append(int(entry.name))
    return found
