"""Bus physics: the timing model, and a real bus that takes at least the modelled time."""

from __future__ import annotations

import asyncio
import time

import pytest

from metering_worker.simulator import exchange_seconds, hot_block_read_seconds
from metering_worker.simulator.config import FRAMINGS
from metering_worker.simulator.physics import turnaround_for


def test_exchange_model() -> None:
    t_c = 11 / 9600
    assert exchange_seconds(8, 69, 9600, 11, 0.05) == pytest.approx(77 * t_c + 7 * t_c + 0.05)
    assert hot_block_read_seconds(9600) == pytest.approx(0.09625, abs=1e-5)
    assert hot_block_read_seconds(2400) == pytest.approx(4 * hot_block_read_seconds(9600))
    assert hot_block_read_seconds(9600, bits_per_char=10) < hot_block_read_seconds(9600)


def test_turnaround_is_deterministic_and_in_range() -> None:
    values = [turnaround_for(1, f"24{i:010d}") for i in range(200)]
    assert all(0.020 <= v <= 0.100 for v in values)
    assert values == [turnaround_for(1, f"24{i:010d}") for i in range(200)]
    assert len(set(values)) > 50


@pytest.mark.parametrize("framing", FRAMINGS)
def test_one_read_takes_at_least_the_modelled_time(fleet_config, with_fleet, connect, framing) -> None:
    async def body(fleet):
        port = fleet.ports[0]
        meter = fleet.meter(port, 1)
        async with connect(fleet, port) as drv:
            start = time.monotonic()
            await drv.read_hot_block(1)
            return (time.monotonic() - start, hot_block_read_seconds(9600, 11, meter.turnaround_s),
                    fleet.buses[port].busy_seconds)

    measured, model, busy = with_fleet(fleet_config(1, framing=framing, time_scale=1.0), body)
    assert busy == pytest.approx(model)  # the bus held the line exactly as long as the model says
    assert measured >= model  # and no client sees it faster (a loaded machine only adds to it)


def test_clients_on_one_bus_queue_behind_each_other(fleet_config, with_fleet, connect) -> None:
    async def body(fleet):
        port = fleet.ports[0]
        bus = fleet.buses[port]
        model = sum(hot_block_read_seconds(9600, 11, m.turnaround_s) for m in bus.meters.values())

        async def sweep():
            async with connect(fleet, port, timeout=3.0) as drv:
                for address in sorted(bus.meters):
                    await drv.read_hot_block(address)

        start = time.monotonic()
        await asyncio.gather(sweep(), sweep())
        return time.monotonic() - start, 2 * model, bus.busy_seconds

    elapsed, model, busy = with_fleet(fleet_config(3, time_scale=1.0), body)
    assert busy == pytest.approx(model)
    assert elapsed >= model  # two clients are no faster than one bus allows
