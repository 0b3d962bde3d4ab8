"""The reconciliation rules as tables: bill rows and our side in, matches, breaks and holds out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shared_models.models.reconciliation import BreakKind
from shared_models.payments.bills import BillRow
from shared_models.payments.matching import (
    MeterPushes,
    OurPayment,
    OurRefund,
    Window,
    match,
    purchase_counts,
)

# 2026-03-10 in Shanghai, as UTC instants.
START = datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
DAY = Window(START, START + timedelta(days=1), timedelta(minutes=30))
NOON = START + timedelta(hours=12)
LATE = DAY.end - timedelta(minutes=10)  # inside the holding window
D = Decimal


def paid(no, amount, at=NOON, trade=None, kind="payment", refund_no=None):
    return BillRow(no, trade or f"T{no}", kind, D(amount), D("0.00"), at, refund_no)


def order(no, posted, at=NOON, held=False, trade=None):
    return OurPayment(int(no[1:]), no, trade or f"T{no}", at, None if posted is None else D(posted), held)


def refund(no, order_no, posted, at=NOON, held=False):
    return OurRefund(int(no[1:]), int(order_no[1:]), no, order_no, f"T{order_no}", at,
                     None if posted is None else D(posted), held)


def kinds(result):
    return sorted((b.kind.value, b.reference, str(b.gateway_amount), str(b.our_amount))
                  for b in result.breaks)


CASES = {
    "all agree": (
        [paid("O1", "10.00"), paid("O2", "5.50")], [order("O1", "10.00"), order("O2", "5.50")], [],
        [], ["payment:O1", "payment:O2"], []),
    "paid at the gateway, order not credited": (
        [paid("O1", "10.00")], [order("O1", None)], [],
        [("paid_not_credited", "payment:O1", "10.00", "0.00")], [], []),
    "paid at the gateway, no order of ours": (
        [paid("O9", "3.00")], [], [],
        [("paid_not_credited", "payment:O9", "3.00", "0.00")], [], []),
    "credited, missing from the bill": (
        [], [order("O1", "10.00")], [],
        [("credited_not_billed", "payment:O1", "0.00", "10.00")], [], []),
    "credited close to midnight, missing: held, no break": (
        [], [order("O1", "10.00", at=LATE)], [], [], [], ["payment:O1"]),
    "amounts differ": (
        [paid("O1", "10.01")], [order("O1", "10.00")], [],
        [("amount_mismatch", "payment:O1", "10.01", "10.00")], [], []),
    "billed twice": (
        [paid("O1", "10.00"), paid("O1", "10.00")], [order("O1", "10.00")], [],
        [("duplicate", "duplicate:payment:O1#2", "10.00", "0.00")], ["payment:O1"], []),
    "billed twice under the gateway's number only": (
        [paid(None, "4.00", trade="TO3"), paid(None, "4.00", trade="TO3")], [order("O3", "4.00")], [],
        [("duplicate", "duplicate:payment:O3#2", "4.00", "0.00")], ["payment:O3"], []),
    "refund on both sides": (
        [paid("O1", "10.00"), paid("O1", "-4.00", kind="refund", refund_no="R7")],
        [order("O1", "10.00")], [refund("R7", "O1", "-4.00")],
        [], ["payment:O1", "refund:R7"], []),
    "refund at the gateway only": (
        [paid("O1", "-4.00", kind="refund", refund_no="R7")], [], [refund("R7", "O1", None)],
        [("refund_mismatch", "refund:R7", "-4.00", "0.00")], [], []),
    "refund on our books only": (
        [], [], [refund("R7", "O1", "-4.00")],
        [("refund_mismatch", "refund:R7", "0.00", "-4.00")], [], []),
    "refund for another amount": (
        [paid("O1", "-4.00", kind="refund", refund_no="R7")], [], [refund("R7", "O1", "-3.00")],
        [("refund_mismatch", "refund:R7", "-4.00", "-3.00")], [], []),
    "refund done close to midnight, missing: held": (
        [], [], [refund("R7", "O1", "-4.00", at=LATE)], [], [], ["refund:R7"]),
    "an order paid on another day, named by a row, agrees": (
        [paid("O1", "10.00")], [order("O1", "10.00", at=START - timedelta(hours=1))], [],
        [], ["payment:O1"], []),
    "an order paid on another day and not billed today is not ours to judge": (
        [], [order("O1", "10.00", at=START - timedelta(hours=1))], [], [], [], []),
    "an unpaid order in the window is nothing": (
        [], [order("O1", None)], [], [], [], []),
}


@pytest.mark.parametrize("rows, payments, refunds, breaks, matched, held", CASES.values(), ids=CASES.keys())
def test_one_day(rows, payments, refunds, breaks, matched, held):
    result = match(rows, payments, refunds, DAY)
    assert kinds(result) == sorted(breaks)
    assert sorted(result.matched) == sorted(matched)
    assert [h.reference for h in result.holds] == held


HELD = {
    "found in the next day's bill": ([paid("O1", "10.00")], [], ["payment:O1"], []),
    "not there either: a break": (
        [], [("credited_not_billed", "payment:O1", "0.00", "10.00")], [], ["payment:O1"]),
    "found for another amount": (
        [paid("O1", "9.00")], [("amount_mismatch", "payment:O1", "9.00", "10.00")], ["payment:O1"], []),
}


@pytest.mark.parametrize("rows, breaks, released, broken", HELD.values(), ids=HELD.keys())
def test_a_held_payment_the_next_day(rows, breaks, released, broken):
    # Held from yesterday (paid 23:50 then): never held a second time.
    carried = order("O1", "10.00", at=START - timedelta(minutes=10), held=True)
    result = match(rows, [carried], [], DAY)
    assert kinds(result) == sorted(breaks)
    assert result.released == released and result.broken == broken and result.holds == []


def test_paid_just_after_midnight_and_billed_the_day_before_is_matched():
    early = order("O1", "10.00", at=START + timedelta(minutes=5))
    result = match([], [early], [], DAY, billed_before=frozenset({"payment:O1"}))
    assert result.breaks == [] and result.matched == ["payment:O1"]


def test_billed_again_after_the_day_before_is_a_duplicate():
    result = match([paid("O1", "10.00")], [order("O1", "10.00")], [], DAY,
                   billed_before=frozenset({"payment:O1"}))
    assert kinds(result) == [("duplicate", "duplicate:payment:O1#2", "10.00", "0.00")]


def test_a_break_names_the_order_and_both_numbers():
    result = match([paid("O4", "7.00")], [order("O4", None)], [], DAY)
    found = result.breaks[0]
    assert (found.order_id, found.out_trade_no, found.trade_no) == (4, "O4", "TO4")


@pytest.mark.parametrize("queued, read, broken", [
    (3, 3, None),
    (3, 2, "pushes queued up to purchase 3; the meter reads 2"),
    (3, 4, "pushes queued up to purchase 3; the meter reads 4"),
    (3, None, "pushes queued up to purchase 3; no reading since"),
])
def test_purchase_counts(queued, read, broken):
    found = purchase_counts([MeterPushes(8, "LM0008", queued, read)])
    assert [f.detail for f in found] == ([f"meter LM0008: {broken}"] if broken else [])
    assert all(f.kind == BreakKind.PURCHASE_COUNT_MISMATCH and f.reference == "meter:8" for f in found)
