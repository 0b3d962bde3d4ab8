"""Posting rules without a database: balance, sign, overdraw and the stored-credit cap."""

from decimal import Decimal

import pytest

from shared_models.errors import InvalidValue, RuleViolation
from shared_models.ledger.rules import (
    InsufficientBalance,
    Leg,
    UnbalancedTransaction,
    check_credit_cap,
    check_legs,
    transfer,
    wallet_after,
)

D = Decimal


def test_balanced_legs_pass_and_come_back_exact():
    legs = check_legs([Leg(1, D("-10.5")), Leg(2, D("7.25")), Leg(3, "3.25")])
    assert [leg.amount for leg in legs] == [D("-10.50"), D("7.25"), D("3.25")]


@pytest.mark.parametrize("legs", [
    [Leg(1, D("1.00")), Leg(2, D("-0.99"))],
    [Leg(1, D("0.00")), Leg(2, D("0.00"))],
    [Leg(1, D("1.00"))],
    [],
])
def test_unbalanced_or_short_transactions_are_refused(legs):
    with pytest.raises(UnbalancedTransaction):
        check_legs(legs)


def test_sub_cent_and_float_amounts_are_refused():
    with pytest.raises(InvalidValue):
        check_legs([Leg(1, D("0.005")), Leg(2, D("-0.005"))])
    with pytest.raises(InvalidValue):
        check_legs([Leg(1, 0.1), Leg(2, -0.1)])


def test_transfer_moves_a_positive_amount():
    assert transfer(1, 2, D("5")) == [Leg(1, D("-5.00")), Leg(2, D("5.00"))]
    with pytest.raises(RuleViolation):
        transfer(1, 2, D("0"))


def test_wallet_may_not_go_negative_unless_consumption_overdraws():
    assert wallet_after(D("10.00"), D("-10.00"), may_overdraw=False) == 0
    with pytest.raises(InsufficientBalance):
        wallet_after(D("10.00"), D("-10.01"), may_overdraw=False)
    assert wallet_after(D("1.00"), D("-3.00"), may_overdraw=True) == D("-2.00")
    # A wallet already in arrears can always be credited.
    assert wallet_after(D("-5.00"), D("2.00"), may_overdraw=False) == D("-3.00")


def test_credit_cap_names_what_can_still_be_sold():
    check_credit_cap(D("4000.00"), D("1000.00"), D("5000.00"))
    with pytest.raises(RuleViolation) as refused:
        check_credit_cap(D("4000.00"), D("1000.01"), D("5000.00"))
    assert "at most 1000.00" in str(refused.value)
