"""`jinbiao serve` and `jinbiao demo` on a fresh directory with nothing configured."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from backend.security.api_tokens import hash_token
from backend.serving import STARTUP_SECONDS
from support.fixtures import free_port

ROOT = Path(__file__).resolve().parents[2]


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JINBIAO_")}
    env["JINBIAO_PASSWORD_HASH_TIME_COST"] = "1"
    env["JINBIAO_PASSWORD_HASH_MEMORY_KIB"] = "1024"
    env["PYTHONPATH"] = str(ROOT)
    return env


def _wait_healthy(base: str, process: subprocess.Popen, seconds: float = 60) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            answer = httpx.get(f"{base}/healthz", timeout=2)
            if answer.status_code == 200:
                return answer
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("no healthy answer in time")


def _stop_group(process: subprocess.Popen) -> None:
    """Stop `serve` and the worker it started: SIGTERM to the group, SIGKILL if it lingers."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # any child still alive


def test_serve_answers_healthz_on_a_fresh_directory(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        start_new_session=True,  # its worker child is stopped with it, as a group
    )
    try:
        health = _wait_healthy(f"http://127.0.0.1:{port}", process)
        assert health.json()["database"] == "ok"
        assert health.json()["broker"] == "ok"
        assert (tmp_path / "var" / "jinbiao.db").is_file()
        docs = httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5)
        assert docs.status_code == 200
    finally:
        _stop_group(process)


