"""The real API under gunicorn as a child process in its own process group (benchmarks, crash test)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "ops" / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ApiServer:
    """`gunicorn --config ops/gunicorn.conf.py 'backoffice:create_app()'` on 127.0.0.1:`port`,
    configured through the environment as in production (DATABASE_URL, REDIS_URL, SECRET_KEY)."""

    def __init__(self, database_url: str, redis_url: str, *, workers: int, threads: int,
                 log_path: str | os.PathLike, port: int | None = None) -> None:
        self.port = port or free_port()
        self.log_path = Path(log_path)
        self.env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + os.urandom(8).hex()),
                    "WEB_CONCURRENCY": str(workers), "WATTKEEPER_THREADS": str(threads),
                    "PYTHONUNBUFFERED": "1"}
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> ApiServer:
        with open(self.log_path, "ab") as log:
            # A new session makes the master the leader of a process group holding its workers,
            # so one killpg reaches all of them as a crash would.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", str(CONFIG),
                 "--bind", f"127.0.0.1:{self.port}", "backoffice:create_app()"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_healthy(timeout)
        return self

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"gunicorn did not become healthy in {timeout:.0f} s; see {self.log_path}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master and its live workers (Linux /proc)."""
        total, tick = 0.0, os.sysconf("SC_CLK_TCK")
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if self.process is not None and int(fields[2]) == self.process.pid:  # process group
                total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def kill(self) -> None:
        """SIGKILL the master and every worker at once (no graceful shutdown)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self.process = None

    def stop(self, timeout: float = 20.0) -> None:
        """A graceful stop (SIGTERM to the master), then SIGKILL if it hangs."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        self.kill()
