"""JSON log lines carry the request id and the caller, and never a token (issue 23)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from backend.operations.logs import JsonFormatter, redact
from backend.operations.request_context import current_request_id, current_user_id
from support.fixtures import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_tokens_are_masked_in_paths_queries_and_headers() -> None:
    line = (
        "GET /api/v1/invites/Zk3x_9-Ab/accept?token=abc&access_token=def&page=2 "
        "Authorization: Bearer eyJhbGciOi.J9.sig password=hunter2"
    )
    cleaned = redact(line)
    for secret in ("Zk3x_9-Ab", "abc&", "def", "eyJhbGciOi", "hunter2"):
        assert secret not in cleaned
    assert "/invites/[redacted]/accept" in cleaned
    assert "page=2" in cleaned


def test_a_json_line_has_the_request_id_user_and_unescaped_chinese() -> None:
    record = logging.LogRecord(
        "backend.x", logging.WARNING, __file__, 1, "标注 %s", ("完成",), None
    )
    request_token = current_request_id.set("req-42")
    user_token = current_user_id.set(7)
    try:
        entry = json.loads(JsonFormatter().format(record))
    finally:
        current_request_id.reset(request_token)
        current_user_id.reset(user_token)
    assert entry["request_id"] == "req-42"
    assert entry["user_id"] == 7
    assert entry["message"] == "标注 完成"
    assert entry["level"] == "warning"
    assert entry["logger"] == "backend.x"


def test_serve_writes_json_access_lines_with_the_request_id_and_no_token(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JINBIAO_")}
    env.update(
        JINBIAO_LOG_FORMAT="json",
        JINBIAO_PASSWORD_HASH_TIME_COST="1",
        JINBIAO_PASSWORD_HASH_MEMORY_KIB="1024",
        PYTHONPATH=str(ROOT),
    )
    port = free_port()
    log_file = (tmp_path / "serve.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "serve", "--no-worker", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stderr=log_file,
        stdout=log_file,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the server exited"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline
            time.sleep(0.3)
        answer = httpx.get(
            f"{base}/api/v1/invites/very-secret-invite-token", headers={"X-Request-ID": "trace-77"}
        )
        assert answer.status_code == 404
        assert answer.headers["x-request-id"] == "trace-77"
        time.sleep(0.5)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    text = (tmp_path / "serve.log").read_text()
    assert "very-secret-invite-token" not in text
    entries = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line
    traced = [e for e in entries if e.get("request_id") == "trace-77"]
    assert traced, text[-2000:]
    assert any("/api/v1/invites/[redacted]" in e["message"] for e in traced)
