"""The sandbox gateway as a real process and the back office as a real HTTP server, for the
end-to-end payment tests: the sandbox calls our notify endpoints over TCP as a gateway would."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
STARTED = re.compile(r"sandbox payment gateway at (\S+) \(payments config: (.+)\)")


@dataclass
class Sandbox:
    url: str
    payments_toml: Path
    process: subprocess.Popen

    def admin(self, method: str, path: str, json=None, status: int = 200):
        response = requests.request(method, f"{self.url}/admin{path}", json=json, timeout=10)
        assert response.status_code == status, response.text
        return response.json()

    def pay(self, channel: str, out_trade_no: str, action: str = "approve"):
        return self.admin("POST", f"/orders/{channel}/{out_trade_no}/{action}")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(10)
        self.process.stdout.close()


def start_sandbox(instance: Path, time_scale: float = 0.01) -> Sandbox:
    process = subprocess.Popen(
        [sys.executable, "-m", "ops.sandbox_gateway", "--port", "0", "--instance", str(instance),
         "--time-scale", str(time_scale)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
        start_new_session=True)
    line = process.stdout.readline()
    found = STARTED.search(line)
    if not found:
        process.kill()
        raise RuntimeError(f"the sandbox did not start: {line!r}")
    return Sandbox(found.group(1), Path(found.group(2)), process)


class _InFlight:
    """WSGI middleware counting requests still being answered, so that stopping the server can
    wait for them: a request thread that outlives the test would give its database connection
    back to a pool already disposed, and the connection would be left open."""

    def __init__(self, app) -> None:
        self.app, self.count, self.lock = app, 0, threading.Condition()

    def __call__(self, environ, start_response):
        with self.lock:
            self.count += 1
        try:
            # Materialised and closed here, so the request (and its session) is over when this
            # returns.
            body = self.app(environ, start_response)
            try:
                return list(body)
            finally:
                if hasattr(body, "close"):
                    body.close()
        finally:
            with self.lock:
                self.count -= 1
                self.lock.notify_all()

    def wait_idle(self, timeout: float) -> None:
        with self.lock:
            self.lock.wait_for(lambda: self.count == 0, timeout)


@dataclass
class Office:
    """The back office's Flask app served on a real port in a thread."""

    app: object
    url: str
    server: object
    thread: threading.Thread
    in_flight: _InFlight

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(10)
        self.in_flight.wait_idle(30)
        self.server.server_close()


def serve(app) -> Office:
    in_flight = _InFlight(app)
    server = make_server("127.0.0.1", 0, in_flight, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return Office(app, f"http://127.0.0.1:{server.server_port}", server, thread, in_flight)


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05, what: str = "the condition"):
    """Poll until `predicate()` returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)
