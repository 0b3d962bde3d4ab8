"""Power-factor adjustment (力调电费) by the 1983 national rules, and the monthly charges.

Source: 《功率因数调整电费办法》, (83)水电财字第215号, issued by the Ministry of Water
Resources and Electric Power and the State Price Bureau in 1983, with its three tables:
standard 0.90 (high-voltage industry from 160 kVA), 0.85 (other users from 100 kVA) and
0.80 (agriculture, wholesale). The monthly average power factor comes from the month's
active and reactive energy, kept to 2 decimals rounded half-up; the percentage is applied
to the month's basic (fixed) charge plus energy charges. Positive percentages are
surcharges (增收), negative ones discounts (减收).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from shared_models.tariffs._fields import energy_field, invalid
from shared_models.tariffs.tariff import PF_STANDARDS, Tariff

# Discount (减收 %) at the standard, standard + 0.01, ...; the last entry holds up to 1.00.
_DISCOUNTS: dict[int, tuple[str, ...]] = {
    90: ("0", "0.15", "0.30", "0.45", "0.60", "0.75"),  # 0.95-1.00: 0.75
    85: ("0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.65", "0.80", "0.95", "1.10"),  # 0.94-1.00
    80: ("0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0", "1.15", "1.30"),
}
# Surcharge (增收 %) for each 0.01 below the standard, the same shape in all three tables:
# 0.5 % per step for 20 steps (to 10 %), 1 % per step for 5 more (to 15 %), then 2 % per step.
_SURCHARGE_STEPS = ((20, Decimal("0.5")), (5, Decimal("1")), (None, Decimal("2")))
_HUNDREDTH = Decimal("0.01")


def adjustment_percent(standard: Decimal, power_factor: Decimal) -> Decimal:
    """The table's percentage for a power factor already rounded to 2 decimals."""
    if standard not in PF_STANDARDS:
        raise invalid("power_factor_standard", "must be 0.90, 0.85 or 0.80")
    if not Decimal(0) <= power_factor <= Decimal(1):
        raise invalid("power_factor", f"must lie within 0-1: {power_factor}")
    below = int((standard - power_factor) / _HUNDREDTH)
    if below <= 0:
        discounts = _DISCOUNTS[int(standard * 100)]
        return -Decimal(discounts[min(-below, len(discounts) - 1)])
    percent = Decimal(0)
    for steps, rate in _SURCHARGE_STEPS:
        taken = below if steps is None else min(below, steps)
        percent += taken * rate
        below -= taken
    return percent


def power_factor(active_kwh: object, reactive_kvarh: object) -> Decimal | None:
    """kWh / sqrt(kWh² + kvarh²) to 2 decimals, half-up; None when nothing was consumed.

    The square root runs in a 50-digit Decimal context. An exact half-way result cannot
    occur: it would need 200² - k² to be a square for an odd k, and no such k exists.
    """
    active = energy_field(active_kwh, "active_kwh")
    reactive = energy_field(reactive_kvarh, "reactive_kvarh")
    if not active and not reactive:
        return None
    with localcontext() as ctx:
        ctx.prec = 50
        ratio = active / (active * active + reactive * reactive).sqrt()
    return ratio.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PowerFactorAdjustment:
    """The month's power-factor line; `amount` is unrounded (round at posting)."""

    power_factor: Decimal | None
    standard: Decimal
    percent: Decimal
    base: Decimal
    amount: Decimal


def power_factor_adjustment(
    standard: Decimal, active_kwh: object, reactive_kvarh: object, base: Decimal
) -> PowerFactorAdjustment:
    """Adjust `base` (fixed + energy charges of the month) by the table for `standard`."""
    factor = power_factor(active_kwh, reactive_kvarh)
    percent = Decimal(0) if factor is None else adjustment_percent(standard, factor)
    return PowerFactorAdjustment(factor, standard, percent, base, base * percent / 100)


@dataclass(frozen=True)
class MonthlyCharges:
    """Charges raised once a month on top of interval energy costs."""

    fixed: Decimal
    power_factor: PowerFactorAdjustment | None

    @property
    def total(self) -> Decimal:
        adjustment = Decimal(0) if self.power_factor is None else self.power_factor.amount
        return self.fixed + adjustment


def monthly_charges(
    tariff: Tariff,
    energy_charges: Decimal,
    active_kwh: object = None,
    reactive_kvarh: object = None,
) -> MonthlyCharges:
    """The fixed charge and, if the tariff has a standard, the power-factor adjustment."""
    if tariff.power_factor_standard is None:
        return MonthlyCharges(tariff.monthly_charge, None)
    if active_kwh is None or reactive_kvarh is None:
        raise invalid("reactive_kvarh", "a power-factor tariff needs active and reactive energy")
    base = tariff.monthly_charge + energy_charges
    adjustment = power_factor_adjustment(
        tariff.power_factor_standard, active_kwh, reactive_kvarh, base
    )
    return MonthlyCharges(tariff.monthly_charge, adjustment)
