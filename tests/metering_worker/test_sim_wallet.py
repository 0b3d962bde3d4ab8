"""Local-mode wallet, TOU split and overload protection of the simulated meter."""

from __future__ import annotations

from decimal import Decimal

from metering_worker.protocol import (
    CommandCode,
    DayEntry,
    MeterStatus,
    ResultCode,
    SeasonEntry,
    Settings,
    TariffTable,
)

FAR = 4_000_000_000
SIX_HOUR_BANDS = TariffTable(
    seasons=(SeasonEntry(1, 1, 1),),
    day_plans=((DayEntry(0, 0, 1), DayEntry(6, 0, 2), DayEntry(12, 0, 3), DayEntry(18, 0, 4)),) * 2,
    prices=(Decimal("1.5000"), Decimal("1.0000"), Decimal("0.5000"), Decimal("0.2500")),
)


def test_energy_is_split_by_pushed_tariff_and_billed_at_its_prices(
    fleet_config, with_fleet, key_for, connect
) -> None:
    async def body(fleet):
        port = fleet.ports[0]
        async with connect(fleet, port) as drv:
            await drv.push_tariff(1, SIX_HOUR_BANDS)
            await drv.send_recharge(1, Decimal("500.00"), 1, 1, 1, key_for(fleet, port, 1))
            before = await drv.read_hot_block(1)
            fleet.advance(24 * 3600)
            return before, await drv.read_hot_block(1), await drv.read_tariff(1)

    before, after, table = with_fleet(fleet_config(1), body)
    assert table == SIX_HOUR_BANDS
    used = [a - b for a, b in zip(after.energy_by_rate, before.energy_by_rate, strict=True)]
    assert all(u > 0 for u in used)
    assert abs(sum(used) - (after.total_energy - before.total_energy)) <= Decimal("0.04")
    cost = sum(u * p for u, p in zip(used, SIX_HOUR_BANDS.prices, strict=True))
    assert abs((before.balance - after.balance) - cost) <= Decimal("0.01")


def test_local_wallet_trips_at_overdraft_and_closes_only_above_limit(
    fleet_config, with_fleet, key_for, connect
) -> None:
    settings = Settings(
        alarm_1=Decimal("3.00"),
        alarm_2=Decimal("1.00"),
        overdraft_limit=Decimal("1.00"),
        close_allowed=Decimal("5.00"),
        overload_limit_w=100_000,
    )

    async def body(fleet):
        port = fleet.ports[0]
        key = key_for(fleet, port, 1)
        fleet.inject(port, 1, extra_load_w=20_000)  # burn money fast
        async with connect(fleet, port) as drv:
            await drv.write_settings(1, settings)
            await drv.send_recharge(1, Decimal("2.00"), 1, 1, 1, key)
            alarmed = (await drv.read_hot_block(1)).status
            fleet.advance(3600)
            tripped = await drv.read_hot_block(1)
            await drv.send_recharge(1, Decimal("4.00"), 2, 2, 1, key)
            still_open = await drv.read_hot_block(1)
            refused = await drv.send_command(1, CommandCode.CLOSE_NOW, 1, FAR, 1, key)
            await drv.send_recharge(1, Decimal("10.00"), 3, 3, 1, key)
            return alarmed, tripped, still_open, refused, await drv.read_hot_block(1)

    alarmed, tripped, still_open, refused, closed = with_fleet(fleet_config(1), body)
    assert MeterStatus.ALARM_1 in alarmed and MeterStatus.ALARM_2 not in alarmed
    assert tripped.relay_open and tripped.power_w == 0
    assert tripped.balance <= Decimal("-1.00")
    assert {MeterStatus.EXHAUSTED, MeterStatus.ALARM_2} <= set(tripped.status)
    assert still_open.relay_open and Decimal("0") < still_open.balance <= Decimal("5.00")
    assert refused is ResultCode.STATE
    assert not closed.relay_open and closed.balance > Decimal("5.00")


def test_protect_keeps_relay_closed_in_arrears(fleet_config, with_fleet, key_for, connect) -> None:
    async def body(fleet):
        port = fleet.ports[0]
        fleet.inject(port, 1, extra_load_w=3_000)
        async with connect(fleet, port) as drv:
            await drv.write_settings(1, Settings(overload_limit_w=100_000))
            await drv.send_command(1, CommandCode.PROTECT_ON, 1, FAR, 1, key_for(fleet, port, 1))
            fleet.advance(6 * 3600)
            return await drv.read_hot_block(1)

    block = with_fleet(fleet_config(1), body)
    assert block.balance < Decimal("-10.00") and not block.relay_open
    assert MeterStatus.PROTECT in block.status and MeterStatus.PREPAID_ENFORCED not in block.status


def test_overload_trips_after_delay_and_recloses(fleet_config, with_fleet, connect) -> None:
    settings = Settings(overload_limit_w=50, overload_delay_s=10, reclose_minutes=1)

    async def body(fleet):
        port = fleet.ports[0]
        meter = fleet.meter(port, 1)
        meter.state.protect = True  # keep the wallet out of it
        fleet.inject(port, 1, extra_load_w=1_000)
        async with connect(fleet, port) as drv:
            await drv.write_settings(1, settings)
            fleet.advance(5)
            early = await drv.read_hot_block(1)
            fleet.advance(6)
            tripped = await drv.read_hot_block(1)
            fleet.advance(60)  # tripped at +10 s, recloses at +70 s
            reclosed = await drv.read_hot_block(1)
            return early, tripped, reclosed

    early, tripped, reclosed = with_fleet(fleet_config(1), body)
    assert not early.relay_open
    assert tripped.relay_open and MeterStatus.OVERLOAD_TRIP in tripped.status
    assert tripped.event_counter == early.event_counter + 1
    assert not reclosed.relay_open and MeterStatus.OVERLOAD_TRIP not in reclosed.status


def test_remote_meter_reports_zero_balance(fleet_config, with_fleet, connect) -> None:
    async def body(fleet):
        async with connect(fleet) as drv:
            fleet.advance(3600)
            return await drv.read_hot_block(1)

    block = with_fleet(fleet_config(1, mode="remote"), body)
    assert block.balance == Decimal("0.00") and block.total_energy > 0
    assert MeterStatus.PREPAID_ENFORCED not in block.status
