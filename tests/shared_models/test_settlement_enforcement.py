"""Alarms and automatic trip/close after settlement and after a counter top-up."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from shared_models.metering.freshness import is_stale
from shared_models.models.accounts import ArrearsRule
from shared_models.models.commands import CommandKind, CommandOrigin, CommandState
from shared_models.models.metering import AlarmKind
from shared_models.remote_control import outbox
from shared_models.types import utcnow
from tests.settlement_kit import Kit

D = Decimal


@pytest.fixture
def kit(db, make_site, make_gateway, make_operator):
    site = make_site(default_price=D("1.0000"), poll_interval_s=600, overdraft_limit=D("5.00"),
                     alarm1_threshold=D("20.00"), alarm2_threshold=D("5.00"))
    return Kit(db, site, make_gateway(site=site).buses[0], make_operator("admin"))


def consume(kit, meter, kwh: str, *, relay_open: bool = False, status: int = 0, minutes: int = 10):
    """A reading `kwh` above the last one, `minutes` ago, then settlement."""
    last = getattr(meter, "_total", D("0.00"))
    if last == 0:
        kit.read(meter, kit.ago(minutes + 5), "0.00", relay_open=relay_open)
    meter._total = last + D(kwh)
    kit.read(meter, kit.ago(minutes), str(meter._total), relay_open=relay_open, status=status)
    return kit.settle(meter)




def test_freshness_is_three_intervals():
    now = utcnow()
    assert is_stale(None, 60, now)
    assert not is_stale(now - timedelta(seconds=180), 60, now)
    assert is_stale(now - timedelta(seconds=181), 60, now)


def test_level_alarms_are_raised_once_told_once_and_cleared_by_a_top_up(kit):
    meter = kit.meter()
    account = kit.account(meter, balance="30")
    consume(kit, meter, "12", minutes=30)  # 18 left: below 20
    consume(kit, meter, "1", minutes=25)
    assert [a.account_id for a in kit.active_alarms(AlarmKind.ALARM1)] == [account.id]
    assert len(kit.texts("alarm1")) == 1
    consume(kit, meter, "14", minutes=20)  # 3 left: below 5
    assert kit.active_alarms(AlarmKind.ALARM1) == [] and len(kit.active_alarms(AlarmKind.ALARM2)) == 1
    kit.recharge(account, "100")
    assert kit.active_alarms(AlarmKind.ALARM2) == []
    kit.assert_books()


def test_trip_at_arrears_once(kit):
    meter = kit.meter()
    account = kit.account(meter, balance="2")
    queued = consume(kit, meter, "3")
    (trip,) = kit.commands(meter)
    assert queued == [trip.id]
    assert (trip.kind, trip.origin) == (CommandKind.TRIP, CommandOrigin.AUTOMATIC)
    assert len(kit.active_alarms(AlarmKind.ARREARS)) == 1 and len(kit.texts("arrears")) == 1
    assert consume(kit, meter, "1", minutes=5) == []  # the trip is still on its way
    assert len(kit.commands(meter)) == 1
    assert kit.wallet(account) == D("-2.00")


def test_no_trip_when_protected(kit):
    meter = kit.meter()
    kit.account(meter, balance="2", arrears_rule=ArrearsRule.PROTECT)
    assert consume(kit, meter, "10") == []
    assert len(kit.active_alarms(AlarmKind.ARREARS)) == 1


def test_overdraft_runs_on_to_the_site_limit(kit):
    meter = kit.meter()
    kit.account(meter, balance="2", arrears_rule=ArrearsRule.OVERDRAFT)
    assert consume(kit, meter, "6", minutes=20) == []  # -4.00: within the 5.00 overdraft
    assert len(consume(kit, meter, "2", minutes=10)) == 1  # -6.00: past it


def test_no_decision_on_stale_data(kit):
    meter = kit.meter()
    kit.account(meter, balance="2")
    kit.read(meter, kit.ago(60), "0.00")
    kit.read(meter, kit.ago(40), "10.00")  # older than 3 x 10 min
    assert kit.settle(meter, now=utcnow()) == []
    assert kit.commands(meter) == []
    assert len(kit.active_alarms(AlarmKind.ARREARS)) == 1  # alarms still follow the money


def test_a_top_up_closes_a_relay_tripped_for_arrears(kit):
    meter = kit.meter()
    account = kit.account(meter, balance="2")
    consume(kit, meter, "3", minutes=20)
    (trip,) = kit.commands(meter)
    kit.finish(trip, CommandState.VERIFIED, kit.ago(15))
    consume(kit, meter, "0", minutes=10, relay_open=True)
    assert len(kit.commands(meter)) == 1
    kit.recharge(account, "0.50")  # still in arrears: stays open
    assert len(kit.commands(meter)) == 1
    kit.recharge(account, "10")  # the close is queued by the sale itself
    close = kit.commands(meter)[-1]
    assert (close.kind, close.origin, close.state) == (
        CommandKind.CLOSE, CommandOrigin.AUTOMATIC, CommandState.QUEUED)
    assert kit.active_alarms(AlarmKind.ARREARS) == []


def test_an_operator_trip_is_not_undone(kit):
    meter = kit.meter()
    account = kit.account(meter, balance="50")
    trip = outbox.issue(kit.db, meter_id=meter.id, kind=CommandKind.TRIP,
                          operator_id=kit.operator.id)
    kit.finish(trip, CommandState.VERIFIED, kit.ago(30))
    consume(kit, meter, "1", relay_open=True)
    kit.recharge(account, "10")
    assert kit.commands(meter) == [trip]
    assert kit.active_alarms(AlarmKind.RELAY_DRIFT) == []


def test_relay_drift_and_overload(kit):
    meter = kit.meter()
    kit.account(meter, balance="50")
    consume(kit, meter, "1", relay_open=True, status=0x81, minutes=20)
    assert len(kit.active_alarms(AlarmKind.OVERLOAD)) == 1
    assert kit.active_alarms(AlarmKind.RELAY_DRIFT) == []  # the meter recloses after an overload
    consume(kit, meter, "1", relay_open=True, minutes=10)
    assert kit.active_alarms(AlarmKind.OVERLOAD) == []
    assert len(kit.active_alarms(AlarmKind.RELAY_DRIFT)) == 1
    consume(kit, meter, "1", relay_open=False, minutes=5)
    assert kit.active_alarms(AlarmKind.RELAY_DRIFT) == []
