"""Cost of one metered interval: energy spread over versions, bands and tiers, priced exactly.

Why rationals: the uniform spread gives a band E * t_band / t_interval kWh, which is not a
finite decimal (a third of 0.01 kWh), so any Decimal rounding inside the engine would depend
on where readings happen to cut time. The engine therefore keeps every share and amount as an
exact `Fraction` (Decimal inputs convert exactly) and rounds once, at posting, with
`round_money` (`CostBreakdown.total_due`). Cost is then additive: pricing [s, e) equals
pricing [s, t) and [t, e) with the energy shared by the same uniform rule and the tier
cumulative threaded through (`cumulative_after`), exactly, for every kind of tariff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from fractions import Fraction

from shared_models.tariffs._fields import invalid, quantity
from shared_models.tariffs.bands import Band, parse_band
from shared_models.tariffs.localtime import as_utc, as_zone, band_span, micros, period_bounds
from shared_models.tariffs.rounding import allocate_hundredths, round_exact
from shared_models.tariffs.schedule import TariffSchedule, locate
from shared_models.tariffs.tariff import Tariff

TariffLike = Tariff | TariffSchedule
_LineKey = tuple[Band, int | None, Decimal]


@dataclass(frozen=True)
class GapPolicy:
    """Readings further apart than `expected_interval` x `factor` are catch-ups after a gap."""

    expected_interval: timedelta
    factor: int = 3

    def __post_init__(self) -> None:
        if self.expected_interval <= timedelta(0):
            raise invalid("expected_interval", "must be positive")
        if isinstance(self.factor, bool) or not isinstance(self.factor, int) or self.factor < 1:
            raise invalid("factor", "must be a whole number of at least 1")

    def is_gap(self, start: datetime, end: datetime) -> bool:
        return end - start > self.expected_interval * self.factor


@dataclass(frozen=True)
class CostLine:
    """Energy of one band and tier at one price; `kwh` is the 0.01 kWh figure for display."""

    band: Band
    tier: int | None  # 1-based; None when the tariff has no tiers
    price: Decimal  # band price + tier increment, yuan/kWh
    exact_kwh: Fraction
    kwh: Decimal

    @property
    def amount(self) -> Fraction:
        """Exact, unrounded yuan."""
        return self.exact_kwh * Fraction(self.price)


@dataclass(frozen=True)
class CostBreakdown:
    """The priced interval; `total` is exact, `total_due` is what gets posted."""

    start: datetime
    end: datetime
    energy_kwh: Fraction
    lines: tuple[CostLine, ...]
    estimated: bool
    cumulative_after: Fraction  # tier-period consumption before `end`, to pass on

    @property
    def total(self) -> Fraction:
        return sum((line.amount for line in self.lines), Fraction(0))

    @property
    def total_due(self) -> Decimal:
        return round_exact(self.total)


@dataclass(frozen=True)
class _Piece:
    start: datetime
    end: datetime
    tariff: Tariff
    band: Band
    period_start: datetime


def cost(
    tariff: TariffLike,
    start: datetime,
    end: datetime,
    energy_kwh: Decimal | Fraction | str | int,
    tz: tzinfo | str,
    cumulative_before: Decimal | Fraction | str | int,
    profile: Mapping[Band | str, Decimal | Fraction | str | int] | None = None,
    *,
    gap: GapPolicy | None = None,
) -> CostBreakdown:
    """Price `energy_kwh` consumed over [start, end).

    The energy is spread uniformly over time, or per band as measured by the meter's per-rate
    registers (`profile`, band -> kWh, uniform in time within a band). `cumulative_before` is
    the consumption already counted in the tier period (month or year) containing `start`;
    it restarts at 0 at each period boundary inside the interval.
    """
    zone = as_zone(tz)
    start, end = as_utc(start, "start"), as_utc(end, "end")
    if end <= start:
        raise invalid("end", "must be after start")
    total = quantity(energy_kwh, "energy_kwh")
    cumulative = quantity(cumulative_before, "cumulative_before")
    pieces = _pieces(_timeline(tariff, zone), start, end, zone)
    energies, extra = _spread(pieces, total, _profile(profile, total), end)
    sums, cumulative = _price(pieces + extra, energies, cumulative)
    shown = allocate_hundredths(list(sums.values()), total)
    after_start, _ = period_bounds(_tariff_at(tariff, end, zone).tier_period, end, zone)
    return CostBreakdown(
        start=start,
        end=end,
        energy_kwh=total,
        lines=tuple(
            CostLine(band, tier, unit_price, kwh, kwh_shown)
            for ((band, tier, unit_price), kwh), kwh_shown in zip(sums.items(), shown, strict=True)
        ),
        estimated=gap is not None and gap.is_gap(start, end),
        cumulative_after=cumulative if after_start == pieces[-1].period_start else Fraction(0),
    )


def period_start(tariff: TariffLike, moment: datetime, tz: tzinfo | str) -> datetime:
    """Start (UTC) of the tier period containing `moment`: where `cumulative_before` counts from."""
    zone = as_zone(tz)
    moment = as_utc(moment, "moment")
    return period_bounds(_tariff_at(tariff, moment, zone).tier_period, moment, zone)[0]


def _timeline(tariff: TariffLike, tz: tzinfo) -> list[tuple[datetime, Tariff]]:
    if isinstance(tariff, TariffSchedule):
        return tariff.timeline(tz)
    return [(datetime.min.replace(tzinfo=UTC), tariff)]


def _tariff_at(tariff: TariffLike, moment: datetime, tz: tzinfo) -> Tariff:
    return locate(_timeline(tariff, tz), moment)[0]


def _pieces(
    timeline: list[tuple[datetime, Tariff]], start: datetime, end: datetime, tz: tzinfo
) -> list[_Piece]:
    """Cut [start, end) wherever the version, the tier period or the band changes."""
    pieces = []
    cursor = start
    while cursor < end:
        current, next_version = locate(timeline, cursor)
        period_from, period_to = period_bounds(current.tier_period, cursor, tz)
        limit = min(end, period_to) if next_version is None else min(end, period_to, next_version)
        band = Band.FLAT
        if current.time_of_use is not None:
            band, band_end = band_span(current.time_of_use, cursor, tz)
            limit = min(limit, band_end)
        pieces.append(_Piece(cursor, limit, current, band, period_from))
        cursor = limit
    return pieces


def _profile(
    profile: Mapping[Band | str, Decimal | Fraction | str | int] | None, total: Fraction
) -> dict[Band, Fraction] | None:
    if profile is None:
        return None
    if not isinstance(profile, Mapping):
        raise invalid("profile", "must map band to kWh")
    parsed = {
        parse_band(band, f"profile.{band}"): quantity(kwh, f"profile.{band}")
        for band, kwh in profile.items()
    }
    if sum(parsed.values(), Fraction(0)) != total:
        raise invalid("profile", f"band energies add up to {sum(parsed.values())}, not {total}")
    return parsed


def _spread(
    pieces: list[_Piece], total: Fraction, profile: dict[Band, Fraction] | None, end: datetime
) -> tuple[list[Fraction], list[_Piece]]:
    """Energy of each piece (exact), plus zero-length pieces at `end` for leftover bands.

    Uniform: a piece gets total x its share of the interval's time. With a meter profile (only
    when every piece is time-of-use; a flat price makes the split irrelevant) each band's
    measured energy is spread over that band's time; energy the meter puts in a band the
    interval never enters (clock skew between meter and server) is booked at `end`.
    """
    if profile is None or any(p.tariff.time_of_use is None for p in pieces):
        duration = micros(end - pieces[0].start)
        return [total * Fraction(micros(p.end - p.start), duration) for p in pieces], []
    band_time: dict[Band, int] = {}
    for p in pieces:
        band_time[p.band] = band_time.get(p.band, 0) + micros(p.end - p.start)
    energies = [
        profile.get(p.band, Fraction(0)) * Fraction(micros(p.end - p.start), band_time[p.band])
        for p in pieces
    ]
    last = pieces[-1]
    extra = [
        _Piece(end, end, last.tariff, band, last.period_start)
        for band, kwh in profile.items()
        if kwh and band not in band_time
    ]
    return energies + [profile[p.band] for p in extra], extra


def _price(
    pieces: list[_Piece], energies: list[Fraction], cumulative: Fraction
) -> tuple[dict[_LineKey, Fraction], Fraction]:
    """Walk the pieces in time order, threading the tier cumulative; aggregate into lines."""
    lines: dict[_LineKey, Fraction] = {}  # insertion order = order of first appearance
    period = pieces[0].period_start

    def add(key: _LineKey, kwh: Fraction) -> None:
        lines[key] = lines.get(key, Fraction(0)) + kwh

    for piece, kwh in zip(pieces, energies, strict=True):
        if piece.period_start != period:
            period, cumulative = piece.period_start, Fraction(0)
        if not kwh:
            continue
        base = piece.tariff.price_for(piece.band)
        if piece.tariff.tiers is None:
            add((piece.band, None, base), kwh)
        else:
            for number, tier, part in piece.tariff.tiers.split(cumulative, kwh):
                add((piece.band, number, base + tier.increment), part)
        cumulative += kwh
    return lines, cumulative
