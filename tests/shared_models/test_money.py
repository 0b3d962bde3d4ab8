"""Money, price and energy values: exact, validated, never float."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared_models.errors import InvalidValue
from shared_models.money import cents, energy, money, money_from_cents, price, round_money


@pytest.mark.parametrize("bad", [0.1, "1.001", "abc", "NaN", "Infinity", True, "1E+999999",
                                 "1000000000000"])
def test_money_refuses_inexact_or_bad_values(bad):
    with pytest.raises(InvalidValue):
        money(bad)


def test_kinds_have_their_own_precision():
    assert price("0.5283") == Decimal("0.5283") and energy("12.34") == Decimal("12.34")
    with pytest.raises(InvalidValue):
        energy("1.234")


def test_rounding_is_half_up_to_the_cent():
    assert round_money(Decimal("0.005")) == Decimal("0.01")
    assert round_money(Decimal("-0.005")) == Decimal("-0.01")
    assert round_money(Decimal("2.344999")) == Decimal("2.34")


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_cents_round_trip(value):
    assert cents(money_from_cents(value)) == value
