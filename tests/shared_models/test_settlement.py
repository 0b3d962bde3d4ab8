"""Remote-mode settlement: readings billed with the tariff engine, once, across meter swaps."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shared_models.metering.meter_states import state_of
from shared_models.models import LedgerTransaction, MeterState
from shared_models.models.ledger import AccountKind, TransactionKind
from shared_models.models.metering import ReadingQuality
from shared_models.sales import accounts
from shared_models.types import utcnow
from tests.settlement_kit import Kit, local, tomorrow

D = Decimal


@pytest.fixture
def kit(db, make_site, make_gateway, make_operator):
    site = make_site(default_price=D("0.5000"), poll_interval_s=1800)
    return Kit(db, site, make_gateway(site=site).buses[0], make_operator("admin"))


def consumption_postings(db, meter) -> list[LedgerTransaction]:
    return list(db.scalars(select(LedgerTransaction).where(
        LedgerTransaction.kind == TransactionKind.CONSUMPTION,
        LedgerTransaction.external_key.like(f"%:{meter.id}:%")).order_by(LedgerTransaction.id)))


def test_tou_readings_are_billed_what_the_engine_charges(kit):
    meter = kit.meter()
    account = kit.account(meter, balance="100")
    kit.tou_plan([meter])
    day = tomorrow()
    kit.read(meter, local(day, 7), "100.00", ("0", "0", "100.00", "0"))
    kit.read(meter, local(day, 9), "103.00", ("0", "2.00", "101.00", "0"))
    # 07-08 flat 1.00 kWh x 0.60 + 08-09 peak 2.00 kWh x 0.90
    kit.settle(meter)
    assert kit.wallet(account) == D("97.60")
    kit.read(meter, local(day, 19, 30), "110.00", ("1.00", "4.50", "104.50", "0"))
    # peak 2.50 x 0.90 + flat 3.50 x 0.60 + sharp 1.00 x 1.20
    kit.settle(meter)
    assert kit.wallet(account) == D("92.05")
    assert kit.held(AccountKind.ENERGY_REVENUE) == D("7.95")
    kit.assert_books()


def test_first_reading_only_sets_the_baseline(kit):
    meter = kit.meter()
    account = kit.account(meter, balance="50")
    kit.read(meter, local(tomorrow(), 8), "500.00")
    kit.settle(meter)
    assert kit.wallet(account) == D("50.00")
    assert state_of(kit.db, meter.id).settled_reading_id is not None


def test_flat_default_price_when_no_plan(kit):
    meter = kit.meter()
    account = kit.account(meter, balance="50")
    kit.read(meter, local(tomorrow(), 8), "10.00")
    kit.read(meter, local(tomorrow(), 8, 30), "13.33")
    kit.settle(meter)
    assert kit.wallet(account) == D("48.33")  # 3.33 kWh x 0.50 = 1.665 -> 1.67, half-up


def test_settling_again_never_bills_twice(kit, db):
    meter = kit.meter()
    account = kit.account(meter, balance="50")
    kit.read(meter, local(tomorrow(), 8), "10.00")
    kit.read(meter, local(tomorrow(), 8, 30), "12.00")
    kit.settle(meter)
    kit.settle(meter)
    state_of(db, meter.id).settled_reading_id = None  # a lost cursor: everything is seen again
    kit.settle(meter)
    assert kit.wallet(account) == D("49.00")
    assert len(consumption_postings(db, meter)) == 1
    kit.assert_books()


def test_regressed_readings_are_never_billed(kit, db):
    meter = kit.meter()
    account = kit.account(meter, balance="50")
    day = tomorrow()
    kit.read(meter, local(day, 8), "10.00")
    kit.read(meter, local(day, 8, 30), "4.00", quality=ReadingQuality.REGRESSED)
    kit.settle(meter)
    assert kit.wallet(account) == D("50.00")
    kit.read(meter, local(day, 9), "12.00")
    kit.settle(meter)
    assert kit.wallet(account) == D("49.00")  # from 10.00, not from the regressed 4.00
    kit.assert_books()


def test_unattached_meter_moves_the_cursor_without_money(kit, db):
    meter = kit.meter()
    kit.read(meter, local(tomorrow(), 8), "10.00")
    last = kit.read(meter, local(tomorrow(), 9), "20.00")
    kit.settle(meter)
    assert db.get(MeterState, meter.id).settled_reading_id == last.id
    assert db.scalar(select(func.count(LedgerTransaction.id)).where(
        LedgerTransaction.kind == TransactionKind.CONSUMPTION)) == 0


def test_readings_taken_before_the_account_opened_are_not_billed(kit):
    meter = kit.meter()
    kit.read(meter, utcnow() - timedelta(hours=1), "10.00")
    account = kit.account(meter, balance="50")
    account.links[0].attached_at = utcnow()
    kit.read(meter, utcnow() + timedelta(hours=1), "20.00")
    kit.read(meter, utcnow() + timedelta(hours=2), "22.00")
    kit.settle(meter)
    assert kit.wallet(account) == D("49.00")


def test_arrears_the_wallet_may_run_below_zero(kit):
    meter = kit.meter()
    account = kit.account(meter, balance="1")
    kit.read(meter, local(tomorrow(), 8), "10.00")
    kit.read(meter, local(tomorrow(), 9), "14.00")
    kit.settle(meter)
    assert kit.wallet(account) == D("-1.00")
    kit.assert_books()


def test_swap_bills_the_old_meter_to_its_final_and_the_new_from_its_start(kit, db):
    old, new = kit.meter(), kit.meter()
    account = kit.account(old, balance="100")
    kit.read(old, utcnow() - timedelta(hours=2), "1000.00")
    kit.read(old, utcnow() - timedelta(hours=1), "1002.00")
    kit.settle(old)
    assert kit.wallet(account) == D("99.00")
    swap = accounts.swap_meter(db, account, {"old_meter_id": old.id, "new_meter_id": new.id,
                                             "old_final_reading": D("1003.00"),
                                             "new_start_reading": D("5.00")},
                               operator_id=kit.operator.id)
    at = swap.swapped_at
    kit.read(new, at + timedelta(minutes=30), "7.00")
    kit.settle(new)
    # old 1002 -> 1003 (final) 0.50, new 5 -> 7 1.00
    assert kit.wallet(account) == D("97.50")
    kit.settle(new, old)
    assert kit.wallet(account) == D("97.50")
    kit.assert_books()


def test_one_batch_bills_each_meter_of_an_account_once(kit, db):
    first, second = kit.meter(), kit.meter()
    account = kit.account(first, second, balance="50")
    for meter, used in ((first, "12.00"), (second, "14.00")):
        kit.read(meter, local(tomorrow(), 8), "10.00")
        kit.read(meter, local(tomorrow(), 8, 30), used)
    assert kit.settle(first, second) == []
    assert kit.settle(first, second) == []
    assert kit.wallet(account) == D("47.00")  # 2 + 4 kWh at 0.50
    assert [len(consumption_postings(db, m)) for m in (first, second)] == [1, 1]
    assert "wk_commands_to_announce" not in db.info  # ids are returned, never left in the session
    kit.assert_books()


def test_a_swap_settled_in_one_batch_with_the_old_meter_bills_each_stretch_once(kit, db):
    old, new = kit.meter(), kit.meter()
    account = kit.account(old, balance="100")
    kit.read(old, utcnow() - timedelta(hours=2), "1000.00")
    kit.read(old, utcnow() - timedelta(hours=1), "1002.00")
    swap = accounts.swap_meter(db, account, {"old_meter_id": old.id, "new_meter_id": new.id,
                                             "old_final_reading": D("1003.00"),
                                             "new_start_reading": D("5.00")},
                               operator_id=kit.operator.id)
    kit.read(new, swap.swapped_at + timedelta(minutes=30), "7.00")
    kit.settle(old, new)  # the old meter's own readings, its final stretch and the new meter's
    assert kit.wallet(account) == D("97.50")
    kit.settle(old, new)
    assert kit.wallet(account) == D("97.50")
    assert state_of(db, old.id).settled_reading_id is not None
    kit.assert_books()
