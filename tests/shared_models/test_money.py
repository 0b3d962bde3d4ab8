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


@pytest.mark.parametrize("text", ["３０", "٣٠", "३०", "2E1", "1e-2", " 30", "30\n", "+30", ".5", "30.",
                                  "1_000", "0x1E", "-", ""])
@pytest.mark.parametrize("kind", [money, price, energy])
def test_text_is_plain_ascii_decimal_notation(kind, text):
    with pytest.raises(InvalidValue, match="plain decimal"):
        kind(text)


@pytest.mark.parametrize("value,expected", [
    ("30", "30.00"), ("-12.5", "-12.50"), ("0.05", "0.05"), (30, "30.00"), (Decimal("2E1"), "20.00"),
])
def test_plain_text_int_and_decimal_are_read_exactly(value, expected):
    assert str(money(value)) == expected


@pytest.mark.parametrize("cell,expected", [(12.5, "12.50"), (30.0, "30.00"), (0.1, "0.10"), ("7.25", "7.25")])
def test_workbook_cells_read_as_text_are_plain_decimals(cell, expected):
    from shared_models.workbooks.xlsx import cell_text

    assert str(money(cell_text(cell))) == expected