def test_demo_seeds_every_kind_and_prints_credentials(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "demo", "--no-serve"],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "owner@demo.jinbiao.dev" in result.stdout
    assert result.stdout.count("annotator") >= 3
    for role in ("reviewer", "client"):
        assert f"{role}@demo.jinbiao.dev" in result.stdout
    first_link = _invite_token(result.stdout)
    again = subprocess.run(
        [sys.executable, "-m", "backend.cli", "demo", "--no-serve"],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr

    import sqlite3

    with sqlite3.connect(tmp_path / "var" / "jinbiao.db") as db:
        kinds = sorted(row[0] for row in db.execute("SELECT kind FROM projects"))
        users = db.execute("SELECT count(*) FROM users").fetchone()[0]
        templates = db.execute("SELECT count(*) FROM item_references").fetchone()[0]
        polygon_gold = db.execute(
            "SELECT count(*) FROM gold_answers g JOIN projects p ON p.id = g.project_id"
            " WHERE p.kind = 'image_polygons'"
        ).fetchone()[0]
    assert kinds == [
        "image_boxes",
        "image_classification",
        "image_polygons",
        "text_classification",
        "text_spans",
    ]
    assert templates > 0 and polygon_gold > 0  # PCB pairs with their templates, some gold
    assert users == 7
    second_link = _invite_token(again.stdout)
    with sqlite3.connect(tmp_path / "var" / "jinbiao.db") as db:
        invites = dict(db.execute("SELECT token_hash, revoked_at IS NULL FROM invites").fetchall())
        teams = db.execute("SELECT name FROM teams").fetchall()
    assert invites == {hash_token(first_link): 0, hash_token(second_link): 1}  # one open link
    assert [name for (name,) in teams] == ["Shift A 早班"]


def _invite_token(stdout: str) -> str:
    """The token of the invitation link ``jinbiao demo`` printed."""
    import re

    match = re.search(r"http://127\.0\.0\.1:8000/#/invite/([A-Za-z0-9_-]{40,})", stdout)
    assert match, stdout
    return match.group(1)


def _listening_and_connected(port: int) -> tuple[dict[int, int], dict[int, int]]:
    """Per process: its listening sockets and its established connections on ``port``."""
    states: dict[str, str] = {}  # socket inode -> TCP state, for sockets bound to the port
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    states[fields[9]] = fields[3]
    listening: dict[int, int] = {}
    connected: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                target = os.readlink(fd)
                inode = target[len("socket:[") : -1] if target.startswith("socket:[") else ""
                state = states.get(inode)
                if state == "0A":  # LISTEN
                    listening[int(entry.name)] = listening.get(int(entry.name), 0) + 1
                elif state == "01":  # ESTABLISHED
                    connected[int(entry.name)] = connected.get(int(entry.name), 0) + 1
    return listening, connected


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT balancing: Linux")
def test_api_processes_each_listen_share_connections_and_are_replaced(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "backend.cli",
            "serve",
            "--no-worker",
            "--port",
            str(port),
            "--api-processes",
            "2",
            "--keep-alive",  # the 24 connections stay open while a loaded machine opens them all
            "120",
        ],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    clients: list[httpx.Client] = []
    try:
        _wait_healthy(base, process)
        started = time.monotonic()  # both API processes started before this answer
        deadline = started + 60
        while len(_listening_and_connected(port)[0]) < 2:  # the second may still be starting
            assert time.monotonic() < deadline, "the second API process never listened"
            time.sleep(0.2)
        listening, _ = _listening_and_connected(port)
        assert process.pid not in listening  # the supervisor accepts nothing itself
        assert sorted(listening.values()) == [1, 1]
        # 24 keep-alive connections: by the kernel's hash, each process gets some of them
        # (all 24 on one process would have odds of 2 in 16.8 million).
        for _ in range(24):
            http = httpx.Client(base_url=base, timeout=10)
            assert http.get("/healthz").status_code == 200
            clients.append(http)
        _, connected = _listening_and_connected(port)
        served = {pid: connected.get(pid, 0) for pid in listening}
        assert all(count > 0 for count in served.values()), served
        assert sum(served.values()) == 24
        # A process killed once the server is up is replaced, and the port keeps answering.
        for http in clients:
            http.close()
        victim = min(listening)
        time.sleep(max(0.0, started + STARTUP_SECONDS + 0.5 - time.monotonic()))
        os.kill(victim, signal.SIGKILL)
        while True:
            now_listening = _listening_and_connected(port)[0]
            if len(now_listening) == 2 and victim not in now_listening:
                break
            assert time.monotonic() < started + 120, "the killed API process was not replaced"
            time.sleep(0.2)
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
    finally:
        for http in clients:
            http.close()
        os.kill(process.pid, signal.SIGTERM)
        code = process.wait(timeout=40)
    assert code == 0
    assert not _listening_and_connected(port)[0]  # every API process has stopped


def test_serve_refuses_an_unknown_log_level_before_doing_anything(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "serve", "--log-level", "loud"],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--log-level" in result.stderr and "'loud'" in result.stderr
    assert not (tmp_path / "var").exists()  # no database was created or migrated


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT balancing: Linux")
def test_several_api_processes_on_a_taken_port_exit_with_the_reason(tmp_path):
    import socket

    with socket.socket() as taken:  # a plain listener: no SO_REUSEPORT, so nobody may join it
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "backend.cli",
                "serve",
                "--no-worker",
                "--port",
                str(port),
                "--api-processes",
                "2",
            ],
            cwd=tmp_path,
            env=_clean_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in result.stderr
    assert "Traceback" not in result.stderr


def _children(pid: int) -> list[int]:
    tasks = Path(f"/proc/{pid}/task")
    found: list[int] = []
    for task in tasks.iterdir() if tasks.exists() else []:
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found += [int(p) for p in text.split()]
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_sigterm_to_serve_alone_stops_its_worker_too(tmp_path):
    """``kill <pid of serve>`` (not the group) used to leave the worker running, orphaned: uvicorn
    re-raises the SIGTERM it caught once it has shut down, and the default action ended the
    process before ``serve`` could stop its child."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        start_new_session=True,
    )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", process)
        [worker] = _children(process.pid)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and Path(f"/proc/{worker}").exists():
            stat = Path(f"/proc/{worker}/stat").read_text().split()
            if stat[2] == "Z":  # a zombie of a parent that is gone is reaped by init soon
                break
            time.sleep(0.2)
        assert not Path(f"/proc/{worker}").exists() or stat[2] == "Z", "the worker outlived serve"
    finally:
        _stop_group(process)
