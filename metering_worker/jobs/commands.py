"""RQ jobs of the command outbox: run a bus's due commands, and re-announce what nobody picked up."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import timedelta

from redis import Redis
from sqlalchemy.orm import Session, sessionmaker

from metering_worker import buslock, config, transport
from metering_worker.driver import MeterDriver
from metering_worker.outbox.rows import expire_queued, unattended
from metering_worker.outbox.runner import run_due_commands
from metering_worker.protocol import KeyRing
from shared_models.models import Bus, Gateway

log = logging.getLogger(__name__)

LOCK_WAIT_S = 0.5  # a sweep holding the bus runs the commands itself between its reads
LOCK_TTL_MS = 10_000  # a killed runner's bus is free again after this
MAX_PASSES = 50  # a job ends even if something keeps re-announcing; the cron brings it back
REANNOUNCE_AFTER_S = 5


def run_bus_commands(bus_id: int) -> int:
    """Job: take the bus and execute its due commands; returns how many were worked on."""
    cfg = config.settings()
    return asyncio.run(run_bus(bus_id, redis=config.redis(), session_factory=config.session_factory(),
                               keys=cfg.key_ring()))


def driver_for_bus(session_factory: sessionmaker[Session], bus_id: int) -> MeterDriver | None:
    with session_factory() as db:
        bus = db.get(Bus, bus_id)
        if bus is None:
            return None
        gw: Gateway = bus.gateway
        return MeterDriver.for_bus(gw.framing, host=gw.host, port=bus.port, serial_device=gw.serial_device,
                                   baudrate=gw.baud, timeout=gw.timeout_ms / 1000)


async def run_bus(bus_id: int, *, redis: Redis, session_factory: sessionmaker[Session], keys: KeyRing,
                  lock_wait_s: float = LOCK_WAIT_S) -> int:
    # From here on a new announce enqueues a new job instead of counting on this one.
    redis.delete(transport.marker_key(bus_id))
    handled = passes = 0
    while passes < MAX_PASSES and transport.has_due_commands(redis, bus_id):
        async with buslock.hold(redis, bus_id, wait_s=lock_wait_s, ttl_ms=LOCK_TTL_MS,
                                owner="commands") as lock:
            if lock is None:
                log.info("bus %s is busy; its holder runs the commands", bus_id)
                return handled
            driver = driver_for_bus(session_factory, bus_id)
            if driver is None:
                redis.delete(transport.due_key(bus_id))
                return handled
            try:
                while passes < MAX_PASSES and transport.has_due_commands(redis, bus_id):
                    passes += 1
                    handled += await run_due_commands(bus_id, driver, session_factory, redis=redis,
                                                      keys=keys)
            finally:
                driver.close()
        # Checked again after the release: an announce that found the bus locked just now is ours.
    return handled


def reannounce_commands(older_than_s: float = REANNOUNCE_AFTER_S, *, redis: Redis | None = None,
                        session_factory: sessionmaker[Session] | None = None) -> dict[str, int]:
    """Cron job: expire stale queued commands; announce open ones nobody has touched lately."""
    redis = redis or config.redis()
    session_factory = session_factory or config.session_factory()
    with session_factory() as db:
        expired = expire_queued(db)
        db.commit()
        waiting = unattended(db, older_than=timedelta(seconds=older_than_s))
    by_bus: dict[int, list[int]] = defaultdict(list)
    for command_id, bus_id in waiting:
        by_bus[bus_id].append(command_id)
    for bus_id, ids in by_bus.items():
        transport.announce(redis, ids, [bus_id])
    if expired or by_bus:
        log.info("outbox: %s expired, %s commands re-announced on %s buses", len(expired), len(waiting),
                 len(by_bus))
    return {"expired": len(expired), "announced": len(waiting), "buses": len(by_bus)}
