"""Fault injection seen through the driver: dead, slow, garbled, lossy, restarting, drifting."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from metering_worker.driver import (
    DeviceError,
    DeviceExceptionResponse,
    DeviceGarbled,
    DeviceTimeout,
    DeviceUnreachable,
    GatewayTargetFailed,
    MeterDriver,
)
from metering_worker.protocol import MeterStatus
from metering_worker.simulator import generate_fleet
from metering_worker.simulator.config import FRAMINGS
from shared_models.enums import Framing


def read_with_fault(fleet_config, with_fleet, connect, framing=Framing.MODBUS_TCP, address=1, **faults):
    async def body(fleet):
        port = fleet.ports[0]
        fleet.inject(port, address, **faults)
        async with connect(fleet, port, timeout=0.3) as drv:
            with pytest.raises(DeviceError) as caught:
                await drv.read_hot_block(address)
            healthy = await drv.read_hot_block(2)  # the bus still works for the others
            return caught.value, healthy

    return with_fleet(fleet_config(2, framing=framing), body)


@pytest.mark.parametrize("framing", FRAMINGS)
def test_dead_meter_times_out(fleet_config, with_fleet, connect, framing) -> None:
    error, healthy = read_with_fault(fleet_config, with_fleet, connect, framing, dead=True)
    assert isinstance(error, DeviceTimeout) and not isinstance(error, DeviceGarbled)
    assert healthy.map_version == 1


@pytest.mark.parametrize("framing", FRAMINGS)
def test_garbled_reply_raises_device_garbled(fleet_config, with_fleet, connect, framing) -> None:
    error, _ = read_with_fault(fleet_config, with_fleet, connect, framing, garbled_rate=1.0)
    assert isinstance(error, DeviceGarbled)


def test_timeout_rate_loses_exchanges(fleet_config, with_fleet, connect) -> None:
    error, _ = read_with_fault(fleet_config, with_fleet, connect, timeout_rate=1.0)
    assert isinstance(error, DeviceTimeout)


def test_slow_meter_beyond_gateway_timeout_is_silent(fleet_config, with_fleet, connect) -> None:
    error, _ = read_with_fault(fleet_config, with_fleet, connect, extra_turnaround_s=1.0)
    assert isinstance(error, DeviceTimeout)


def test_gateway_may_answer_target_failed(with_fleet, connect) -> None:
    config = generate_fleet(1, base_port=0, time_scale=0.0, speed=0.0)
    gateway = replace(config.gateways[0], dead_reply="exception")
    config = replace(config, gateways=(gateway,))

    async def body(fleet):
        fleet.inject(fleet.ports[0], 1, dead=True)
        async with connect(fleet) as drv:
            with pytest.raises(GatewayTargetFailed) as caught:
                await drv.read_hot_block(1)
            return caught.value

    error = with_fleet(config, body)
    assert error.exception_code == 0x0B and isinstance(error, DeviceTimeout)


def test_unknown_register_is_an_exception_response(fleet_config, with_fleet, connect) -> None:
    async def body(fleet):
        async with connect(fleet) as drv:
            with pytest.raises(DeviceExceptionResponse) as caught:
                await drv.connection.read(1, 0x0100, 4)
            return caught.value.exception_code

    assert with_fleet(fleet_config(1), body) == 0x02


def test_gateway_restart(fleet_config, with_fleet, connect) -> None:
    async def body(fleet):
        async with connect(fleet, timeout=0.3) as drv:
            await drv.read_hot_block(1)
            restart = asyncio.create_task(fleet.restart_gateway("gw1", down_s=0.6))
            while fleet.gateway("gw1").up:  # until its sockets are closed
                await asyncio.sleep(0.01)
            with pytest.raises((DeviceUnreachable, DeviceTimeout)):
                await drv.read_hot_block(1)
            await restart
            return await drv.read_hot_block(1)  # the same driver reconnects

    assert with_fleet(fleet_config(1), body).map_version == 1


def test_unreachable_gateway() -> None:
    async def body():
        drv = MeterDriver.tcp("127.0.0.1", 9, timeout=0.2)  # discard port: nothing listens
        try:
            with pytest.raises(DeviceUnreachable):
                await drv.read_hot_block(1)
        finally:
            drv.close()

    asyncio.run(body())


def test_clock_drift_flags_and_sync_clock_fixes(fleet_config, with_fleet, connect) -> None:
    async def body(fleet):
        port = fleet.ports[0]
        fleet.inject(port, 1, clock_drift_ppm=100_000)  # 10 %: six minutes an hour
        async with connect(fleet, port) as drv:
            fleet.advance(3600)
            drifted = await drv.read_hot_block(1)
            await drv.sync_clock(1, int(fleet.now()))
            return drifted, await drv.read_hot_block(1), int(fleet.now())

    drifted, synced, now = with_fleet(fleet_config(1), body)
    assert drifted.clock - now >= 300 and MeterStatus.CLOCK_OR_TARIFF_INVALID in drifted.status
    assert abs(synced.clock - now) <= 1
    assert MeterStatus.CLOCK_OR_TARIFF_INVALID not in synced.status


def test_broadcast_clock_sync(fleet_config, with_fleet, connect) -> None:
    async def body(fleet):
        port = fleet.ports[0]
        async with connect(fleet, port) as drv:
            await drv.sync_clock(0, 1_800_000_000)
            await drv.read_hot_block(1)  # the broadcast has been handled before this reply
            return [fleet.meter(port, a).clock() for a in (1, 2)]

    assert [int(c) for c in with_fleet(fleet_config(2), body)] == [1_800_000_000] * 2
