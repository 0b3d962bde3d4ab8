"""Where exact rationals meet the 0.01 grids: money at posting, energy for display."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from math import floor

from shared_models.money import energy_from_hundredths, round_money


def round_exact(value: Fraction) -> Decimal:
    """Round an exact amount with the one money rule (round_money: half-up to the cent).

    The rational is first written as a Decimal truncated far below the cent. That cannot
    change the result: a value exactly on a half cent is a finite decimal and kept exactly,
    and any other value is at least 1/(200 * denominator) away from a half cent, which is
    more than the truncation error.
    """
    digits = len(str(value.denominator)) + 3
    scaled = abs(value.numerator) * 10**digits // value.denominator
    sign = -1 if value < 0 else 1
    return round_money(Decimal(sign * scaled).scaleb(-digits))


def allocate_hundredths(shares: Sequence[Fraction], total: Fraction) -> list[Decimal]:
    """Shares shown to 0.01 kWh that add up exactly to `total` (largest remainder rule).

    Every share is floored to 0.01 kWh; the hundredths still missing (total rounded half-up
    to 0.01 when it is not on the grid) go one each to the largest remainders, ties to the
    earlier share. The result depends only on the exact shares, so it is stable.
    """
    floors = [floor(share * 100) for share in shares]
    target = floor(total * 100 + Fraction(1, 2))
    missing = target - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] * 100 - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return [energy_from_hundredths(units) for units in floors]
