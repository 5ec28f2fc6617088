"""A real HTTP server on localhost that plays an outside model: answers well, slowly, with 500s,
with invalid JSON or with bad results, as the test asks (``mode``), and counts the requests."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[dict[str, Any]], dict[str, Any]]


class FakeModel:
    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.bodies: list[dict[str, Any]] = []
        self.answer: Answer = lambda body: {"results": []}
        self.arrived = threading.Event()  # a request reached the server
        self.release = threading.Event()  # mode "hang" answers once this is set
        self.base = ""

    def url(self, mode: str) -> str:
        return f"{self.base}/{mode}"


def _handler(model: FakeModel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet test output
            pass

        def do_POST(self) -> None:
            mode = self.path.strip("/")
            model.hits[mode] += 1
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            model.bodies.append(body)
            model.arrived.set()
            if mode == "hang":
                model.release.wait(timeout=60)
            if mode == "slow":
                time.sleep(1.5)
            if mode == "fail":
                self._send(500, b'{"detail": "model crashed"}')
            elif mode == "badjson":
                self._send(200, b"{'results': not json")
            else:
                self._send(200, json.dumps(model.answer(body)).encode())

        def _send(self, status: int, data: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                pass

    return Handler


@contextmanager
def fake_model_server() -> Iterator[FakeModel]:
    model = FakeModel()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(model))
    server.daemon_threads = True
    model.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield model
    finally:
        model.release.set()
        server.shutdown()
        server.server_close()
