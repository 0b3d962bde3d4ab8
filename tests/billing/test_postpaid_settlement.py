"""A postpaid account's consumption is priced as a prepaid one's and booked unbilled; its
wallet is never taken from, and it is never tripped or warned for it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared_models.billing.modes import set_billing_mode
from shared_models.enums import ControlMode
from shared_models.errors import RuleViolation
from shared_models.models.accounts import BillingMode
from shared_models.models.commands import CommandKind
from shared_models.models.metering import AlarmKind
from tests.settlement_kit import local

D = Decimal


def test_postpaid_consumption_is_booked_unbilled_beside_a_prepaid_one(kit):
    postpaid_meter, prepaid_meter = kit.meter(), kit.meter()
    postpaid = kit.postpaid(postpaid_meter)
    prepaid = kit.account(prepaid_meter, balance="100")
    start = local(kit.day(), 1)
    kit.half_hours(postpaid_meter, start, ["100.00", "101.00", "103.00"])
    kit.half_hours(prepaid_meter, start, ["200.00", "201.00", "203.00"])
    assert kit.unbilled(postpaid) == D("1.80")  # 3 kWh at 0.60
    assert kit.wallet(postpaid) == D("0.00")
    assert kit.wallet(prepaid) == D("98.20")
    kit.assert_books()


def test_a_postpaid_account_with_an_empty_wallet_is_never_tripped_or_warned(kit):
    meter = kit.meter()
    account = kit.postpaid(meter)
    kit.half_hours(meter, local(kit.day(), 1), ["10.00", "30.00", "60.00"])
    assert [c for c in kit.commands(meter) if c.kind == CommandKind.TRIP] == []
    assert kit.active_alarms(AlarmKind.ARREARS) == [] and kit.active_alarms(AlarmKind.ALARM1) == []
    assert kit.unbilled(account) == D("30.00")


def test_a_prepaid_account_with_an_empty_wallet_still_is(kit):
    meter = kit.meter()
    kit.account(meter)
    kit.half_hours(meter, local(kit.day(), 1), ["10.00", "30.00"])
    assert [c.kind for c in kit.commands(meter)] == [CommandKind.TRIP]


def test_switching_settles_first_so_each_reading_is_booked_in_its_own_mode(kit, db):
    meter = kit.meter()
    account = kit.account(meter, balance="50")
    start = local(kit.day(), 1)
    kit.read(meter, start, "100.00")
    kit.settle(meter)
    kit.read(meter, local(kit.day(), 1, 30), "110.00")  # read, not yet settled
    set_billing_mode(db, account.id, BillingMode.POSTPAID, now=kit.now)
    assert kit.wallet(account) == D("44.00")  # the 10 kWh read while prepaid
    kit.half_hours(meter, local(kit.day(), 2), ["115.00"])
    assert kit.unbilled(account) == D("3.00")
    assert kit.wallet(account) == D("44.00")
    kit.assert_books()


def test_a_meter_keeping_its_own_wallet_cannot_be_postpaid(kit, db):
    account = kit.account(kit.meter(ControlMode.LOCAL))
    with pytest.raises(RuleViolation) as refused:
        set_billing_mode(db, account.id, BillingMode.POSTPAID)
    assert refused.value.field == "billing_mode"
    assert account.billing_mode == BillingMode.PREPAID
