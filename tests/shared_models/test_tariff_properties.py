"""Property tests: cost is additive under splitting, lines add up, JSON round-trips."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from shared_models.tariffs import (
    Band,
    BandPeriod,
    DayPlan,
    Season,
    Tariff,
    TariffSchedule,
    TariffVersion,
    Tier,
    TierPeriod,
    Tiers,
    TimeOfUse,
    cost,
)

FAST = settings(max_examples=60, deadline=None)
ZONES = st.sampled_from([ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin")])
prices = st.integers(0, 20_000).map(lambda n: Decimal(n).scaleb(-4))
hundredths = st.integers(0, 60_000).map(lambda n: Decimal(n).scaleb(-2))


@st.composite
def day_plans(draw) -> DayPlan:
    cuts = sorted(draw(st.sets(st.integers(1, 95), max_size=6)))
    bounds = [0, *(c * 15 for c in cuts), 1440]
    bands = draw(
        st.lists(st.sampled_from(Band), min_size=len(bounds) - 1, max_size=len(bounds) - 1)
    )
    periods = [
        BandPeriod(a, b, band) for a, b, band in zip(bounds, bounds[1:], bands, strict=False)
    ]
    if len(periods) > 2 and draw(st.booleans()):
        # Join the last and first periods into one running past midnight.
        first, last = periods[0], periods.pop()
        periods[0] = BandPeriod(last.start, first.end, last.band)
    return DayPlan(tuple(periods))


month_days = st.dates(date(2000, 1, 1), date(2000, 12, 31)).map(lambda d: (d.month, d.day))


@st.composite
def calendars(draw) -> TimeOfUse:
    seasons = ()
    if draw(st.booleans()):
        seasons = (Season("season", draw(month_days), draw(month_days), draw(day_plans())),)
    holidays = draw(st.frozensets(st.dates(date(2024, 1, 1), date(2025, 1, 31)), max_size=20))
    holiday_plan = draw(day_plans()) if holidays or draw(st.booleans()) else None
    return TimeOfUse(draw(day_plans()), seasons, holidays, holiday_plan)


@st.composite
def tier_sets(draw) -> Tiers | None:
    if not draw(st.booleans()):
        return None
    limits = sorted(draw(st.sets(st.integers(1, 50_000), min_size=1, max_size=3)))
    ups = [Decimal(n).scaleb(-2) for n in limits] + [None]
    return Tiers(draw(st.sampled_from(TierPeriod)), tuple(Tier(u, draw(prices)) for u in ups))


@st.composite
def tariffs(draw, tou: bool | None = None) -> Tariff:
    calendar = draw(calendars()) if (draw(st.booleans()) if tou is None else tou) else None
    bands = {Band.FLAT} if calendar is None else calendar.bands()
    return Tariff(
        {band: draw(prices) for band in bands},
        calendar,
        draw(tier_sets()),
        monthly_charge=draw(hundredths),
        power_factor_standard=draw(st.sampled_from([None, "0.90", "0.85", "0.80"])),
        name=draw(st.text(max_size=10)),
    )


@st.composite
def schedules(draw) -> Tariff | TariffSchedule:
    first = draw(tariffs())
    if draw(st.booleans()):
        return first
    change = draw(st.dates(date(2024, 1, 2), date(2024, 12, 31)))
    return TariffSchedule(
        (TariffVersion(date(2023, 1, 1), first), TariffVersion(change, draw(tariffs())))
    )


@st.composite
def intervals(draw):
    zone = draw(ZONES)
    start = datetime(2024, 1, 1, tzinfo=zone) + timedelta(
        seconds=draw(st.integers(0, 366 * 86_400))
    )
    end = start + timedelta(microseconds=draw(st.integers(2, 4 * 86_400 * 10**6)))
    return zone, start, end


def split_energy(total: Fraction, start: datetime, cut: datetime, end: datetime) -> Fraction:
    """The uniform rule: a share of the energy proportional to the share of time."""
    return total * Fraction(
        (cut - start) // timedelta(microseconds=1), (end - start) // timedelta(microseconds=1)
    )


@FAST
@given(schedules(), intervals(), hundredths, hundredths, st.integers(1, 10**6 - 1))
def test_splitting_an_interval_never_changes_its_cost(tariff, interval, energy, before, where):
    zone, start, end = interval
    span = (end - start) // timedelta(microseconds=1)
    cut = start + timedelta(microseconds=max(1, min(span - 1, span * where // 10**6)))
    whole = cost(tariff, start, end, energy, zone, before)
    first_kwh = split_energy(Fraction(energy), start, cut, end)
    first = cost(tariff, start, cut, first_kwh, zone, before)
    second = cost(tariff, cut, end, Fraction(energy) - first_kwh, zone, first.cumulative_after)
    assert first.total + second.total == whole.total
    assert second.cumulative_after == whole.cumulative_after


@FAST
@given(schedules(), intervals(), hundredths, hundredths)
def test_lines_add_up_to_the_energy_and_the_total(tariff, interval, energy, before):
    zone, start, end = interval
    b = cost(tariff, start, end, energy, zone, before)
    assert sum((ln.exact_kwh for ln in b.lines), Fraction(0)) == Fraction(energy)
    assert sum((ln.kwh for ln in b.lines), Decimal(0)) == energy
    assert all(abs(Fraction(ln.kwh) - ln.exact_kwh) < Fraction(1, 100) for ln in b.lines)
    assert b.total == sum((ln.exact_kwh * Fraction(ln.price) for ln in b.lines), Fraction(0))
    # Half-up to the cent, written independently of round_exact.
    assert b.total_due == Decimal(floor(b.total * 100 + Fraction(1, 2))).scaleb(-2)


@FAST
@given(tier_sets().filter(lambda t: t is not None), prices, hundredths, hundredths)
def test_tier_split_matches_the_tier_table(tiers, base, energy, before):
    tariff = Tariff({Band.FLAT: base}, tiers=tiers)
    start = datetime(2024, 3, 2, tzinfo=ZoneInfo("Asia/Shanghai"))
    b = cost(tariff, start, start + timedelta(hours=5), energy, "Asia/Shanghai", before)
    lower, expected = Fraction(0), Fraction(0)
    low, high = Fraction(before), Fraction(before) + Fraction(energy)
    for tier in tiers.tiers:
        upper = high if tier.up_to is None else Fraction(tier.up_to)
        overlap = max(Fraction(0), min(upper, high) - max(lower, low))
        expected += overlap * (Fraction(base) + Fraction(tier.increment))
        lower = upper
    assert b.total == expected


@FAST
@given(schedules())
def test_json_round_trip(tariff):
    text = json.dumps(tariff.to_dict())
    assert type(tariff).from_dict(json.loads(text)) == tariff
