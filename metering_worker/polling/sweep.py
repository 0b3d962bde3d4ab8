"""One sweep job: its gateways' buses, a bounded number at once, each bus strictly in sequence.

A bus coroutine holds the bus lock, reads each due meter's hot block, and lets commands jump
the queue: before every exchange it looks whether commands wait for the bus (`DueCommands`, kept
for all polling buses in one Redis round trip) and runs them on the same open connection. At most
`buses_at_once` buses poll together (`pacing`): more would ask the event loop for more exchanges
than it serves in time. Results are stored per bus in one transaction, off the event loop;
billing is not the bus's business: after the commit the bus gets a settle job
(`metering_worker.jobs.settlement`, queue default), which announces the commands it queues.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from redis import Redis
from sqlalchemy.orm import Session, sessionmaker

from metering_worker import buslock, transport
from metering_worker.driver import DeviceError, DeviceGarbled, DeviceTimeout, DeviceUnreachable, MeterDriver
from metering_worker.outbox.runner import run_due_commands
from shared_models.audit import WORKER, set_actor
from shared_models.types import utcnow

from .due_commands import REFRESH_S, DueCommands
from .outcome import is_due
from .pacing import BUSES_AT_ONCE, LoopLag, late_after
from .plan import BusPlan, GatewayPlan, MeterPlan, ShardPlan
from .store import PollResult, write_gateway_state, write_results

log = logging.getLogger(__name__)


@dataclass
class SweepContext:
    redis: Redis
    session_factory: sessionmaker[Session]
    owner: str = "sweep"  # names the lock holder, for whoever finds the bus busy
    clock_skew_s: int = 300
    lock_wait_s: float = 10.0  # a command run on the bus usually ends well within this
    # Buses between taking the lock and reading their last meter, at once (see pacing).
    buses_at_once: int = BUSES_AT_ONCE
    # Buses between taking the lock and being connected, at once. pymodbus gives a connect the
    # request timeout (0.4 s); a shard of 1,560 buses opening together kept the event loop busy
    # longer than that and every connect of every sweep timed out.
    max_connecting: int = 32
    command_check_s: float = REFRESH_S
    clock: Callable[[], datetime] = utcnow


@dataclass
class SweepGates:
    """What the buses of one sweep share: their slots on the loop and the due-command watch."""

    polling: asyncio.Semaphore
    connecting: asyncio.Semaphore
    commands: DueCommands

    @classmethod
    def of(cls, ctx: SweepContext) -> SweepGates:
        return cls(asyncio.Semaphore(ctx.buses_at_once), asyncio.Semaphore(ctx.max_connecting),
                   DueCommands(ctx.redis, ctx.command_check_s))

    @contextlib.asynccontextmanager
    async def watching(self):
        task = asyncio.create_task(self.commands.run())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@dataclass
class BusOutcome:
    bus_id: int
    skipped: bool = False  # the bus lock stayed taken
    unreachable: bool = False
    attempted: int = 0
    good: int = 0
    late: int = 0  # reads our loop failed too late to judge the meter: not attempted, no backoff
    retried: int = 0  # meters asked a second time after a lost reply
    reconnects: int = 0  # connects asked a second time
    commands: int = 0
    stored_at: float = 0.0  # Unix time the bus's readings were committed (0: nothing stored)
    connect_s: float = 0.0  # timings for the job result: where a slow sweep spends its time
    wait_s: float = 0.0  # for a polling slot
    read_s: float = 0.0
    store_s: float = 0.0  # in the transaction
    store_wait_s: float = 0.0  # waiting for a thread of the executor
    errors: list[str] = field(default_factory=list)
    failed: Counter[str] = field(default_factory=Counter)  # failed reads by kind of device error


def make_driver(gateway: GatewayPlan, bus: BusPlan) -> MeterDriver:
    return MeterDriver.for_bus(gateway.framing, host=gateway.host, port=bus.port,
                               serial_device=gateway.serial_device, baudrate=gateway.baud,
                               timeout=gateway.timeout_s)


async def _commands_first(ctx: SweepContext, bus_id: int, driver: MeterDriver, commands: DueCommands) -> int:
    if not commands.due(bus_id):
        return 0
    commands.handled(bus_id)
    return await run_due_commands(bus_id, driver, ctx.session_factory, redis=ctx.redis)


def _store_bus(ctx: SweepContext, plan: ShardPlan, bus: BusPlan, results: list[PollResult],
               outcome: BusOutcome, queued: float) -> None:
    """One transaction for the bus's readings, then a settle job for them; times it in outcome."""
    begun = time.perf_counter()
    outcome.store_wait_s = begun - queued
    with ctx.session_factory() as db:
        set_actor(db, WORKER)
        meter_ids = write_results(db, plan.site_id, plan.poll_interval_s, ctx.clock_skew_s, results)
        db.commit()
    stored_at = time.time()
    if meter_ids:
        # The readings are safe; if Redis fails here, the next sweep of the bus asks again and
        # the cursor picks up every reading since.
        try:
            transport.request_settlement(ctx.redis, bus.bus_id)
        except Exception:
            log.exception("could not enqueue the settlement of bus %s", bus.bus_id)
    outcome.stored_at = stored_at
    outcome.store_s = time.perf_counter() - begun


