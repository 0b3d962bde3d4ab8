"""One pass over a bus's open commands: queued -> sent -> acknowledged -> verified, or failed/expired.

Per meter, commands run strictly in the order they were issued; a command waiting for a retry
holds back the later ones of its meter (they share the mailbox and its sequence numbers).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from redis import Redis

from metering_worker import transport
from metering_worker.driver import DeviceError, MeterDriver
from metering_worker.protocol import HotBlock, KeyRing, ResultCode
from shared_models.errors import WattkeeperError
from shared_models.models.commands import CommandKind, CommandState

from . import operations as ops
from .rows import (
    MAX_ATTEMPTS,
    NOT_SENT,
    Row,
    SessionFactory,
    acknowledge,
    finish,
    note,
    open_rows,
    record_read_back,
    start_try,
    still_open,
)

log = logging.getLogger(__name__)

NOT_APPLIED = "time to live ran out before it applied"

REFUSALS = {
    ResultCode.SEQUENCE: "the meter refused the purchase count (SEQUENCE)",
    ResultCode.MAC: "the meter refused the MAC (wrong key or key version)",
    ResultCode.EXPIRED: "the meter found the command past its valid-until time",
    ResultCode.LIMIT: "the meter refused: stored-credit cap reached (LIMIT)",
    ResultCode.STATE: "the meter refused it in its present state (STATE), e.g. trip while protect is on",
}


class Step:
    """Carries one command through as far as it can go in this pass."""

    def __init__(self, row: Row, driver: MeterDriver, session_factory: SessionFactory, keys: KeyRing,
                 clock: Callable[[], float]) -> None:
        self.row, self.driver, self.sf, self.keys, self.clock = row, driver, session_factory, keys, clock

    @property
    def now(self) -> float:
        return self.clock()

    async def run(self) -> None:
        row = self.row
        if row.state == CommandState.QUEUED and self.now >= row.expires_at:
            finish(self.sf, row, CommandState.EXPIRED, self.now, error=NOT_SENT)
            return
        if row.attempts >= MAX_ATTEMPTS:
            self.give_up()
            return
        fresh = row.state == CommandState.QUEUED
        if not start_try(self.sf, row, self.now, sending=fresh):
            return  # someone else moved it
        try:
            if row.state == CommandState.ACKNOWLEDGED:
                await self.verify()
            elif fresh:
                await self.send()
            else:
                await self.resolve()
        except DeviceError as exc:
            note(self.sf, row, f"try {row.attempts}: {exc}")
        except WattkeeperError as exc:  # a payload the meter cannot take: nothing was sent
            finish(self.sf, row, CommandState.FAILED, self.now, error=str(exc))

    def give_up(self) -> None:
        row = self.row
        if row.state == CommandState.ACKNOWLEDGED:
            error = f"acknowledged by the meter but not read back after {row.attempts} tries"
        elif row.order.kind == CommandKind.RECHARGE:
            error = (f"no answer after {row.attempts} tries: outcome unknown, "
                     "the meter's purchase count will tell")
        else:
            error = f"no answer after {row.attempts} tries"
        finish(self.sf, row, CommandState.FAILED, self.now, error=error)

    def key(self):
        return self.keys.meter_key(self.row.target.serial, self.row.target.key_version)

    async def send(self) -> None:
        result = await ops.send(self.driver, self.row.order, self.row.target, self.key())
        await self.on_result(result)

    async def on_result(self, result: ResultCode | int) -> None:
        row = self.row
        if result in (ResultCode.OK, ResultCode.DUPLICATE):
            # DUPLICATE: the meter already applied this one; the read-back confirms it.
            acknowledge(self.sf, row, int(result), self.now)
            await self.verify()
            return
        state = CommandState.EXPIRED if result == ResultCode.EXPIRED else CommandState.FAILED
        error = REFUSALS.get(result, f"the meter answered result code {int(result)}")  # type: ignore[call-overload]
        finish(self.sf, row, state, self.now, result_code=int(result), error=error)

    async def observe(self):
        """Read the meter back; a hot block also tells where its relay is now."""
        seen = await ops.observe(self.driver, self.row.order, self.row.target)
        if isinstance(seen, HotBlock):
            record_read_back(self.sf, self.row, seen, self.now)
        return seen

    async def verify(self) -> None:
        row = self.row
        seen = await self.observe()
        problem = ops.check(row.order, row.target, seen)
        state = CommandState.VERIFIED if problem is None else CommandState.FAILED
        finish(self.sf, row, state, self.now, error=problem or "")

    async def resolve(self) -> None:
        """A command left in `sent`: read the meter back first, then decide."""
        row = self.row
        seen = await self.observe()
        expired = self.now >= row.expires_at
        if row.order.kind == CommandKind.RECHARGE:
            verdict = ops.recharge_resolution(row.order, seen)
            if verdict == "credited":
                finish(self.sf, row, CommandState.VERIFIED, self.now, result_code=ResultCode.OK)
            elif verdict == "conflict":
                want = row.order.purchase_count
                finish(self.sf, row, CommandState.FAILED, self.now, error=(
                    f"purchase count on the meter is {seen.purchase_count}, expected {want} (credited) "
                    f"or {want - 1} (not yet): check the meter and the ledger by hand"))
            elif expired:
                finish(self.sf, row, CommandState.EXPIRED, self.now, error=(
                    f"not credited (purchase count still {seen.purchase_count}); time to live ran out"))
            else:
                await self.send()  # count read again and still expected-1: the same message once more
            return
        if ops.applied(row.order, row.target, seen):
            finish(self.sf, row, CommandState.VERIFIED, self.now, result_code=ResultCode.OK)
        elif expired and row.order.kind in (CommandKind.PUSH_SETTINGS, CommandKind.PUSH_TARIFF,
                                            CommandKind.CLOCK_SYNC):
            finish(self.sf, row, CommandState.EXPIRED, self.now, error=NOT_APPLIED)
        else:
            # Same sequence (a no-op on a meter that already has it) or an idempotent write;
            # past valid-until the meter itself answers EXPIRED.
            await self.send()


async def run_bus_pass(bus_id: int, driver: MeterDriver, session_factory: SessionFactory, *, redis: Redis,
                       keys: KeyRing, clock: Callable[[], float]) -> int:
    """Work every due command of the bus once; reschedule the rest in the bus's due set."""
    handled = 0
    waiting: dict[int, float] = {}  # meter id -> when its head command is due again
    due: dict[int, float] = {}
    done: set[int] = set()
    rows = open_rows(session_factory, bus_id)
    for row in rows:
        meter = row.target.meter_id
        if meter in waiting or row.next_at > clock():
            waiting.setdefault(meter, row.next_at)
            due[row.id] = max(waiting[meter], row.next_at)
            continue
        handled += 1
        await Step(row, driver, session_factory, keys, clock).run()
        if row.state in (CommandState.VERIFIED, CommandState.FAILED, CommandState.EXPIRED):
            done.add(row.id)
            log.info("command %s (%s) on bus %s: %s", row.id, row.order.kind.value, bus_id, row.state.value)
        else:
            waiting[meter] = due[row.id] = row.next_at
    seen_ids = {r.id for r in rows}
    strays = [c for c in transport.announced_ids(redis, bus_id) if c not in seen_ids]
    kept = still_open(session_factory, bus_id, strays)  # announced after we looked: keep them due
    done |= set(strays) - kept
    due.update({c: clock() for c in kept})
    transport.reschedule(redis, bus_id, due=due, done=done)
    return handled


async def run_due_commands(bus_id: int, driver: MeterDriver, session_factory: SessionFactory, *,
                           redis: Redis | None = None, keys: KeyRing | None = None,
                           now: Callable[[], float] | None = None) -> int:
    """Execute every due command of the bus on an open driver (the caller holds the bus lock).

    Returns how many commands were worked on. `redis` and `keys` default to the worker's
    configuration (REDIS_URL, WATTKEEPER_SITE_MASTER_KEY).
    """
    from metering_worker import config

    redis = config.redis() if redis is None else redis
    keys = config.settings().key_ring() if keys is None else keys
    return await run_bus_pass(bus_id, driver, session_factory, redis=redis, keys=keys,
                              clock=now or time.time)
