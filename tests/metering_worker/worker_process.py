"""A real `rq worker` process on the commands queue, as production starts it, for the tests
that run commands end to end against simulated meters on real TCP ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from metering_worker.simulator.config import DEMO_MASTER_KEY

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    """`rq worker` on the commands queue with the JSON serializer, as production starts it."""

    def __init__(self, database_url: str, redis_url: str, log: Path, name: str = "kill-test") -> None:
        self.env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                    "WATTKEEPER_SITE_MASTER_KEY": DEMO_MASTER_KEY}
        self.redis_url, self.log, self.name = redis_url, log, name
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "rq.cli", "worker", "--url", self.redis_url,
                 "--serializer", "rq.serializers.JSONSerializer", "--name", f"{self.name}-{time.time_ns()}",
                 "commands"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        """SIGKILL the worker and its work horse (rq forks one per job into its own process
        group), as a host that dies takes both."""
        assert self.process is not None
        for pid in [*_children(self.process.pid), self.process.pid]:
            os.kill(pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found
