"""How hard one sweep may drive its event loop: buses polled at once, buses per shard, and
telling a meter that did not answer from a loop that came back too late to hear it.

One event loop serves a bounded number of exchanges a second (docs/benchmarks.md, "Freshness in
steady state"): asked for more, it handles replies after the gateway timeout and healthy meters
look dead. So a sweep polls at most `buses_at_once` buses together, a shard holds what that many
buses read in part of a poll interval, and a timeout that fired late is not held against the meter.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

# Buses one loop polls at once. Measured 2026-11-29 (docs/benchmarks.md, "Freshness in steady
# state"): a read costs the worker process ~270 us of CPU (~140 on the loop: exchange and decode;
# ~120 in the store threads), and a 32-meter bus at 9600 baud asks for ~6.4 reads a second. 192
# buses are ~1,230 reads/s, a third of a core: the loop keeps a mean lag of a few tens of ms, so
# replies are handled well inside the 400 ms timeout even with the store threads taking the GIL.
BUSES_AT_ONCE = 192
# One pass over a full bus: 32 hot-block reads of (8 + 69 bytes + 7 silent chars) x 11 bits at
# 9600 baud (96 ms) plus the meter's turnaround (20-100 ms, 60 ms on average): ~5 s.
BUS_PASS_S = 5.0
# Share of the poll interval a shard is sized to fill: the rest absorbs slow buses, backed-off
# meters' timeouts and commands run on the way.
INTERVAL_SHARE = 0.5
# A shard job is killed after 600 s (schedule.SHARD_TIMEOUT_S); long intervals are cut into
# shards sized as for a 600 s interval, so a job ends well inside its timeout.
LONGEST_SIZED_S = 600


def shard_buses(interval_s: int, buses_at_once: int = BUSES_AT_ONCE, *, bus_pass_s: float = BUS_PASS_S,
                share: float = INTERVAL_SHARE) -> int:
    """Buses one sweep job polls within `share` of the interval (at most of 600 s), `buses_at_once`
    at a time."""
    seconds = min(interval_s, LONGEST_SIZED_S) * share
    return max(1, int(buses_at_once * max(seconds / bus_pass_s, 1.0)))


def late_after(timeout_s: float) -> float:
    """A request that took this long to fail was failed by our loop's lateness, not the meter's.

    A healthy loop wakes a timed-out request within milliseconds of its timeout; a quarter of the
    timeout (at least 50 ms) more means the loop was too busy to see a reply that may have come.
    """
    return timeout_s + max(0.05, timeout_s / 4)


@dataclass
class LoopLag:
    """How late the event loop wakes a sleeper: the sweep's own measure of an overloaded loop."""

    every_s: float = 0.1
    samples: int = 0
    total_s: float = 0.0
    max_s: float = 0.0

    async def run(self) -> None:
        while True:
            begun = time.perf_counter()
            await asyncio.sleep(self.every_s)
            lag = max(0.0, time.perf_counter() - begun - self.every_s)
            self.samples += 1
            self.total_s += lag
            self.max_s = max(self.max_s, lag)

    @property
    def mean_s(self) -> float:
        return self.total_s / self.samples if self.samples else 0.0

    @contextlib.asynccontextmanager
    async def watching(self):
        task = asyncio.create_task(self.run())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
