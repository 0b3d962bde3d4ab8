"""The exact total of one metered interval, without its breakdown: what settlement posts.

`cost` keeps every share as a `Fraction` and builds lines for display; settlement only needs the
total. For the common case, an interval inside one version of a tariff without tiers, the
total needs no rationals:
- a flat price: the energy spread over the interval's pieces always adds back up to all of
  it, so the total is energy x price;
- time-of-use with the meter's per-band registers: each band's energy adds back up to the
  band's register delta, so the total is the sum of delta x band price;
both finite decimals (0.01 kWh x 0.0001 yuan), computed exactly. Time-of-use spread uniformly
in time is a ratio of integers, built as one `Fraction` at the end. Anything else (tiers, a
version change inside the interval, input `cost` would refuse) is priced by `cost` itself, so
the result and every error are `cost`'s: `cost(...).total == total_cost(...).amount` always.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from decimal import Context, Decimal, Inexact
from fractions import Fraction
from typing import NamedTuple

from shared_models.tariffs import engine
from shared_models.tariffs.bands import Band
from shared_models.tariffs.localtime import as_utc, as_zone, micros
from shared_models.tariffs.schedule import locate

# Products of meter energy and prices have a few dozen digits at most; a trap, not a rounding,
# if one ever had more.
_EXACT = Context(prec=80, traps=[Inexact])
_LIMIT = Decimal(10) ** 12  # as `money._exact`: beyond it `cost` refuses the energy


class Total(NamedTuple):
    """The exact cost (a Decimal when it is a finite decimal) and whether it follows a gap."""

    amount: Decimal | Fraction
    estimated: bool


def total_cost(
    tariff: engine.TariffLike,
    start: datetime,
    end: datetime,
    energy_kwh: Decimal | Fraction | str | int,
    tz: tzinfo | str,
    cumulative_before: Decimal | Fraction | str | int,
    profile: Mapping[Band | str, Decimal | Fraction | str | int] | None = None,
    *,
    gap: engine.GapPolicy | None = None,
) -> Total:
    """`cost(...).total` and `.estimated`, with the arguments of `cost`."""
    amount = _untiered(tariff, start, end, energy_kwh, tz, cumulative_before, profile)
    if amount is None:
        found = engine.cost(tariff, start, end, energy_kwh, tz, cumulative_before, profile, gap=gap)
        return Total(found.total, found.estimated)
    return Total(amount, gap is not None and gap.is_gap(as_utc(start, "start"), as_utc(end, "end")))


def _meter_energy(value: object) -> bool:
    """A value `quantity` takes as it is: a non-negative Decimal on the 0.01 kWh grid."""
    return (type(value) is Decimal and value.is_finite() and 0 <= value < _LIMIT
            and value.as_tuple().exponent >= -2)


def _untiered(tariff, start, end, energy_kwh, tz, cumulative_before, profile) -> Decimal | Fraction | None:
    """The total by the short ways above, or None for `cost` to price."""
    if not _meter_energy(energy_kwh) or type(cumulative_before) not in (int, Decimal) \
            or cumulative_before != 0:
        return None
    if profile is not None and not (type(profile) is dict and all(
            type(band) is Band and _meter_energy(kwh) for band, kwh in profile.items())):
        return None
    zone = as_zone(tz)
    start, end = as_utc(start, "start"), as_utc(end, "end")
    if end <= start:
        return None  # `cost` says why
    timeline = engine._timeline(tariff, zone)
    current, next_version = locate(timeline, start)
    if current.tiers is not None or (next_version is not None and next_version < end):
        return None
    if current.time_of_use is None:
        if profile is not None and sum(profile.values(), Decimal(0)) != energy_kwh:
            return None  # `cost` refuses it
        return _EXACT.multiply(energy_kwh, current.price_for(Band.FLAT)) if energy_kwh else Decimal(0)
    if profile is not None:
        if sum(profile.values(), Decimal(0)) != energy_kwh:
            return None
        total = Decimal(0)
        for band, kwh in profile.items():
            if kwh:  # a band without energy is never priced (it may have no price)
                total = _EXACT.add(total, _EXACT.multiply(kwh, current.price_for(band)))
        return total
    if not energy_kwh:
        return Decimal(0)
    # Uniform in time: energy x sum(piece time x price) / interval time, as one ratio of
    # integers (energy in 0.01 kWh, prices in 0.0001 yuan: both validated to those grids).
    weighted = sum(micros(piece.end - piece.start) * int(current.price_for(piece.band).scaleb(4))
                   for piece in engine._pieces(timeline, start, end, zone))
    return Fraction(int(energy_kwh.scaleb(2)) * weighted, 10**6 * micros(end - start))
