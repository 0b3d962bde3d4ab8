"""Fleet configuration: generator, registry rows, files, validation and the CLI."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

from metering_worker.driver import MeterDriver
from metering_worker.simulator import (
    SimulatorFleet,
    fleet_from_dict,
    fleet_from_registry,
    generate_fleet,
    load_config,
)
from metering_worker.simulator.config import parse_framing
from shared_models.enums import Framing


def test_generator_fills_buses_of_32() -> None:
    config = generate_fleet(90, per_bus=32, base_port=6000, framing="mixed")
    buses = [bus for _, bus in config.buses()]
    assert [len(b.meters) for b in buses] == [32, 32, 26]
    assert [b.port for b in buses] == [6000, 6001, 6002]
    assert [b.framing for b in buses] == [Framing.MODBUS_TCP, Framing.RTU_OVER_TCP, Framing.MODBUS_TCP]
    serials = [m.serial for b in buses for m in b.meters]
    assert len(set(serials)) == 90


def test_registry_rows_group_into_gateways_and_buses() -> None:
    rows = [
        {"gateway_host": "127.0.0.1", "gateway_port": 7000, "bus_number": 1, "bus_port": 7000,
         "address": 2, "serial": "S2", "control_mode": "remote"},
        {"gateway_host": "127.0.0.1", "gateway_port": 7000, "bus_number": 1, "bus_port": 7000,
         "address": 1, "serial": "S1", "control_mode": "local"},
        {"gateway_host": "127.0.0.1", "gateway_port": 7000, "bus_number": 2,
         "address": 1, "serial": "S3", "control_mode": "local", "framing": "rtu_over_tcp"},
    ]  # fmt: skip
    config = fleet_from_registry(rows, time_scale=0.0)
    assert len(config.gateways) == 1
    buses = config.gateways[0].buses
    assert [(b.port, b.number, b.framing) for b in buses] == [(7000, 1, Framing.MODBUS_TCP),
                                                              (7001, 2, Framing.RTU_OVER_TCP)]
    assert [(m.address, m.serial, m.mode) for m in buses[0].meters] == [
        (1, "S1", "local"),
        (2, "S2", "remote"),
    ]
    assert config.time_scale == 0.0


def test_json_file_round_trip(tmp_path) -> None:
    config = generate_fleet(5, per_bus=2, base_port=0, seed=9)
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps(config.to_dict()))
    assert load_config(path) == config


@pytest.mark.parametrize(
    "change",
    [
        {"framing": "ascii"},
        {"meters": [{"address": 1, "serial": "a"}, {"address": 1, "serial": "b"}]},
        {"meters": [{"address": a, "serial": str(a)} for a in range(1, 34)]},
        {"meters": [{"address": 1, "serial": "a", "profile": "factory"}]},
        {"colour": "blue"},
    ],
)
def test_bad_configs_are_refused(change) -> None:
    bus = {"port": 0, "meters": [], **change}
    with pytest.raises(ValueError):
        fleet_from_dict({"gateways": [{"name": "g", "buses": [bus]}]})


def test_cli_prints_a_generated_fleet() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "metering_worker.simulator", "--meters", "40", "--print-config"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    config = fleet_from_dict(json.loads(out))
    assert sum(len(bus.meters) for _, bus in config.buses()) == 40


def test_fleet_files_speak_the_registry_framing_and_still_read_the_old_spelling() -> None:
    assert parse_framing("rtu_over_tcp") is parse_framing("rtu") is Framing.RTU_OVER_TCP
    assert parse_framing("modbus_tcp") is parse_framing("tcp") is Framing.MODBUS_TCP
    with pytest.raises(ValueError):
        parse_framing("serial-ish")
    config = generate_fleet(4, per_bus=2, base_port=0, framing="mixed")
    assert [bus.framing for _, bus in config.buses()] == [Framing.MODBUS_TCP, Framing.RTU_OVER_TCP]


def test_fleet_runs_in_a_thread_for_sync_callers(fleet_config) -> None:
    fleet = SimulatorFleet(fleet_config(2, framing=Framing.RTU_OVER_TCP))
    fleet.start_in_thread()
    try:
        port = fleet.ports[0]

        async def read():
            async with MeterDriver.tcp("127.0.0.1", port, rtu=True) as drv:
                return await drv.read_hot_block(2)

        assert asyncio.run(read()).map_version == 1
        assert fleet.endpoints()[0]["addresses"] == [1, 2]
    finally:
        fleet.stop_in_thread()
