"""A real local HTTP SMS provider for the driver and dispatcher tests: checks the HMAC signature
on the raw bytes, answers from a script, records what it accepted."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SECRET = "s3cret-key"


class Provider(ThreadingHTTPServer):
    """Answers from a script of (status, body) and records what it verified."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.script: list[tuple[int, dict | str]] = []
        self.accepted: list[dict] = []
        self.bad_signatures = 0
        self.delay = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sms"


class Handler(BaseHTTPRequestHandler):
    server: Provider

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        time.sleep(self.server.delay)
        if not hmac.compare_digest(expected, self.headers.get("X-Signature", "")):
            self.server.bad_signatures += 1
            return self._answer(401, {"error": "bad signature"})
        status, body = self.server.script.pop(0) if self.server.script else (200, {})
        if 200 <= status < 300:
            payload = json.loads(raw)
            payload["key"] = self.headers.get("X-Api-Key")
            self.server.accepted.append(payload)
            if body == {}:
                body = {"message_id": f"p-{len(self.server.accepted)}"}
        self._answer(status, body)

    def _answer(self, status: int, body: dict | str) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def provider():
    server = Provider()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
