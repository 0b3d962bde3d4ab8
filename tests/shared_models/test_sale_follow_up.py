"""A sale's follow-up and its receipt balance, read in as few statements as the path allows:
the meters, links and locked states together, a meter never read given its state row, the
receipt number taken in the sale's own insert."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from shared_models.enums import ControlMode
from shared_models.metering.balances import account_money
from shared_models.models import MeterState, Sale
from shared_models.models.metering import AlarmKind
from tests.settlement_kit import Kit

D = Decimal


@pytest.fixture
def kit(db, make_site, make_gateway, make_operator):
    site = make_site(default_price=D("1.0000"), poll_interval_s=600,
                     alarm1_threshold=D("20.00"), alarm2_threshold=D("5.00"))
    return Kit(db, site, make_gateway(site=site).buses[0], make_operator("admin"))


def test_a_sale_on_a_read_meter_and_one_never_read_follows_up_both(kit, db):
    read, never_read = kit.meter(ControlMode.REMOTE), kit.meter(ControlMode.LOCAL)
    account = kit.account(read, never_read)
    kit.read(read, kit.ago(2), "5.00")
    kit.settle(read)  # in arrears on the account
    assert len(kit.active_alarms(AlarmKind.ARREARS)) == 1
    assert db.get(MeterState, never_read.id) is None
    sale = kit.recharge(account, "50")
    assert db.get(MeterState, never_read.id) is not None  # made (and locked) by the follow-up
    assert kit.active_alarms(AlarmKind.ARREARS) == []  # the read meter was followed up too
    assert sale.command_ids == [] and kit.pushes(never_read) == []  # a push waits for a fresh read
    # The receipt counts what the query over the account's meters counts, read afresh.
    db.expire_all()
    assert sale.balance_after == account_money(db, account).total == D("50.00")
    kit.assert_books()


def test_a_sale_on_read_local_meters_counts_their_money_without_reading_them_again(kit, db):
    meter = kit.meter(ControlMode.LOCAL)
    account = kit.account(meter)
    kit.read(meter, kit.ago(2), "1.00", balance="3.50", count=0)
    sale = kit.recharge(account, "20")
    db.expire_all()
    money = account_money(db, account)
    assert sale.balance_after == money.total == D("23.50")
    assert kit.active_alarms(AlarmKind.ARREARS) == []


def test_receipt_numbers_start_at_one_per_site_and_have_no_gaps(kit, db, make_site, make_gateway,
                                                               make_operator):
    account = kit.account(kit.meter())
    numbers = [kit.recharge(account, "1").receipt_number for _ in range(3)]
    other = Kit(db, make_site(), None, kit.operator)
    other.bus = make_gateway(site=other.site).buses[0]
    elsewhere = other.recharge(other.account(other.meter()), "1")
    assert numbers == [1, 2, 3] and elsewhere.receipt_number == 1
    stored = db.scalars(select(Sale.receipt_number).where(Sale.account_id == account.id)
                        .order_by(Sale.id)).all()
    assert stored == numbers
