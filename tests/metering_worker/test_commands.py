"""The command outbox executed on simulated meters over real TCP, with the real DB and Redis."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from metering_worker import transport
from metering_worker.protocol import DEFAULT_TARIFF, KeyRing, ResultCode, Settings
from metering_worker.simulator import SimulatorFleet
from shared_models.db import make_session_factory
from shared_models.meter_values import DayEntry, SeasonEntry, TariffTable
from shared_models.models.commands import CommandState
from shared_models.remote_control.payloads import table_to_json
from tests.metering_worker.command_rig import Rig


@pytest.fixture
def rig(db, connection, redis_client, make_site, make_gateway, make_meter, fleet_config):
    started: list[SimulatorFleet] = []

    def build(meters: int = 1, *, mode: str = "local", **options) -> Rig:
        fleet = SimulatorFleet(fleet_config(meters, mode=mode, **options))
        fleet.start_in_thread()
        started.append(fleet)
        port = fleet.ports[0]
        gateway = make_gateway(port=port, bus_count=1, timeout_ms=400)
        bus = gateway.buses[0]
        rows = [make_meter(bus, address=a, serial_number=fleet.meter(port, a).serial, control_mode=mode)
                for a in sorted(fleet.buses[port].meters)]
        sessions = make_session_factory(connection, join_transaction_mode="create_savepoint")
        return Rig(fleet, db, sessions, redis_client, bus.id, rows)

    yield build
    for fleet in started:
        fleet.stop_in_thread()


def test_trip_is_verified_by_reading_the_relay_back(rig) -> None:
    r = rig()
    command = r.issue("trip")
    assert transport.has_due_commands(r.redis, r.bus_id)
    assert r.run() == 1
    done = r.reload(command)
    assert done.state == CommandState.VERIFIED, done.error
    assert done.result_code == ResultCode.OK and done.attempts == 1
    assert done.sent_at and done.acknowledged_at and done.finished_at
    assert r.sim().state.relay_open and r.sim().state.command_sequence == command.sequence
    assert not transport.has_due_commands(r.redis, r.bus_id)


@pytest.mark.parametrize("mode, payload, relay_open", [
    ("remote", {}, False),  # a remote-mode meter closes at once (0x1C)
    ("local", {"mode": "now"}, False),
    ("local", {"mode": "allowed"}, False),  # 0x1B: the wallet is not below the close limit
])
def test_close_after_trip(rig, mode, payload, relay_open) -> None:
    r = rig(mode=mode)
    if mode == "local":
        r.sim().state.balance_micro = 50_000_000
    r.issue("trip")
    close = r.issue("close", payload=payload)
    r.run()
    done = r.reload(close)
    assert done.state == CommandState.VERIFIED, done.error
    assert r.sim().state.relay_open is relay_open and not r.sim().state.open_commanded


def test_close_now_of_an_exhausted_local_meter_is_refused_but_close_allowed_is_taken(rig) -> None:
    r = rig(mode="local")
    r.sim().state.balance_micro = -50_000_000  # past the overdraft limit: the meter tripped itself
    now = r.issue("close", payload={"mode": "now"})
    allowed = r.issue("close", payload={"mode": "allowed"})
    r.run()
    assert (r.reload(now).state, r.reload(now).result_code) == (CommandState.FAILED, ResultCode.STATE)
    assert r.reload(allowed).state == CommandState.VERIFIED
    assert r.sim().state.relay_open  # stays open until a top-up lifts the balance


def test_protect_and_restore_prepaid(rig) -> None:
    r = rig()
    protect = r.issue("protect")
    r.run()
    assert r.reload(protect).state == CommandState.VERIFIED and r.sim().state.protect
    restore = r.issue("restore_prepaid")
    r.run()
    assert r.reload(restore).state == CommandState.VERIFIED and not r.sim().state.protect


def test_trip_while_protect_is_on_fails_with_state(rig) -> None:
    r = rig()
    r.issue("protect")
    trip = r.issue("trip")
    r.run()
    done = r.reload(trip)
    assert (done.state, done.result_code) == (CommandState.FAILED, ResultCode.STATE)
    assert "STATE" in done.error and not r.sim().state.relay_open


def test_wrong_key_fails_with_mac(rig) -> None:
    r = rig()
    trip = r.issue("trip")
    r.run(keys=KeyRing.single(bytes(range(1, 25))))
    done = r.reload(trip)
    assert (done.state, done.result_code) == (CommandState.FAILED, ResultCode.MAC)
    assert not r.sim().state.relay_open


def test_push_settings(rig) -> None:
    r = rig()
    payload = {"alarm_1": "30.00", "alarm_2": "8.00", "overdraft_limit": "15.00", "close_allowed": "1.00",
               "overload_limit_w": 6000, "overload_delay_s": 20, "reclose_minutes": 3}
    command = r.issue("push_settings", payload=payload)
    r.run()
    assert r.reload(command).state == CommandState.VERIFIED
    assert r.sim().settings == Settings(Decimal("30.00"), Decimal("8.00"), Decimal("15.00"), Decimal("1.00"),
                                        6000, 20, 3)


def test_push_tariff(rig) -> None:
    r = rig()
    table = TariffTable(seasons=(SeasonEntry(1, 1, 1),),
                        day_plans=((DayEntry(0, 0, 4), DayEntry(8, 0, 2)), (DayEntry(0, 0, 3),)),
                        prices=(Decimal("1.5000"), Decimal("1.1000"), Decimal("0.7000"), Decimal("0.3500")))
    command = r.issue("push_tariff", payload={"table": table_to_json(table)})
    r.run()
    assert r.reload(command).state == CommandState.VERIFIED
    assert r.sim().tariff == table and table != DEFAULT_TARIFF


def test_clock_sync(rig) -> None:
    r = rig()
    r.sim().state.clock_offset = -3600.0  # an hour slow
    command = r.issue("clock_sync")
    r.run()
    assert r.reload(command).state == CommandState.VERIFIED
    assert abs(r.sim().clock() - r.fleet.now()) < 5


def test_recharge_credits_the_meter_once(rig) -> None:
    r = rig()
    command = r.issue("recharge", payload={"amount": "50.00", "order_reference": 7, "customer_number": 9},
                      purchase_count=1)
    r.run()
    done = r.reload(command)
    assert done.state == CommandState.VERIFIED, done.error
    assert r.sim().state.purchase_count == 1 and r.sim().balance() == Decimal("50.00")


def test_queued_past_its_time_to_live_expires_without_touching_the_bus(rig) -> None:
    r = rig()
    command = r.issue("trip", ttl=timedelta(seconds=-1))
    before = r.exchanges()
    r.run()
    done = r.reload(command)
    assert done.state == CommandState.EXPIRED and "time to live" in done.error
    assert r.exchanges() == before and not r.sim().state.relay_open


def test_dead_meter_backs_off_then_fails_after_its_attempts(rig) -> None:
    r = rig()
    r.fleet.inject(r.port, r.meters[0].address, dead=True)
    command = r.issue("trip")
    r.run()
    first = r.reload(command)
    assert (first.state, first.attempts) == (CommandState.SENT, 1) and "no reply" in first.error
    assert first.next_attempt_at > first.sent_at
    assert r.run() == 0  # not due again yet
    assert not transport.has_due_commands(r.redis, r.bus_id)
    for step in range(1, 6):
        r.clock_shift = 120.0 * step
        r.run()
    done = r.reload(command)
    assert (done.state, done.attempts) == (CommandState.FAILED, 5) and "no answer" in done.error


def test_a_later_command_waits_for_the_earlier_one_of_its_meter(rig) -> None:
    r = rig(meters=2)
    r.fleet.inject(r.port, r.meters[0].address, dead=True)
    first, second = r.issue("trip", 0), r.issue("protect", 0)
    other = r.issue("trip", 1)
    r.run()
    assert r.reload(first).state == CommandState.SENT
    assert r.reload(second).state == CommandState.QUEUED  # not sent past an unresolved command
    assert r.reload(other).state == CommandState.VERIFIED  # the dead meter does not hold up the bus


def test_trip_left_in_sent_is_resolved_by_read_back_without_a_resend(rig, key_for) -> None:
    r = rig()
    command = r.issue("trip")
    # A worker wrote the mailbox and died before reading the result.
    asyncio.run(_send_trip(r, command, key_for(r.fleet, r.port, r.meters[0].address)))
    _mark_sent(r, command)
    before = r.exchanges()
    r.run()
    done = r.reload(command)
    assert done.state == CommandState.VERIFIED and done.attempts == 2
    assert r.exchanges() - before == 1  # one hot block read, no second mailbox write


def test_recharge_left_in_sent_and_credited_is_not_sent_again(rig, key_for) -> None:
    r = rig()
    command = r.issue("recharge", payload={"amount": "20.00"}, purchase_count=1)
    key = key_for(r.fleet, r.port, r.meters[0].address)

    async def credit() -> None:
        async with r.driver() as drv:
            await drv.send_recharge(r.meters[0].address, Decimal("20.00"), 1, 0, 0, key)

    asyncio.run(credit())
    _mark_sent(r, command)
    r.run()
    assert r.reload(command).state == CommandState.VERIFIED
    assert (r.sim().state.purchase_count, r.sim().balance()) == (1, Decimal("20.00"))


def test_recharge_left_in_sent_but_not_credited_is_sent_again_after_reading_the_count(rig) -> None:
    r = rig()
    command = r.issue("recharge", payload={"amount": "20.00"}, purchase_count=1)
    _mark_sent(r, command)
    r.run()
    assert r.reload(command).state == CommandState.VERIFIED
    assert (r.sim().state.purchase_count, r.sim().balance()) == (1, Decimal("20.00"))


def test_recharge_with_an_unexpected_count_fails_for_a_human(rig) -> None:
    r = rig()
    command = r.issue("recharge", payload={"amount": "20.00"}, purchase_count=1)
    _mark_sent(r, command)
    r.sim().state.purchase_count = 4
    r.run()
    done = r.reload(command)
    assert done.state == CommandState.FAILED and "by hand" in done.error
    assert r.sim().balance() == Decimal("0.00")


async def _send_trip(r: Rig, command, key) -> None:
    from metering_worker.protocol import CommandCode

    async with r.driver() as drv:
        result = await drv.send_command(r.meters[0].address, CommandCode.TRIP, command.sequence,
                                        int(command.expires_at.timestamp()), 1, key)
    assert result == ResultCode.OK


def _mark_sent(r: Rig, command) -> None:
    row = r.reload(command)
    row.state, row.attempts, row.sent_at = CommandState.SENT, 1, row.created_at
    row.next_attempt_at = row.created_at
    r.db.commit()



def test_recharge_whose_result_is_lost_is_credited_exactly_once(rig) -> None:
    from metering_worker.protocol import registers as reg
    from tests.metering_worker.command_rig import DroppingProxy, reads_of

    r = rig()
    proxy = DroppingProxy(r.port, reads_of(reg.RESULT_ADDRESS)).start()
    try:
        command = r.issue("recharge", payload={"amount": "30.00"}, purchase_count=1)
        r.run(port=proxy.port)
        lost = r.reload(command)
        assert proxy.dropped == 1 and (lost.state, lost.attempts) == (CommandState.SENT, 1)
        assert r.sim().state.purchase_count == 1  # it did land
        r.clock_shift = 60.0
        r.run(port=proxy.port)
    finally:
        proxy.stop()
    done = r.reload(command)
    assert (done.state, done.attempts) == (CommandState.VERIFIED, 2)
    assert (r.sim().state.purchase_count, r.sim().balance()) == (1, Decimal("30.00"))
    assert r.sim().state.mailboxes["recharge"][2:4] == [0, 1]  # the one message, never a count 2
