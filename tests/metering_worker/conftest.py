"""Fixtures for the metering tests: an in-process simulator fleet on ephemeral ports."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from metering_worker.driver import MeterDriver
from metering_worker.protocol import KeyRing, MeterKey
from metering_worker.simulator import FleetConfig, SimulatorFleet, generate_fleet
from metering_worker.simulator.config import DEMO_MASTER_KEY
from shared_models.enums import Framing
from tests.metering_worker.polling_world import PrivateDatabase

Scenario = Callable[[SimulatorFleet], Awaitable[Any]]


@pytest.fixture
def fleet_config(tmp_path) -> Callable[..., FleetConfig]:
    """A small generated fleet; time frozen (speed 0) and instant bus (time_scale 0)."""

    def build(meters: int = 2, *, framing: str = "tcp", mode: str = "local", **options):
        options = {"time_scale": 0.0, "speed": 0.0, "state_dir": str(tmp_path / "sim"), **options}
        return generate_fleet(meters, base_port=0, framing=framing, mode=mode, **options)

    return build


@pytest.fixture
def with_fleet() -> Callable[[FleetConfig, Scenario], Any]:
    """Start a fleet, run an async scenario against it, always stop it."""

    def run(config: FleetConfig, scenario: Scenario, timeout: float = 40.0) -> Any:
        async def main() -> Any:
            fleet = SimulatorFleet(config)
            await fleet.start()
            try:
                return await asyncio.wait_for(scenario(fleet), timeout)
            finally:
                await fleet.stop()

        return asyncio.run(main())

    return run


@pytest.fixture
def key_for() -> Callable[[SimulatorFleet, int, int], MeterKey]:
    ring = KeyRing.single(bytes.fromhex(DEMO_MASTER_KEY))

    def key(fleet: SimulatorFleet, port: int, address: int) -> MeterKey:
        return ring.meter_key(fleet.meter(port, address).serial)

    return key


def driver(fleet: SimulatorFleet, port: int | None = None, timeout: float = 0.4) -> MeterDriver:
    """A driver for one bus of the fleet (the first by default), framed as the bus is."""
    port = fleet.ports[0] if port is None else port
    rtu = fleet.buses[port].config.framing == Framing.RTU_OVER_TCP
    return MeterDriver.tcp("127.0.0.1", port, rtu=rtu, timeout=timeout)


@pytest.fixture
def connect() -> Callable[..., MeterDriver]:
    return driver


@pytest.fixture(scope="module")
def private_db(tmp_path_factory):
    """A migrated database of the module's own, for tests whose workers commit for real."""
    database = PrivateDatabase(tmp_path_factory.mktemp("polldb"))
    yield database
    database.close()


@pytest.fixture
def sessions(private_db):
    return private_db.sessions


@pytest.fixture
def start_fleet():
    """Start fleets in background threads; every one is stopped after the test."""
    fleets = []

    def start(config: FleetConfig) -> SimulatorFleet:
        fleet = SimulatorFleet(config)
        fleet.start_in_thread()
        fleets.append(fleet)
        return fleet

    yield start
    for fleet in fleets:
        fleet.stop_in_thread()
