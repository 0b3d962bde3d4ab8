"""Settlement job: bill one bus's new readings off the bus (queue default), then announce commands.

A sweep only stores readings and asks for `settle_bus(bus_id)`; bus time is never spent on
billing. At most one settle job per bus waits in the queue (`transport.request_settlement`
sets a Redis marker NX, removed by the job as it starts): `settle_meters` works from each
meter's cursor, so one later run settles every reading stored meanwhile, and a backlog of
sweeps never piles up jobs.
"""

from __future__ import annotations

import logging
from datetime import datetime

from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from metering_worker import config, transport
from shared_models.audit import WORKER, set_actor
from shared_models.models import Command, Meter
from shared_models.settlement import settle_meters
from shared_models.types import utcnow

log = logging.getLogger(__name__)



def settle_bus(bus_id: int) -> dict[str, int]:
    """Job: settle every meter of the bus from its cursor; returns counts for the job result."""
    return run(bus_id, redis=config.redis(), session_factory=config.session_factory())


def run(bus_id: int, *, redis: Redis, session_factory: sessionmaker[Session],
        now: datetime | None = None) -> dict[str, int]:
    # From here on a new request enqueues a new job: readings committed during this run are
    # settled by that one, never left until the next sweep.
    redis.delete(transport.settle_marker_key(bus_id))
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
