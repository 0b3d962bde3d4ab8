"""Bus exclusivity: whoever talks to an RS485 bus holds `wk:bus:<bus_id>:lock` in Redis.

A bus answers one request at a time, so two workers on one bus only slow each other down and
interleave a command's write and read-back. The lock is SET NX PX with a random token, renewed
while held and released in `finally` only by its owner (a Lua check-and-delete).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator

from redis import Redis

DEFAULT_TTL_MS = 30_000  # long enough for a 32-meter bus pass between renewals

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


def lock_key(bus_id: int) -> str:
    return f"wk:bus:{bus_id}:lock"


class BusLock:
    """One holder's handle on one bus lock (sync calls: each is one short Redis round trip)."""

    def __init__(self, redis: Redis, bus_id: int, *, ttl_ms: int = DEFAULT_TTL_MS, owner: str = "") -> None:
        self.redis = redis
        self.bus_id = bus_id
        self.key = lock_key(bus_id)
        self.ttl_ms = ttl_ms
        self.token = f"{owner}:{secrets.token_hex(8)}" if owner else secrets.token_hex(8)
        self.held = False

    def acquire(self) -> bool:
        self.held = bool(self.redis.set(self.key, self.token, nx=True, px=self.ttl_ms))
        return self.held

    def renew(self) -> bool:
        """Extend the lease; False means it was lost (expired and taken by someone else)."""
        self.held = bool(self.redis.eval(_RENEW, 1, self.key, self.token, self.ttl_ms))
        return self.held

    def release(self) -> None:
        if self.held:
            self.redis.eval(_RELEASE, 1, self.key, self.token)
            self.held = False

    def holder(self) -> str | None:
        value = self.redis.get(self.key)
        return value.decode() if isinstance(value, bytes) else value


def is_locked(redis: Redis, bus_id: int) -> bool:
    return bool(redis.exists(lock_key(bus_id)))


@contextlib.asynccontextmanager
async def hold(
    redis: Redis,
    bus_id: int,
    *,
    wait_s: float = 0.0,
    ttl_ms: int = DEFAULT_TTL_MS,
    owner: str = "",
    poll_s: float = 0.05,
) -> AsyncIterator[BusLock | None]:
    """Hold the bus for the block, renewing in the background; yields None if not acquired in wait_s."""
    lock = BusLock(redis, bus_id, ttl_ms=ttl_ms, owner=owner)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while not lock.acquire():
        if loop.time() >= deadline:
            yield None
            return
        await asyncio.sleep(poll_s)

    async def renew_forever() -> None:
        while True:
            await asyncio.sleep(ttl_ms / 3000)
            lock.renew()

    renewer = asyncio.create_task(renew_forever())
    try:
        yield lock
    finally:
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewer
        lock.release()