async def poll_bus(ctx: SweepContext, plan: ShardPlan, gateway: GatewayPlan, bus: BusPlan,
                   gates: SweepGates | None = None) -> BusOutcome:
    """Poll one bus's due meters; alone (gates None) it watches its own due commands."""
    outcome = BusOutcome(bus.bus_id)
    due = [m for m in bus.meters if is_due(m.next_attempt_at, ctx.clock())]
    if not due:
        return outcome
    if gates is None:
        gates = SweepGates.of(ctx)
        async with gates.watching():
            return await _poll_in_slot(ctx, plan, gateway, bus, due, outcome, gates)
    return await _poll_in_slot(ctx, plan, gateway, bus, due, outcome, gates)


async def _poll_in_slot(ctx: SweepContext, plan: ShardPlan, gateway: GatewayPlan, bus: BusPlan,
                        due: list[MeterPlan], outcome: BusOutcome, gates: SweepGates) -> BusOutcome:
    waited = time.perf_counter()
    await gates.polling.acquire()
    outcome.wait_s = time.perf_counter() - waited
    polled = _once(gates.polling.release)
    await gates.connecting.acquire()
    opened = _once(gates.connecting.release)
    try:
        return await _poll_due(ctx, plan, gateway, bus, due, outcome, gates.commands, opened, polled)
    finally:
        opened()  # left before connecting: the bus was busy, or an error
        polled()


def _once(release: Callable[[], None]) -> Callable[[], None]:
    done = False

    def call() -> None:
        nonlocal done
        if not done:
            done = True
            release()
    return call


async def _read_meters(ctx: SweepContext, bus_id: int, driver: MeterDriver, due: list[MeterPlan],
                       outcome: BusOutcome, commands: DueCommands) -> list[PollResult]:
    """Each due meter's hot block in turn, commands first.

    A read our loop failed late is dropped (neither read nor failed). A meter that answered last
    time and whose reply was now lost (no reply, or garbled) is asked once more after the rest of
    the bus: on a lossy bus one lost reply must not start a backoff. A meter already failing gets
    no second try, so a dead meter still costs one timeout per attempt.
    """
    results: list[PollResult] = []
    again: list[MeterPlan] = []
    late_s = late_after(driver.connection.timeout)
    for pass_meters, second in ((due, False), (again, True)):
        for meter in pass_meters:
            outcome.commands += await _commands_first(ctx, bus_id, driver, commands)
            asked = time.perf_counter()
            try:
                block = await driver.read_hot_block(meter.address)
            except (DeviceTimeout, DeviceGarbled) as exc:
                if time.perf_counter() - asked > late_s:
                    # The loop woke this request long after its timeout: whether the meter
                    # answered is unknown, so it is neither read nor failed; next sweep asks.
                    outcome.late += 1
                elif not second and meter.failures == 0:
                    again.append(meter)
                else:
                    outcome.failed[type(exc).__name__] += 1
                    results.append(PollResult(meter, ctx.clock(), error=str(exc)[:200]))
            except DeviceError as exc:
                outcome.failed[type(exc).__name__] += 1
                results.append(PollResult(meter, ctx.clock(), error=str(exc)[:200]))
            else:
                results.append(PollResult(meter, ctx.clock(), block))
    outcome.retried = len(again)
    return results


