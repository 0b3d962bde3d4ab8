"""Meter state survives a simulator restart; energy never goes backwards."""

from __future__ import annotations

import json
from decimal import Decimal

from metering_worker.protocol import ResultCode


def test_energy_and_wallet_survive_restart(fleet_config, with_fleet, key_for, connect, tmp_path) -> None:
    config = fleet_config(2)

    async def first(fleet):
        port = fleet.ports[0]
        async with connect(fleet, port) as drv:
            await drv.send_recharge(1, Decimal("80.00"), 1, 1, 1, key_for(fleet, port, 1))
            fleet.advance(3 * 3600)
            return await drv.read_hot_block(1)

    async def second(fleet):
        port = fleet.ports[0]
        async with connect(fleet, port) as drv:
            after_restart = await drv.read_hot_block(1)
            again = await drv.send_recharge(1, Decimal("80.00"), 1, 1, 1, key_for(fleet, port, 1))
            fleet.advance(3600)
            return after_restart, again, await drv.read_hot_block(1)

    before = with_fleet(config, first)
    saved = json.loads((tmp_path / "sim" / "meters.json").read_text())
    assert set(saved["meters"]) == {"240000000001", "240000000002"}
    assert not [p for p in (tmp_path / "sim").iterdir() if p.name.startswith(".meters-")]

    after_restart, again, later = with_fleet(config, second)
    assert before.total_energy > 0
    # The restarted fleet's clock starts at wall time, behind the advanced one: the meter
    # keeps its own time and never runs its registers backwards.
    assert after_restart.total_energy >= before.total_energy
    assert after_restart.energy_by_rate >= before.energy_by_rate
    assert after_restart.purchase_count == 1
    assert again is ResultCode.DUPLICATE  # the purchase count survived too
    assert later.total_energy >= after_restart.total_energy
    assert after_restart.balance <= before.balance


def test_state_file_is_written_periodically(fleet_config, with_fleet, tmp_path) -> None:
    import asyncio

    config = fleet_config(1, tick_s=0.01, save_every_s=0.01)

    async def body(fleet):
        state_file = tmp_path / "sim" / "meters.json"
        for _ in range(500):  # written every 10 ms; a loaded machine gets 5 s
            if state_file.exists():
                return True
            await asyncio.sleep(0.01)
        return False

    assert with_fleet(config, body)
