"""Money on its way to a local-mode meter is the tenant's: no arrears, and it is shown.

A sale on a local-mode account (本地费控) moves the wallet onto the meter with a recharge push;
until the meter shows that purchase, the meter's own balance is low or below zero while the
tenant has paid. Alarms, the receipt, the SMS and the account view count the money in transit.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from shared_models.enums import ControlMode
from shared_models.metering.balances import account_money
from shared_models.models import Sale
from shared_models.models.commands import CommandState
from shared_models.models.ledger import Channel
from shared_models.models.metering import AlarmKind
from shared_models.sales import accounts, shifts
from tests.settlement_kit import Kit

D = Decimal


@pytest.fixture
def kit(db, make_site, make_gateway, make_operator):
    site = make_site(default_price=D("1.0000"), poll_interval_s=600,
                     alarm1_threshold=D("20.00"), alarm2_threshold=D("5.00"))
    return Kit(db, site, make_gateway(site=site).buses[0], make_operator("admin"))


@pytest.fixture
def meter(kit):
    return kit.meter(ControlMode.LOCAL)





def test_the_first_sweep_of_a_paid_tenant_raises_no_arrears(kit, meter):
    account = kit.account(meter, balance="80")  # paid, still in the wallet
    kit.read(meter, kit.ago(2), "0.00", balance="0.00", count=0)  # a new meter holds nothing
    kit.settle(meter)
    assert [p.payload["amount"] for p in kit.pushes(meter)] == ["80.00"]
    assert kit.active_alarms(AlarmKind.ARREARS) == [] and kit.texts("arrears") == []
    assert account_money(kit.db, account).total == D("80.00")


def test_consumption_before_the_push_lands_is_not_arrears(kit, meter):
    account = kit.account(meter, balance="30")
    kit.read(meter, kit.ago(12), "0.00", balance="0.00", count=0)
    kit.settle(meter)  # 30.00 pushed, not yet on the meter
    kit.read(meter, kit.ago(2), "0.08", balance="-0.08", count=0)
    kit.settle(meter)
    assert kit.active_alarms(AlarmKind.ARREARS) == [] and kit.texts("arrears") == []
    money = account_money(kit.db, account)
    assert (money.wallet, money.in_transit, money.on_meters, money.total) == (
        D("0.00"), D("30.00"), D("-0.08"), D("29.92"))


def pushed_30(kit, meter, minutes_ago: int):
    """An account holding 30.00 whose first sweep, `minutes_ago`, pushed it all to its meter."""
    account = kit.account(meter, balance="30")
    kit.read(meter, kit.ago(minutes_ago), "0.00", balance="0.00", count=0)
    kit.settle(meter)
    (push,) = kit.pushes(meter)
    return account, push


def test_a_meter_that_shows_the_push_holds_the_money(kit, meter):
    account, push = pushed_30(kit, meter, 12)
    kit.finish(push, CommandState.VERIFIED, kit.ago(8))
    kit.read(meter, kit.ago(2), "0.16", balance="29.84", count=1)
    kit.settle(meter)
    money = account_money(kit.db, account)
    assert (money.in_transit, money.on_meters, money.total) == (D("0.00"), D("29.84"), D("29.84"))
    kit.assert_books()


def test_a_failed_push_refunded_to_the_wallet_is_counted_once(kit, meter):
    account, push = pushed_30(kit, meter, 14)
    kit.finish(push, CommandState.FAILED, kit.ago(12))
    assert account_money(kit.db, account).total == D("30.00")  # not refunded yet: in transit
    kit.read(meter, kit.ago(11), "0.00", balance="0.00", count=0)
    kit.settle(meter)  # refunded to the wallet, then pushed again
    assert account_money(kit.db, account).total == D("30.00")
    assert kit.active_alarms(AlarmKind.ARREARS) == []


def test_a_tenant_who_has_not_paid_is_still_in_arrears(kit, meter):
    kit.account(meter)
    kit.read(meter, kit.ago(12), "0.00", balance="0.50", count=0)
    kit.read(meter, kit.ago(2), "0.60", balance="-0.10", count=0)
    kit.settle(meter)
    assert len(kit.active_alarms(AlarmKind.ARREARS)) == 1 and len(kit.texts("arrears")) == 1


def test_opening_a_local_account_texts_the_balance_the_tenant_will_have(kit, meter, db):
    kit.read(meter, kit.ago(2), "0.00", balance="0.00", count=0)
    shifts.open_shift(db, kit.operator.id, kit.site.id)
    account = accounts.open_account(db, {"site_id": kit.site.id, "tenant_name": "王五",
                                         "phone": "13800138001", "meter_ids": [meter.id],
                                         "opening_balance": D("30.00"),
                                         "opening_channel": Channel.CASH},
                                    operator_id=kit.operator.id)
    assert [p.payload["amount"] for p in kit.pushes(meter)] == ["30.00"]  # pushed at once
    (sale,) = db.scalars(select(Sale).where(Sale.account_id == account.id))
    assert sale.balance_after == D("30.00")  # on the receipt
    (message,) = kit.texts("recharge")
    assert "30.00" in message.body and "0.00" not in message.body.replace("30.00", "")
    kit.read(meter, kit.ago(1), "0.08", balance="-0.08", count=0)  # before the push lands
    kit.settle(meter)
    assert kit.active_alarms(AlarmKind.ARREARS) == [] and kit.texts("arrears") == []


def test_the_status_list_shows_a_local_tenant_money_in_transit(kit, meter, db):
    from shared_models.metering.status_list import status_query

    kit.account(meter, balance="30")
    kit.read(meter, kit.ago(12), "0.00", balance="0.00", count=0)
    kit.settle(meter)
    kit.read(meter, kit.ago(2), "0.08", balance="-0.08", count=0)
    kit.settle(meter)
    (row,) = db.execute(status_query(site_id=kit.site.id)).mappings()
    assert (row["balance"], row["alarm_level"]) == (D("29.92"), None)
