"""Settlement job: bill one bus's new readings off the bus (queue default), then announce commands.

A sweep only stores readings and asks for `settle_bus(bus_id)`; bus time is never spent on
billing. At most one settle job per bus waits in the queue (a Redis marker set NX, removed by
the job as it starts): `settle_meters` works from each meter's cursor, so one later run settles
every reading stored meanwhile, and a backlog of sweeps never piles up jobs.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from metering_worker import config, transport
from shared_models.audit import Actor, set_actor
from shared_models.models import Command, Meter
from shared_models.services.settlement import settle_meters
from shared_models.types import utcnow

from .queues import DEFAULT, queue

log = logging.getLogger(__name__)

WORKER = Actor(None, "worker:settlement")
JOB_TIMEOUT_S = 600
JOB_FUNC = "metering_worker.jobs.settlement.settle_bus"


def marker_key(bus_id: int) -> str:
    """Set while a settle job for the bus waits in the queue (enqueue dedupe)."""
    return f"wk:bus:{bus_id}:settle:job"


def request_settlement(redis: Redis, bus_id: int) -> bool:
    """Enqueue `settle_bus(bus_id)` unless one is already waiting; True if enqueued.
    Call after the readings are committed."""
    if not redis.set(marker_key(bus_id), "1", nx=True, ex=JOB_TIMEOUT_S):
        return False
    try:
        queue(DEFAULT, redis).enqueue(JOB_FUNC, bus_id, job_id=f"settle-bus-{bus_id}-{time.time_ns()}",
                                      job_timeout=JOB_TIMEOUT_S, result_ttl=60, failure_ttl=86_400,
                                      description=f"settle bus {bus_id}")
    except Exception:
        redis.delete(marker_key(bus_id))  # let the next sweep try again
        raise
    return True


def settle_bus(bus_id: int) -> dict[str, int]:
    """Job: settle every meter of the bus from its cursor; returns counts for the job result."""
    return run(bus_id, redis=config.redis(), session_factory=config.session_factory())


def run(bus_id: int, *, redis: Redis, session_factory: sessionmaker[Session],
        now: datetime | None = None) -> dict[str, int]:
    # From here on a new request enqueues a new job: readings committed during this run are
    # settled by that one, never left until the next sweep.
    redis.delete(marker_key(bus_id))
    with session_factory() as db:
        set_actor(db, WORKER)
        meter_ids = list(db.scalars(select(Meter.id).where(Meter.bus_id == bus_id)))
        command_ids = settle_meters(db, meter_ids, now=now or utcnow())
        # A local meter's credit push may target another meter of the account, on another bus.
        bus_ids = sorted(set(db.scalars(select(Meter.bus_id).join(Command, Command.meter_id == Meter.id)
                                        .where(Command.id.in_(command_ids))))) if command_ids else []
        db.commit()
    if command_ids:
        transport.announce(redis, command_ids, bus_ids)
        log.info("bus %s: settlement queued commands %s", bus_id, command_ids)
    return {"meters": len(meter_ids), "commands": len(command_ids)}