async def _connect(driver: MeterDriver, outcome: BusOutcome) -> None:
    """Connect, asking twice: pymodbus gives a connect the request timeout (0.4 s), and a loop
    polling a couple of hundred buses can take that long to run the few callbacks a loopback
    connect needs (measured 2026-11-29: 69 of 625 buses at 20,000 meters). A refused connect
    fails both times at once; a gateway that is down costs two timeouts a sweep."""
    try:
        await driver.connection.connect()
    except DeviceUnreachable:
        outcome.reconnects += 1
        await driver.connection.connect()


async def _poll_due(ctx: SweepContext, plan: ShardPlan, gateway: GatewayPlan, bus: BusPlan,
                    due: list[MeterPlan], outcome: BusOutcome, commands: DueCommands,
                    opened: Callable[[], None], polled: Callable[[], None]) -> BusOutcome:
    async with buslock.hold(ctx.redis, bus.bus_id, wait_s=ctx.lock_wait_s, owner=ctx.owner) as lock:
        if lock is None:
            log.warning("bus %s stayed busy (%s); not polled this sweep", bus.bus_id,
                        ctx.redis.get(buslock.lock_key(bus.bus_id)))
            outcome.skipped = True
            return outcome
        commands.watch(bus.bus_id)
        driver = make_driver(gateway, bus)
        try:
            begun = time.perf_counter()
            try:
                await _connect(driver, outcome)
            except DeviceUnreachable as exc:
                opened()
                outcome.unreachable = True
                outcome.failed["connect"] += len(due)
                outcome.errors.append(str(exc))
                results = [PollResult(m, ctx.clock(), error=str(exc)) for m in due]
            else:
                opened()
                outcome.connect_s = time.perf_counter() - begun
                results = await _read_meters(ctx, bus.bus_id, driver, due, outcome, commands)
                outcome.read_s = time.perf_counter() - begun - outcome.connect_s
            polled()  # storing runs off the loop: the next bus may start reading
            outcome.attempted = len(results)
            outcome.good = sum(1 for r in results if r.block is not None)
            await asyncio.to_thread(_store_bus, ctx, plan, bus, results, outcome, time.perf_counter())
            if not outcome.unreachable and transport.has_due_commands(ctx.redis, bus.bus_id):
                # announced while the last meter was read: still ours
                outcome.commands += await run_due_commands(bus.bus_id, driver, ctx.session_factory,
                                                           redis=ctx.redis)
        finally:
            commands.forget(bus.bus_id)
            driver.close()
    if transport.has_due_commands(ctx.redis, bus.bus_id):
        # Announced after our last look: its runner found the bus locked and left it to us.
        transport.announce(ctx.redis, [], [bus.bus_id])
    return outcome


async def _poll_bus_safely(ctx: SweepContext, plan: ShardPlan, gateway: GatewayPlan,
                           bus: BusPlan, gates: SweepGates) -> BusOutcome:
    """One bus's failure (a database error, say) must not stop the other buses of the sweep."""
    try:
        return await poll_bus(ctx, plan, gateway, bus, gates)
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


async def sweep(ctx: SweepContext, plan: ShardPlan, lag: LoopLag | None = None) -> dict[int, BusOutcome]:
    """Poll every bus of the plan, `buses_at_once` at a time; returns each bus's outcome by bus id.

    `lag`, if given, samples how late the loop ran while the buses were polled."""
    pairs = [(gateway, bus) for gateway in plan.gateways for bus in gateway.buses]
    lag = lag or LoopLag()
    async with SweepGates.of(ctx).watching() as gates, lag.watching():
        outcomes = await asyncio.gather(*(_poll_bus_safely(ctx, plan, g, b, gates) for g, b in pairs))
    by_bus = {o.bus_id: o for o in outcomes}
    verdicts = gateway_verdicts(plan, by_bus)
    if verdicts:
        await asyncio.to_thread(_store_gateways, ctx, plan, verdicts)
    return by_bus
