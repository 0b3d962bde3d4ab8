"""Power-factor adjustment against the 1983 tables, and the monthly charges."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared_models.errors import InvalidValue
from shared_models.tariffs import (
    Tariff,
    adjustment_percent,
    monthly_charges,
    power_factor,
    power_factor_adjustment,
)

# (standard, power factor, percent) read from the three tables of 《功率因数调整电费办法》 (1983):
# negative = 减收 (discount), positive = 增收 (surcharge).
TABLE_ROWS = [
    ("0.90", "1.00", "-0.75"),
    ("0.90", "0.95", "-0.75"),
    ("0.90", "0.94", "-0.60"),
    ("0.90", "0.93", "-0.45"),
    ("0.90", "0.92", "-0.30"),
    ("0.90", "0.91", "-0.15"),
    ("0.90", "0.90", "0"),
    ("0.90", "0.89", "0.5"),
    ("0.90", "0.85", "2.5"),
    ("0.90", "0.80", "5.0"),
    ("0.90", "0.75", "7.5"),
    ("0.90", "0.70", "10"),
    ("0.90", "0.69", "11"),
    ("0.90", "0.66", "14"),
    ("0.90", "0.65", "15"),
    ("0.90", "0.64", "17"),
    ("0.90", "0.60", "25"),
    ("0.90", "0.50", "45"),
    ("0.85", "1.00", "-1.10"),
    ("0.85", "0.94", "-1.10"),
    ("0.85", "0.93", "-0.95"),
    ("0.85", "0.92", "-0.80"),
    ("0.85", "0.91", "-0.65"),
    ("0.85", "0.90", "-0.50"),
    ("0.85", "0.88", "-0.30"),
    ("0.85", "0.86", "-0.10"),
    ("0.85", "0.85", "0"),
    ("0.85", "0.84", "0.5"),
    ("0.85", "0.75", "5.0"),
    ("0.85", "0.65", "10"),
    ("0.85", "0.64", "11"),
    ("0.85", "0.60", "15"),
    ("0.85", "0.59", "17"),
    ("0.85", "0.55", "25"),
    ("0.80", "1.00", "-1.30"),
    ("0.80", "0.92", "-1.30"),
    ("0.80", "0.91", "-1.15"),
    ("0.80", "0.90", "-1.0"),
    ("0.80", "0.85", "-0.5"),
    ("0.80", "0.81", "-0.1"),
    ("0.80", "0.80", "0"),
    ("0.80", "0.79", "0.5"),
    ("0.80", "0.70", "5.0"),
    ("0.80", "0.60", "10"),
    ("0.80", "0.59", "11"),
    ("0.80", "0.55", "15"),
    ("0.80", "0.54", "17"),
    ("0.80", "0.00", "125"),
]


@pytest.mark.parametrize(("standard", "factor", "percent"), TABLE_ROWS)
def test_national_tables(standard, factor, percent):
    assert adjustment_percent(Decimal(standard), Decimal(factor)) == Decimal(percent)


@pytest.mark.parametrize(
    ("active", "reactive", "expected"),
    [
        ("3.00", "4.00", "0.60"),
        ("100.00", "0.00", "1.00"),
        ("0.00", "5.00", "0.00"),
        ("100.00", "48.43", "0.90"),
        ("100.00", "49.80", "0.90"),  # 0.89514 rounds up
        ("100.00", "49.90", "0.89"),  # 0.89479 rounds down
    ],
)
def test_power_factor_from_monthly_energy(active, reactive, expected):
    assert power_factor(active, reactive) == Decimal(expected)


def test_no_consumption_means_no_adjustment():
    adjustment = power_factor_adjustment(Decimal("0.90"), "0.00", "0.00", Decimal("100.00"))
    assert adjustment.power_factor is None
    assert adjustment.amount == 0


def test_monthly_charges_apply_the_percentage_to_fixed_plus_energy_charges():
    tariff = Tariff.flat("0.6000", monthly_charge="100.00", power_factor_standard="0.90")
    charges = monthly_charges(tariff, Decimal("900.00"), "80.00", "60.00")  # PF 0.80
    assert charges.power_factor.percent == Decimal("5.0")
    assert charges.power_factor.amount == Decimal("50.00")
    assert charges.total == Decimal("150.00")
    with pytest.raises(InvalidValue):
        monthly_charges(tariff, Decimal("900.00"))


def test_monthly_charges_without_power_factor_standard():
    charges = monthly_charges(Tariff.flat("0.6", monthly_charge="8.00"), Decimal("10.00"))
    assert charges.power_factor is None
    assert charges.total == Decimal("8.00")


@pytest.mark.parametrize(("standard", "factor"), [("0.95", "0.90"), ("0.90", "1.01")])
def test_out_of_range_inputs(standard, factor):
    with pytest.raises(InvalidValue):
        adjustment_percent(Decimal(standard), Decimal(factor))
