"""Helpers for the polling tests: a private database, a simulator fleet in a thread, and the
registry rows that point at the fleet's real TCP ports."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime

from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from metering_worker.polling.plan import load_plan
from metering_worker.polling.sweep import BusOutcome, SweepContext, sweep
from metering_worker.simulator import SimulatorFleet
from shared_models import registry
from shared_models.db import make_engine, make_session_factory
from shared_models.models import Alarm, Bus, MeterState, Reading
from shared_models.models.metering import AlarmKind
from tests.infra import scratch_databases

_numbers = itertools.count(1)


class PrivateDatabase:
    """A fresh migrated database for one test module: sweeps commit from several threads, so
    they cannot share the rolled-back connection of the `db` fixture."""

    def __init__(self, tmp_path) -> None:
        self.databases = scratch_databases(tmp_path, "poll")
        self.url = self.databases.create()
        self.engine = make_engine(self.url)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)

    def close(self) -> None:
        self.engine.dispose()
        self.databases.drop_all()


@dataclass
class FleetSite:
    """The registry rows of one simulator fleet."""

    site_id: int
    gateway_ids: dict[str, int] = field(default_factory=dict)  # simulator gateway name -> id
    bus_ids: dict[int, int] = field(default_factory=dict)  # simulator port -> bus id
    meter_ids: dict[tuple[int, int], int] = field(default_factory=dict)  # (port, address) -> id


def register_fleet(sessions: sessionmaker[Session], fleet: SimulatorFleet, *, poll_interval_s: int = 60,
                   timeout_ms: int = 200) -> FleetSite:
    """A site whose gateways, buses and meters are the fleet's, on the fleet's ephemeral ports."""
    n = next(_numbers)
    with sessions() as db:
        site = registry.save_site(db, {"code": f"P{n}", "name": f"Poll site {n}",
                                       "poll_interval_s": poll_interval_s})
        out = FleetSite(site.id)
        for gateway in fleet.gateways:
            buses = [server.bus for server in gateway.servers]
            framing = buses[0].config.framing
            row = registry.save_gateway(db, {"site_id": site.id, "name": f"{gateway.name}-{n}",
                                             "host": "127.0.0.1", "port": buses[0].port,
                                             "framing": framing, "timeout_ms": timeout_ms,
                                             "bus_count": len(buses)})
            out.gateway_ids[gateway.name] = row.id
            for bus_row, bus in zip(db.scalars(select(Bus).where(Bus.gateway_id == row.id)
                                               .order_by(Bus.number)), buses, strict=True):
                bus_row.port = bus.port
                out.bus_ids[bus.port] = bus_row.id
                for address, meter in sorted(bus.meters.items()):
                    saved = registry.save_meter(db, {"bus_id": bus_row.id, "address": address,
                                                     "serial_number": f"{meter.serial}-{n}"})
                    out.meter_ids[(bus.port, address)] = saved.id
        db.commit()
    return out


def fleet_clock(fleet: SimulatorFleet):
    """The worker's clock in step with the simulator's (which tests move with fleet.advance)."""
    return lambda: datetime.fromtimestamp(fleet.now(), UTC)


def run_sweep(sessions: sessionmaker[Session], redis: Redis, site: FleetSite, fleet: SimulatorFleet,
              **context) -> dict[int, BusOutcome]:
    with sessions() as db:
        plan = load_plan(db, site.site_id, list(site.gateway_ids.values()))
        db.commit()
    ctx = SweepContext(redis=redis, session_factory=sessions, clock=fleet_clock(fleet), **context)
    return asyncio.run(sweep(ctx, plan))


def readings_of(sessions: sessionmaker[Session], meter_id: int) -> list[Reading]:
    with sessions() as db:
        return list(db.scalars(select(Reading).where(Reading.meter_id == meter_id).order_by(Reading.id)))


def state_of(sessions: sessionmaker[Session], meter_id: int) -> MeterState:
    with sessions() as db:
        return db.get(MeterState, meter_id)


def alarms(sessions: sessionmaker[Session], kind: AlarmKind, *, meter_id: int | None = None,
           gateway_id: int | None = None) -> list[Alarm]:
    stmt = select(Alarm).where(Alarm.kind == kind).order_by(Alarm.id)
    if meter_id is not None:
        stmt = stmt.where(Alarm.meter_id == meter_id)
    if gateway_id is not None:
        stmt = stmt.where(Alarm.gateway_id == gateway_id)
    with sessions() as db:
        return list(db.scalars(stmt))
