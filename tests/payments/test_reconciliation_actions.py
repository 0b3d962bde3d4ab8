"""Which resolve actions a break offers: a table, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared_models.models.payments import OrderState, PaymentOrder, PaymentRefund, RefundState
from shared_models.models.reconciliation import BreakKind, BreakState, ReconciliationBreak
from shared_models.payments.reconciliation_actions import actions_for


def _break(kind, gateway="10.00", ours="0.00", state=BreakState.OPEN, order=None, refund=None):
    return ReconciliationBreak(kind=kind, gateway_amount=Decimal(gateway), our_amount=Decimal(ours),
                               state=state, order=order, refund=refund)


def _order(state):
    return PaymentOrder(state=state)


CASES = {
    "paid, order still waiting: credit it": (
        _break(BreakKind.PAID_NOT_CREDITED, order=_order(OrderState.PENDING)), ["credit", "accept"]),
    "paid, order closed by us: credit it (flagged)": (
        _break(BreakKind.PAID_NOT_CREDITED, order=_order(OrderState.EXPIRED)), ["credit", "accept"]),
    "paid, order paid but its credit refused: suspense": (
        _break(BreakKind.PAID_NOT_CREDITED, order=_order(OrderState.PAID)), ["suspense", "accept"]),
    "paid, no order of ours: suspense": (_break(BreakKind.PAID_NOT_CREDITED), ["suspense", "accept"]),
    "credited, not billed": (_break(BreakKind.CREDITED_NOT_BILLED, "0.00", "10.00"), ["suspense", "accept"]),
    "amounts differ": (_break(BreakKind.AMOUNT_MISMATCH, "10.01", "10.00"), ["suspense", "accept"]),
    "duplicate": (_break(BreakKind.DUPLICATE), ["suspense", "accept"]),
    "refund at the gateway, ours still being sent": (
        _break(BreakKind.REFUND_MISMATCH, "-4.00", refund=PaymentRefund(state=RefundState.PROCESSING)),
        ["accept"]),
    "refund at the gateway, ours failed": (
        _break(BreakKind.REFUND_MISMATCH, "-4.00", refund=PaymentRefund(state=RefundState.FAILED)),
        ["suspense", "accept"]),
    "purchase count: no money to move": (_break(BreakKind.PURCHASE_COUNT_MISMATCH, "0.00"), ["accept"]),
    "resolved: nothing": (_break(BreakKind.AMOUNT_MISMATCH, state=BreakState.RESOLVED), []),
    "cleared: nothing": (_break(BreakKind.CREDITED_NOT_BILLED, state=BreakState.CLEARED), []),
}


@pytest.mark.parametrize("brk, actions", CASES.values(), ids=CASES.keys())
def test_actions_for(brk, actions):
    assert actions_for(brk) == actions
