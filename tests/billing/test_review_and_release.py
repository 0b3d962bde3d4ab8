"""Review (the exception list), release as a receivable settled from prepayment oldest bill
first, cancellation by a linked reversal and a write-off approved by a second person."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from shared_models.billing import workflow
from shared_models.billing.review import Flag
from shared_models.errors import Conflict, RuleViolation
from shared_models.models import LedgerTransaction
from shared_models.models.billing import BillState
from shared_models.models.ledger import TransactionKind
from shared_models.models.metering import ReadingQuality
from tests.billing.kit import cutoff_after
from tests.settlement_kit import local

D = Decimal


def billed(kit, totals, *, balance="0", meter=None):
    meter = meter or kit.meter()
    account = kit.postpaid(meter, balance=balance)
    kit.half_hours(meter, local(kit.day(), 1), totals)
    return account, meter


def test_a_zero_bill_on_an_open_account_is_flagged_and_accepted_only_with_a_note(kit, db):
    billed(kit, ["5.00", "5.00"])
    [bill] = kit.run()
    assert bill.flags == Flag.ZERO_KWH
    with pytest.raises(RuleViolation) as refused:
        workflow.review(db, bill.id, kit.operator.id)
    assert refused.value.field == "note"
    assert workflow.review_clean(db, bill.run_id, kit.operator.id) == []
    workflow.review(db, bill.id, kit.operator.id, "shop closed for the month")
    assert (bill.state, bill.accepted_by_id, bill.review_note) == (
        BillState.REVIEWED, kit.operator.id, "shop closed for the month")


def test_estimated_energy_and_a_reading_that_went_backwards_are_flagged(kit, db):
    meter = kit.meter()
    kit.postpaid(meter)
    start = local(kit.day(), 1)
    kit.read(meter, start, "10.00")
    kit.read(meter, start + timedelta(hours=1), "11.00")
    kit.read(meter, start + timedelta(hours=9), "30.00", quality=ReadingQuality.CATCH_UP)
    kit.read(meter, start + timedelta(hours=10), "29.00", quality=ReadingQuality.REGRESSED)
    kit.read(meter, start + timedelta(hours=11), "31.00")
    kit.settle(meter)
    [bill] = kit.run()
    assert bill.estimated_kwh == D("19.00")
    assert bill.flags.split(",") == [Flag.ESTIMATED, Flag.BACKWARDS]


def test_a_clean_bill_is_released_as_a_receivable_with_its_due_date(kit, db):
    account, _meter = billed(kit, ["10.00", "20.00"])
    [bill] = kit.run()
    assert workflow.review_clean(db, bill.run_id, kit.operator.id) == [bill.id]
    released_at = local(kit.day(), 9)
    workflow.release(db, bill.id, kit.operator.id, now=released_at)
    assert bill.state == BillState.RELEASED
    assert bill.due_date == kit.day() + timedelta(days=kit.site.bill_due_days)
    assert (kit.unbilled(account), kit.receivable(account)) == (D("0.00"), D("6.00"))
    with pytest.raises(Conflict):
        workflow.release(db, bill.id, kit.operator.id)
    kit.assert_books()


def test_prepayment_settles_bills_at_release_oldest_first(kit, db):
    meter = kit.meter()
    account = kit.postpaid(meter)
    day = kit.day()
    kit.half_hours(meter, local(day, 1), ["0.00", "10.00"])  # 6.00
    [first] = kit.run(cutoff_after(day))
    workflow.review_clean(db, first.run_id, kit.operator.id)
    workflow.release(db, first.id, kit.operator.id)
    later = cutoff_after(day)
    kit.half_hours(meter, local(later, 1), ["20.00"])  # 6.00
    [second] = kit.run(cutoff_after(later))
    assert second.previous_balance == D("6.00")
    kit.recharge(account, "8.00")  # 电费预存
    workflow.review_clean(db, second.run_id, kit.operator.id)
    workflow.release(db, second.id, kit.operator.id)
    assert (first.state, first.payments) == (BillState.SETTLED, D("6.00"))
    assert (second.state, second.payments, second.amount_due) == (
        BillState.PARTIALLY_SETTLED, D("2.00"), D("4.00"))
    assert (kit.wallet(account), kit.receivable(account)) == (D("0.00"), D("4.00"))
    assert second.previous_balance == D("0.00")  # the first bill was settled at this release
    kit.assert_books()


def test_cancelling_a_released_bill_reverses_its_release_and_the_next_bill_takes_the_energy(kit, db):
    account, meter = billed(kit, ["10.00", "20.00"])
    day = kit.day()
    [bill] = kit.run(cutoff_after(day))
    workflow.review_clean(db, bill.run_id, kit.operator.id)
    workflow.release(db, bill.id, kit.operator.id)
    with pytest.raises(RuleViolation):
        workflow.cancel(db, bill.id, kit.operator.id, " ")
    workflow.cancel(db, bill.id, kit.operator.id, "wrong tariff")
    reversal = db.scalars(select(LedgerTransaction).where(
        LedgerTransaction.corrects_id == bill.release_transaction_id)).one()
    assert reversal.kind == TransactionKind.REVERSAL
    assert bill.state == BillState.CANCELLED
    assert (kit.unbilled(account), kit.receivable(account)) == (D("6.00"), D("0.00"))
    later = cutoff_after(day)
    kit.half_hours(meter, local(later, 1), ["21.00"])
    [next_bill] = kit.run(cutoff_after(later))
    assert (next_bill.energy_kwh, next_bill.energy_amount) == (D("11.00"), D("6.60"))
    kit.assert_books()


def test_a_write_off_needs_a_second_person(kit, db, make_operator):
    account, _meter = billed(kit, ["10.00", "20.00"])
    [bill] = kit.run()
    workflow.review_clean(db, bill.run_id, kit.operator.id)
    workflow.release(db, bill.id, kit.operator.id)
    workflow.request_write_off(db, bill.id, kit.operator.id, "tenant gone, no estate")
    with pytest.raises(RuleViolation):
        workflow.approve_write_off(db, bill.id, kit.operator.id)
    workflow.approve_write_off(db, bill.id, make_operator("finance").id)
    assert bill.state == BillState.WRITTEN_OFF
    assert kit.receivable(account) == D("0.00")
    kit.assert_books()


def test_the_cut_off_day_is_the_sites(kit, db):
    kit.site.bill_cutoff_day = 5
    with pytest.raises(Exception) as refused:
        kit.run(date(2026, 12, 1))
    assert getattr(refused.value, "field", None) == "cutoff"
