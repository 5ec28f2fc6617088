"""While PostgreSQL is unreachable the API answers 503 ``unavailable`` with ``Retry-After``,
never a 500, on the ORM paths and on the hot path alike, and it recovers by itself once the
database is back (issue 23). The database "goes down" for the served process only: its
connections run through a TCP proxy that the test cuts and restores."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from support.fixtures import free_port
from support.scratch_db import scratch_database
from support.tcp_proxy import TcpProxy

ROOT = Path(__file__).resolve().parents[2]
PG_BASE = os.environ.get("JINBIAO_TEST_DATABASE_URL", "")

pytestmark = pytest.mark.skipif(not PG_BASE, reason="needs PostgreSQL (JINBIAO_TEST_DATABASE_URL)")


def _through(proxy: TcpProxy, url: str) -> str:
    parts = urlsplit(url)
    return url.replace(parts.netloc, f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}", 1)


def _wait(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, "the server exited"
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        assert time.monotonic() < deadline, "not healthy in time"
        time.sleep(0.3)


def test_database_down_means_503_with_retry_after_and_recovery_by_itself(tmp_path):
    parts = urlsplit(PG_BASE)
    with scratch_database(PG_BASE, "jinbiao_down") as url:
        proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
        env = {k: v for k, v in os.environ.items() if not k.startswith("JINBIAO_")}
        env.update(
            JINBIAO_DATABASE_URL=_through(proxy, url),
            JINBIAO_PASSWORD_HASH_TIME_COST="1",
            JINBIAO_PASSWORD_HASH_MEMORY_KIB="1024",
            PYTHONPATH=str(ROOT),
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "serve", "--no-worker", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            start_new_session=True,
        )
        try:
            _wait(base, process)
            api = httpx.Client(base_url=f"{base}/api/v1", timeout=30)
            assert (
                api.post(
                    "/auth/signup",
                    json={"email": "d@example.com", "password": "down-pass-1", "name": "D"},
                ).status_code
                == 201
            )
            token = api.post(
                "/auth/token", data={"username": "d@example.com", "password": "down-pass-1"}
            ).json()["access_token"]
            api.headers["Authorization"] = f"Bearer {token}"
            org = api.post("/orgs", json={"name": "Down"}).json()["id"]
            project = api.post(
                f"/orgs/{org}/projects",
                json={
                    "name": "p",
                    "kind": "text_classification",
                    "gold_rate": 0,
                    "labels": [{"name": "ok"}, {"name": "ng"}],
                },
            ).json()["id"]
            imported = api.post(
                f"/projects/{project}/items", json={"items": [{"text": f"t{i}"} for i in range(5)]}
            )
            assert imported.status_code == 201, imported.text
            assert api.post(f"/projects/{project}/next").status_code == 200  # pool warmed

            proxy.cut()
            for method, path in (
                ("GET", "/me"),
                ("POST", f"/projects/{project}/next"),
                ("GET", f"/projects/{project}"),
            ):
                answer = api.request(method, path)
                assert answer.status_code == 503, (path, answer.status_code, answer.text)
                assert answer.json()["code"] == "unavailable"
                assert answer.headers["retry-after"] == "5"
                assert answer.headers["x-request-id"]

            proxy.restore()
            cut_over = time.monotonic() + 60
            while (status := api.get("/me").status_code) != 200:
                assert status == 503, status
                assert time.monotonic() < cut_over, "did not recover by itself"
                time.sleep(0.5)
            assert api.post(f"/projects/{project}/next").status_code in (200, 204)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
            proxy.cut()
