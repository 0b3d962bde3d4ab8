"""Local-mode money: pushes onto the meter, consumption from its balance, failed pushes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared_models.enums import ControlMode
from shared_models.models.commands import CommandState
from shared_models.models.ledger import AccountKind
from tests.settlement_kit import Kit

D = Decimal


@pytest.fixture
def kit(db, make_site, make_gateway, make_operator):
    site = make_site(default_price=D("1.0000"), poll_interval_s=600)
    return Kit(db, site, make_gateway(site=site).buses[0], make_operator("admin"))


@pytest.fixture
def meter(kit):
    return kit.meter(ControlMode.LOCAL)


@pytest.fixture
def account(kit, meter):
    account = kit.account(meter)
    kit.read(meter, kit.ago(20), "100.00", balance="10.00", count=3)
    kit.settle(meter)
    return account



def test_a_sale_pushes_the_wallet_onto_the_meter(kit, meter, account):
    kit.recharge(account, "100")
    (push,) = kit.pushes(meter)
    assert (push.purchase_count, push.payload["amount"], push.state) == (4, "100.00", CommandState.QUEUED)
    assert kit.wallet(account) == D("0.00")
    assert kit.held(AccountKind.METER_HELD) == D("100.00")
    kit.recharge(account, "20")  # a second push before the first is read back: the next count
    assert [p.purchase_count for p in kit.pushes(meter)] == [4, 5]
    kit.assert_books()


def test_consumption_is_the_fall_of_the_balance_after_verified_pushes(kit, meter, account):
    kit.recharge(account, "100")
    (push,) = kit.pushes(meter)
    kit.finish(push, CommandState.VERIFIED, kit.ago(15))
    kit.read(meter, kit.ago(10), "103.00", balance="107.00", count=4)
    kit.settle(meter)
    assert kit.held(AccountKind.ENERGY_REVENUE) == D("3.00")  # 10 + 100 - 107
    assert kit.held(AccountKind.METER_HELD) == D("97.00")
    kit.read(meter, kit.ago(5), "105.00", balance="105.00", count=4)
    kit.settle(meter)
    kit.settle(meter)
    assert kit.held(AccountKind.ENERGY_REVENUE) == D("5.00")
    kit.assert_books()


def test_a_failed_push_comes_back_to_the_wallet_once(kit, meter, account):
    kit.recharge(account, "50")
    (push,) = kit.pushes(meter)
    kit.finish(push, CommandState.FAILED, kit.ago(15))
    kit.read(meter, kit.ago(10), "101.00", balance="9.00", count=3)
    kit.settle(meter)
    kit.settle(meter)
    # settlement pushes the returned money again at once, with the same purchase count
    again = [p for p in kit.pushes(meter) if p.id != push.id]
    assert [(p.purchase_count, p.payload["amount"]) for p in again] == [(4, "50.00")]
    assert kit.held(AccountKind.METER_HELD) == D("49.00")  # 50 - 50 + 50 - 1 consumed
    assert kit.held(AccountKind.ENERGY_REVENUE) == D("1.00")
    assert kit.wallet(account) == D("0.00")
    kit.assert_books()


def test_a_push_refunded_as_failed_that_the_meter_shows_is_taken_back(kit, meter, account):
    kit.recharge(account, "50")
    (push,) = kit.pushes(meter)
    kit.finish(push, CommandState.EXPIRED, kit.ago(15))
    kit.read(meter, kit.ago(12), "100.00", balance="10.00", count=3)
    kit.settle(meter)
    (second,) = [p for p in kit.pushes(meter) if p.id != push.id]
    kit.finish(second, CommandState.FAILED, kit.ago(11))  # never reached the meter either
    # ... but the first one did, late: the meter shows count 4 and 60.00
    kit.read(meter, kit.ago(10), "100.00", balance="60.00", count=4)
    kit.settle(meter)
    assert kit.held(AccountKind.ENERGY_REVENUE) == D("0.00")
    assert kit.wallet(account) + kit.held(AccountKind.METER_HELD) == D("50.00")
    kit.assert_books()


def test_a_purchase_count_the_ledger_never_pushed_goes_to_suspense(kit, meter, account):
    # the meter says it was credited twice (count 3 -> 5) and holds 40 more; nothing was pushed
    kit.read(meter, kit.ago(10), "102.00", balance="48.00", count=5)
    kit.settle(meter)
    # consumption is priced from the energy (2 kWh x 1.00); the rest is unexplained credit
    assert kit.held(AccountKind.ENERGY_REVENUE) == D("2.00")
    assert kit.held(AccountKind.SUSPENSE) == D("-40.00")
    assert kit.held(AccountKind.METER_HELD) == D("38.00")
    kit.settle(meter)
    assert kit.held(AccountKind.SUSPENSE) == D("-40.00")
    kit.assert_books()


def test_no_push_on_stale_data(kit, meter, db):
    account = kit.account(kit.meter(ControlMode.LOCAL))
    kit.recharge(account, "30")  # its meter was never read
    assert kit.wallet(account) == D("30.00")
    assert kit.held(AccountKind.METER_HELD) == D("0.00")
