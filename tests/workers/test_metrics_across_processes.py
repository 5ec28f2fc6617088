"""``jinbiao serve`` with metrics on: two API processes and a worker write their samples to one
folder, and any scrape, whichever process answers it, adds them all up (prometheus_client's
multiprocess mode) — request counts of both processes and the worker's job durations."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from support.fixtures import free_port

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JINBIAO_", "PROMETHEUS_"))}
    env.update(
        JINBIAO_PASSWORD_HASH_TIME_COST="1",
        JINBIAO_PASSWORD_HASH_MEMORY_KIB="1024",
        JINBIAO_METRICS_ENABLED="1",
        PYTHONPATH=str(ROOT),
    )
    return env


def _samples(text: str, name: str) -> list:
    return [
        sample
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def test_a_scrape_adds_up_every_api_process_and_the_worker(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "serve", "--port", str(port), "--api-processes", "2"],
        cwd=tmp_path,
        env=_env(),
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, "the server exited"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, "no healthy answer in time"
            time.sleep(0.3)
        signup = httpx.post(
            f"{base}/api/v1/auth/signup",
            json={"email": "m@example.com", "password": "metrics-pass-1", "name": "M"},
        )
        assert signup.status_code == 201, signup.text
        token = httpx.post(
            f"{base}/api/v1/auth/token",
            data={"username": "m@example.com", "password": "metrics-pass-1"},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(12):  # new connections: the kernel spreads them over both processes
            assert httpx.get(f"{base}/api/v1/me", headers=headers).status_code == 200
        ping = httpx.post(
            f"{base}/api/v1/system/ping", json={"echo": "m"}, headers=headers, timeout=60
        )
        assert ping.status_code == 200, ping.text

        folder = tmp_path / "var" / "metrics"
        writers = {path.name.rsplit("_", 1)[-1] for path in folder.glob("*.db")}
        assert len(writers) >= 3, f"two API processes and a worker write samples: {writers}"

        for _ in range(4):  # whichever process answers, the figures are the sum of all
            scrape = httpx.get(f"{base}/metrics", timeout=10)
            assert scrape.status_code == 200
            me = sum(
                s.value
                for s in _samples(scrape.text, "jinbiao_http_request_duration_seconds_count")
                if s.labels["route"] == "/api/v1/me" and s.labels["status"] == "200"
            )
            assert me == 12
            jobs = [
                s
                for s in _samples(scrape.text, "jinbiao_job_duration_seconds_count")
                if s.labels["task"] == "jinbiao.system.ping"
            ]
            assert jobs and jobs[0].labels["outcome"] == "success" and jobs[0].value >= 1
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
