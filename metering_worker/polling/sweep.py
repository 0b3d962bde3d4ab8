"""One sweep job: every bus of its gateways at once, each bus strictly in sequence.

A bus coroutine holds the bus lock, reads each due meter's hot block, and lets commands jump
the queue: before every exchange it asks the transport whether commands wait for the bus and
runs them on the same open connection. Results are stored per bus in one transaction, off the
event loop; billing is not the bus's business: after the commit the bus gets a settle job
(`metering_worker.jobs.settlement`, queue default), which announces the commands it queues.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from redis import Redis
from sqlalchemy.orm import Session, sessionmaker

from metering_worker import buslock, transport
from metering_worker.driver import DeviceError, DeviceUnreachable, MeterDriver
from metering_worker.jobs.settlement import request_settlement
from shared_models.audit import Actor, set_actor
from shared_models.enums import Framing
from shared_models.types import utcnow

from .outcome import is_due
from .plan import BusPlan, GatewayPlan, ShardPlan
from .store import PollResult, write_gateway_state, write_results

log = logging.getLogger(__name__)

WORKER = Actor(None, "worker:polling")


@dataclass
class SweepContext:
    redis: Redis
    session_factory: sessionmaker[Session]
    owner: str = "sweep"  # names the lock holder, for whoever finds the bus busy
    clock_skew_s: int = 300
    lock_wait_s: float = 10.0  # a command run on the bus usually ends well within this
    clock: Callable[[], datetime] = utcnow


@dataclass
class BusOutcome:
    bus_id: int
    skipped: bool = False  # the bus lock stayed taken
    unreachable: bool = False
    attempted: int = 0
    good: int = 0
    commands: int = 0
    stored_at: float = 0.0  # Unix time the bus's readings were committed (0: nothing stored)
    errors: list[str] = field(default_factory=list)


def make_driver(gateway: GatewayPlan, bus: BusPlan) -> MeterDriver:
    if gateway.framing == Framing.SERIAL:
        return MeterDriver.serial(gateway.serial_device, baudrate=gateway.baud, timeout=gateway.timeout_s)
    return MeterDriver.tcp(gateway.host, bus.port, rtu=gateway.framing == Framing.RTU_OVER_TCP,
                           timeout=gateway.timeout_s)


async def _commands_first(ctx: SweepContext, bus_id: int, driver: MeterDriver) -> int:
    if not transport.has_due_commands(ctx.redis, bus_id):
        return 0
    return await transport.run_due_commands(bus_id, driver, ctx.session_factory, redis=ctx.redis)


def _store_bus(ctx: SweepContext, plan: ShardPlan, bus: BusPlan, results: list[PollResult]) -> float:
    """One transaction for the bus's readings, then a settle job for them.

    Returns when (Unix time) the readings were committed.
    """
    with ctx.session_factory() as db:
        set_actor(db, WORKER)
        meter_ids = write_results(db, plan.site_id, plan.poll_interval_s, ctx.clock_skew_s, results)
        db.commit()
    stored_at = time.time()
    if meter_ids:
        # The readings are safe; if Redis fails here, the next sweep of the bus asks again and
        # the cursor picks up every reading since.
        try:
            request_settlement(ctx.redis, bus.bus_id)
        except Exception:
            log.exception("could not enqueue the settlement of bus %s", bus.bus_id)
    return stored_at


async def poll_bus(ctx: SweepContext, plan: ShardPlan, gateway: GatewayPlan, bus: BusPlan) -> BusOutcome:
    outcome = BusOutcome(bus.bus_id)
    due = [m for m in bus.meters if is_due(m.next_attempt_at, ctx.clock())]
    if not due:
        return outcome
    async with buslock.hold(ctx.redis, bus.bus_id, wait_s=ctx.lock_wait_s, owner=ctx.owner) as lock:
        if lock is None:
            log.warning("bus %s stayed busy (%s); not polled this sweep", bus.bus_id,
                        ctx.redis.get(buslock.lock_key(bus.bus_id)))
            outcome.skipped = True
            return outcome
        driver = make_driver(gateway, bus)
        results: list[PollResult] = []
        try:
            try:
                await driver.connection.connect()
            except DeviceUnreachable as exc:
                outcome.unreachable = True
                outcome.errors.append(str(exc))
                results = [PollResult(m, ctx.clock(), error=str(exc)) for m in due]
            else:
                for meter in due:
                    outcome.commands += await _commands_first(ctx, bus.bus_id, driver)
                    try:
                        block = await driver.read_hot_block(meter.address)
                    except DeviceError as exc:
                        results.append(PollResult(meter, ctx.clock(), error=str(exc)[:200]))
                    else:
                        results.append(PollResult(meter, ctx.clock(), block))
            outcome.attempted = len(results)
            outcome.good = sum(1 for r in results if r.block is not None)
            outcome.stored_at = await asyncio.to_thread(_store_bus, ctx, plan, bus, results)
            if not outcome.unreachable:  # announced while the last meter was read: still ours
                outcome.commands += await _commands_first(ctx, bus.bus_id, driver)
        finally:
            driver.close()
    if transport.has_due_commands(ctx.redis, bus.bus_id):
        # Announced after our last look: its runner found the bus locked and left it to us.
        transport.announce(ctx.redis, [], [bus.bus_id])
    return outcome


async def _poll_bus_safely(ctx: SweepContext, plan: ShardPlan, gateway: GatewayPlan,
                           bus: BusPlan) -> BusOutcome:
    """One bus's failure (a database error, say) must not stop the other buses of the sweep."""
    try:
        return await poll_bus(ctx, plan, gateway, bus)
    except Exception:
        log.exception("polling bus %s failed", bus.bus_id)
        return BusOutcome(bus.bus_id, skipped=True)


def gateway_verdicts(plan: ShardPlan, outcomes: dict[int, BusOutcome]) -> dict[int, tuple[bool, str]]:
    """Lost when nothing on the gateway answered (or it refused connections); None-verdict is absent."""
    verdicts = {}
    for gateway in plan.gateways:
        seen = [outcomes[b.bus_id] for b in gateway.buses if not outcomes[b.bus_id].skipped]
        attempted = sum(o.attempted for o in seen)
        if attempted == 0:
            continue  # nothing due: no news about this gateway
        good = sum(o.good for o in seen)
        errors = [e for o in seen for e in o.errors]
        detail = errors[0] if errors else f"none of {attempted} meters answered"
        verdicts[gateway.gateway_id] = (good == 0, detail)
    return verdicts


def _store_gateways(ctx: SweepContext, plan: ShardPlan, verdicts: dict[int, tuple[bool, str]]) -> None:
    with ctx.session_factory() as db:
        set_actor(db, WORKER)
        at = ctx.clock()
        for gateway_id, (lost, detail) in verdicts.items():
            if write_gateway_state(db, plan.site_id, gateway_id, lost=lost, at=at, detail=detail):
                log.warning("gateway %s lost: %s", gateway_id, detail)
        db.commit()


async def sweep(ctx: SweepContext, plan: ShardPlan) -> dict[int, BusOutcome]:
    """Poll every bus of the plan concurrently; returns each bus's outcome by bus id."""
    pairs = [(gateway, bus) for gateway in plan.gateways for bus in gateway.buses]
    outcomes = await asyncio.gather(*(_poll_bus_safely(ctx, plan, g, b) for g, b in pairs))
    by_bus = {o.bus_id: o for o in outcomes}
    verdicts = gateway_verdicts(plan, by_bus)
    if verdicts:
        await asyncio.to_thread(_store_gateways, ctx, plan, verdicts)
    return by_bus
