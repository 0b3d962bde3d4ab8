"""Command and recharge mailboxes of the simulated meter, driven through the real driver."""

from __future__ import annotations

from decimal import Decimal

import pytest

from metering_worker.driver import DeviceExceptionResponse
from metering_worker.protocol import CommandCode, KeyRing, MeterStatus, ResultCode

FAR = 4_000_000_000  # valid_until far in the future


@pytest.fixture
def scenario(fleet_config, with_fleet, key_for, connect):
    """Run `body(fleet, drv, port, key)` against unit 1 of a one-bus local fleet."""

    def run(body, **options):
        async def wrapped(fleet):
            port = fleet.ports[0]
            async with connect(fleet, port) as drv:
                return await body(fleet, drv, port, key_for(fleet, port, 1))

        return with_fleet(fleet_config(**options), wrapped)

    return run


def test_recharge_credits_count_plus_one_once(scenario) -> None:
    async def body(fleet, drv, port, key):
        first = await drv.send_recharge(1, Decimal("50.00"), 1, 1001, 7, key)
        again = await drv.send_recharge(1, Decimal("50.00"), 1, 1001, 7, key)
        skipped = await drv.send_recharge(1, Decimal("50.00"), 3, 1002, 7, key)
        block = await drv.read_hot_block(1)
        return first, again, skipped, block

    first, again, skipped, block = scenario(body)
    assert (first, again, skipped) == (ResultCode.OK, ResultCode.DUPLICATE, ResultCode.SEQUENCE)
    assert block.balance == Decimal("50.00")
    assert block.purchase_count == 1
    assert (block.last_sequence, block.last_result) == (3, ResultCode.SEQUENCE)


def test_recharge_pays_overdraft_first(scenario) -> None:
    async def body(fleet, drv, port, key):
        fleet.meter(port, 1).state.balance_micro = -4_500_000  # 4.50 yuan overdrawn
        result = await drv.send_recharge(1, Decimal("20.00"), 1, 1, 1, key)
        return result, (await drv.read_hot_block(1)).balance

    assert scenario(body) == (ResultCode.OK, Decimal("15.50"))


def test_recharge_over_stored_credit_cap_is_limit(scenario) -> None:
    async def body(fleet, drv, port, key):
        result = await drv.send_recharge(1, Decimal("150.00"), 1, 1, 1, key)
        return result, await drv.read_hot_block(1)

    result, block = scenario(body, stored_credit_cap="100.00")
    assert result is ResultCode.LIMIT
    assert (block.balance, block.purchase_count) == (Decimal("0.00"), 0)


def test_recharge_with_wrong_key_fails_mac_and_sets_b10(scenario) -> None:
    wrong = KeyRing.single(bytes(range(24))).meter_key("240000000001")

    async def body(fleet, drv, port, key):
        bad = await drv.send_recharge(1, Decimal("10.00"), 1, 1, 1, wrong)
        flagged = (await drv.read_hot_block(1)).status
        good = await drv.send_recharge(1, Decimal("10.00"), 1, 1, 1, key)
        return bad, flagged, good, await drv.read_hot_block(1)

    bad, flagged, good, block = scenario(body)
    assert bad is ResultCode.MAC and MeterStatus.MAC_FAILED in flagged
    assert good is ResultCode.OK and MeterStatus.MAC_FAILED not in block.status
    assert block.balance == Decimal("10.00")


def test_recharge_of_remote_meter_is_refused(scenario) -> None:
    async def body(fleet, drv, port, key):
        return await drv.send_recharge(1, Decimal("10.00"), 1, 1, 1, key)

    assert scenario(body, mode="remote") is ResultCode.STATE


def test_trip_and_close_commands(scenario) -> None:
    async def body(fleet, drv, port, key):
        await drv.send_recharge(1, Decimal("30.00"), 1, 1, 1, key)
        trip = await drv.send_command(1, CommandCode.TRIP, 1, FAR, 11, key)
        opened = (await drv.read_hot_block(1)).status
        close = await drv.send_command(1, CommandCode.CLOSE_NOW, 2, FAR, 12, key)
        return trip, opened, close, (await drv.read_hot_block(1)).status

    trip, opened, close, closed = scenario(body)
    assert trip is ResultCode.OK and close is ResultCode.OK
    assert opened & (MeterStatus.RELAY_OPEN | MeterStatus.REMOTE_TRIP_LATCHED) == (
        MeterStatus.RELAY_OPEN | MeterStatus.REMOTE_TRIP_LATCHED
    )
    assert not closed & (MeterStatus.RELAY_OPEN | MeterStatus.OPEN_COMMANDED)


def test_repeated_sequence_is_a_no_op_reporting_the_earlier_result(scenario) -> None:
    async def body(fleet, drv, port, key):
        await drv.send_command(1, CommandCode.PROTECT_ON, 5, FAR, 1, key)
        refused = await drv.send_command(1, CommandCode.TRIP, 6, FAR, 2, key)
        await drv.send_command(1, CommandCode.PROTECT_OFF, 7, FAR, 3, key)
        replay = await drv.send_command(1, CommandCode.TRIP, 7, FAR, 4, key)
        return refused, replay, await drv.read_hot_block(1)

    refused, replay, block = scenario(body)
    assert refused is ResultCode.STATE  # trip refused while protect (保电) is on
    assert replay is ResultCode.OK  # the earlier result of sequence 7, nothing done
    assert not block.relay_open and MeterStatus.PROTECT not in block.status


def test_expired_command_is_refused(scenario) -> None:
    async def body(fleet, drv, port, key):
        clock = (await drv.read_hot_block(1)).clock
        result = await drv.send_command(1, CommandCode.TRIP, 1, clock - 10, 1, key)
        return result, await drv.read_hot_block(1)

    result, block = scenario(body)
    assert result is ResultCode.EXPIRED and not block.relay_open


def test_tampered_command_fails_mac(scenario) -> None:
    async def body(fleet, drv, port, key):
        other = KeyRing.single(bytes(range(24))).meter_key("x")
        return await drv.send_command(1, CommandCode.TRIP, 1, FAR, 1, other)

    assert scenario(body) is ResultCode.MAC


def test_acrel_relay_register(scenario) -> None:
    async def body(fleet, drv, port, key):
        await drv.send_recharge(1, Decimal("30.00"), 1, 1, 1, key)
        await drv.write_relay(1, trip=True)
        tripped = (await drv.read_hot_block(1)).relay_open
        await drv.write_relay(1, trip=False)
        closed = (await drv.read_hot_block(1)).relay_open
        await drv.send_command(1, CommandCode.PROTECT_ON, 1, FAR, 1, key)
        with pytest.raises(DeviceExceptionResponse) as refused:
            await drv.write_relay(1, trip=True)
        return tripped, closed, refused.value.exception_code

    assert scenario(body) == (True, False, 0x04)
