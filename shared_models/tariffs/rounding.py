"""Where exact rationals meet the 0.01 grids: money at posting, energy for display."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from math import floor

from shared_models.money import energy_from_hundredths, round_money


def round_exact(value: Fraction | Decimal) -> Decimal:
    """Round an exact amount with the one money rule (round_money: half-up to the cent).

    A Decimal (an exact total from `total_cost`) is rounded by the rule directly.

    The rational is first written as a Decimal truncated far below the cent. That cannot
    change the result: a value exactly on a half cent is a finite decimal and kept exactly,
    and any other value is at least 1/(200 * denominator) away from a half cent, which is
    more than the truncation error.
    """
    if isinstance(value, Decimal):
        return round_money(value)
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


def carry_round(carry: Fraction | Decimal, cost: Fraction | Decimal) -> tuple[Decimal, Fraction | Decimal]:
    """The amount to post for one more interval of a running bill, and the new carry.

    `carry` is what the postings so far fall short of (or exceed) the exact running total:
    exact - posted, within [-0.005, 0.005). Posting round(carry + cost) keeps every partial sum
    of the postings equal to the exact running total rounded half-up once (`round_exact`),
    however small each interval: a cent added to a cent-aligned total moves its rounding by
    exactly a cent, and half-up on a non-negative total is floor(x + 1/2).

    When both are decimals on the stored carry's grid (1e-12 yuan: a stored carry, a total from
    `total_cost`), the same floor is taken in integer units of that grid and the carry comes
    back as the Decimal `as_remainder` would store; otherwise in rationals.
    """
    if cost < 0:
        raise ValueError("a cost is never negative")
    if isinstance(carry, Decimal) and isinstance(cost, Decimal):
        carry_units, cost_units = _units(carry), _units(cost)
        if carry_units is not None and cost_units is not None:
            units = carry_units + cost_units
            cents = (units * 100 + _UNIT // 2) // _UNIT  # floor(units / UNIT * 100 + 1/2)
            return Decimal(cents).scaleb(-2), Decimal(units - cents * _PER_CENT).scaleb(-REMAINDER_PLACES)
    carry, cost = Fraction(carry), Fraction(cost)
    cents = floor((carry + cost) * 100 + Fraction(1, 2))
    return Decimal(cents).scaleb(-2), carry + cost - Fraction(cents, 100)


REMAINDER_PLACES = 12
_UNIT = 10**REMAINDER_PLACES  # units of the stored carry in a yuan
_PER_CENT = _UNIT // 100


def _units(value: Decimal) -> int | None:
    """A decimal as a whole number of 1e-12 yuan, or None if it is not on that grid."""
    if not value.is_finite():
        return None
    numerator, denominator = value.as_integer_ratio()
    units, rest = divmod(numerator * _UNIT, denominator)
    return None if rest else units


def as_remainder(value: Fraction | Decimal) -> Decimal:
    """A carry as stored (`types.Remainder`): to 1e-12 yuan, half-even, from exact integers."""
    if isinstance(value, Decimal):
        if value.is_finite() and value.as_tuple().exponent == -REMAINDER_PLACES \
                and not (value.is_zero() and value.is_signed()):
            return value  # already what the rounding below makes of it
        value = Fraction(value)
    scaled = value * 10**REMAINDER_PLACES
    units = round(scaled)  # Fraction.__round__ is half-even
    return Decimal(units).scaleb(-REMAINDER_PLACES)
