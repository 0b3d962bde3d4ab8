"""What one sweep job polls: its gateways, their buses and meters, each with its last known state.

Loaded in one query as plain values (no ORM objects cross into the event loop).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared_models.assets.lifecycle import retired_meter_ids
from shared_models.enums import Framing
from shared_models.models import Bus, Gateway, Meter, MeterState, Reading, Site


@dataclass
class MeterPlan:
    meter_id: int
    address: int
    previous_energy: Decimal | None
    previous_read_at: datetime | None
    failures: int
    next_attempt_at: datetime | None
    online: bool


@dataclass
class BusPlan:
    bus_id: int
    gateway_id: int
    port: int
    meters: list[MeterPlan] = field(default_factory=list)


@dataclass
class GatewayPlan:
    gateway_id: int
    name: str
    host: str
    framing: Framing
    serial_device: str
    baud: int
    timeout_s: float
    buses: list[BusPlan] = field(default_factory=list)


@dataclass
class ShardPlan:
    site_id: int
    poll_interval_s: int
    gateways: list[GatewayPlan] = field(default_factory=list)

    @property
    def buses(self) -> list[BusPlan]:
        return [bus for gateway in self.gateways for bus in gateway.buses]


def ensure_states(db: Session, meter_ids: Sequence[int]) -> None:
    """Create missing meter_states rows in bulk; a row created concurrently is left alone."""
    if not meter_ids:
        return
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [{"meter_id": m, "consecutive_failures": 0, "online": True, "status_bits": 0,
             "command_sequence": 0} for m in meter_ids]
    db.execute(insert(MeterState).on_conflict_do_nothing(index_elements=["meter_id"]), rows)


def load_plan(db: Session, site_id: int, gateway_ids: Sequence[int]) -> ShardPlan:
    """The shard's gateways (of that site only) with every installed meter, ordered by address."""
    interval = db.scalar(select(Site.poll_interval_s).where(Site.id == site_id))
    plan = ShardPlan(site_id, int(interval or 1800))
    if interval is None or not gateway_ids:
        return plan
    rows = db.execute(
        select(Gateway.id, Gateway.name, Gateway.host, Gateway.framing, Gateway.serial_device,
               Gateway.baud, Gateway.timeout_ms, Bus.id, Bus.port, Meter.id, Meter.address,
               MeterState.meter_id, MeterState.last_read_at, MeterState.consecutive_failures,
               MeterState.next_attempt_at, MeterState.online, Reading.total_energy)
        .join(Bus, Bus.gateway_id == Gateway.id)
        .join(Meter, Meter.bus_id == Bus.id)
        .outerjoin(MeterState, MeterState.meter_id == Meter.id)
        .outerjoin(Reading, Reading.id == MeterState.last_reading_id)
        .where(Gateway.site_id == site_id, Gateway.id.in_(list(gateway_ids)),
               Meter.id.not_in(retired_meter_ids()))
        .order_by(Gateway.id, Bus.number, Meter.address)
    ).all()
    gateways: dict[int, GatewayPlan] = {}
    buses: dict[int, BusPlan] = {}
    missing_states = []
    for (gw_id, name, host, framing, serial_device, baud, timeout_ms, bus_id, port, meter_id,
         address, state_id, last_read_at, failures, next_attempt_at, online, energy) in rows:
        gateway = gateways.get(gw_id)
        if gateway is None:
            gateway = gateways[gw_id] = GatewayPlan(gw_id, name, host, Framing(framing), serial_device,
                                                    baud, timeout_ms / 1000)
        bus = buses.get(bus_id)
        if bus is None:
            bus = buses[bus_id] = BusPlan(bus_id, gw_id, port)
            gateway.buses.append(bus)
        if state_id is None:
            missing_states.append(meter_id)
        bus.meters.append(MeterPlan(meter_id, address, energy, last_read_at, failures or 0,
                                    next_attempt_at, True if online is None else online))
    ensure_states(db, missing_states)
    plan.gateways = list(gateways.values())
    return plan
