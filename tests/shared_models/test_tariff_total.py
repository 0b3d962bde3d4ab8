"""`total_cost` (the short ways for untiered tariffs) against `cost`, and the running bill's
carry rounded in integers against the rationals: equal to the last digit on random tariffs,
intervals and readings."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared_models.errors import WattkeeperError
from shared_models.tariffs import Band, GapPolicy, Tariff, TariffSchedule, TariffVersion, cost
from shared_models.tariffs.rounding import as_remainder, carry_round, round_exact
from shared_models.tariffs.total import total_cost
from tests.shared_models.test_tariff_properties import intervals, prices, schedules, tariffs

MANY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Up to 25 intervals an example: fewer examples, as many intervals priced.
RUNS = settings(MANY, max_examples=100)
BANDS = (Band.SHARP, Band.PEAK, Band.FLAT, Band.VALLEY)
kwh = st.integers(0, 2_000).map(lambda n: Decimal(n).scaleb(-2))
GAP = GapPolicy(timedelta(minutes=15))


@st.composite
def registers(draw) -> dict[Band, Decimal] | None:
    """None (spread in time), or per-band energies as `profile_between` gives them."""
    if not draw(st.booleans()):
        return None
    return {band: d for band in BANDS if (d := draw(kwh))}


@st.composite
def untiered(draw) -> Tariff | TariffSchedule:
    """Tariffs and schedules the short ways are for: no tiers, one or two versions."""
    first = _without_tiers(draw(tariffs()))
    if draw(st.booleans()):
        return first
    change = draw(st.dates(date(2024, 1, 2), date(2024, 12, 31)))
    second = _without_tiers(draw(tariffs()))
    return TariffSchedule((TariffVersion(date(2023, 1, 1), first), TariffVersion(change, second)))


def _without_tiers(tariff: Tariff) -> Tariff:
    return Tariff(tariff.prices, tariff.time_of_use, None, tariff.monthly_charge,
                  tariff.power_factor_standard, tariff.name)


def priced(both, *args, **options):
    """What each side answers: the total and the gap flag, or the error it raises."""
    found = []
    for price in both:
        try:
            found.append(price(*args, **options))
        except WattkeeperError as error:
            found.append((type(error), str(error)))
    return found


def old(*args, **options):
    breakdown = cost(*args, **options)
    return breakdown.total, breakdown.estimated


def new(*args, **options):
    total = total_cost(*args, **options)
    return Fraction(total.amount), total.estimated


@MANY
@given(st.one_of(untiered(), schedules()), intervals(), registers(), kwh)
def test_the_total_is_the_breakdowns_total(tariff, interval, profile, energy):
    zone, start, end = interval
    # The registers' energy is the interval's, as settlement reads them; sometimes it is not,
    # and then both must refuse alike.
    energy = sum(profile.values(), Decimal(0)) if profile is not None and energy else energy
    by_rationals, by_total = priced((old, new), tariff, start, end, energy, zone, 0, profile, gap=GAP)
    assert by_total == by_rationals


@MANY
@given(untiered(), intervals(), registers())
def test_an_untiered_interval_in_one_version_is_priced_without_rationals_when_measured(
        tariff, interval, profile):
    zone, start, end = interval
    energy = sum(profile.values(), Decimal(0)) if profile else Decimal("1.23")
    timeline = tariff.timeline(zone) if isinstance(tariff, TariffSchedule) else []
    inside_one = not any(start < moment < end for moment, _ in timeline)
    version = tariff.version_at(start, zone) if isinstance(tariff, TariffSchedule) else tariff
    try:
        total = total_cost(tariff, start, end, energy, zone, 0, profile)
    except WattkeeperError:
        return  # a band the registers measured has no price: `cost` refuses it too (above)
    if inside_one and (profile is not None or version.time_of_use is None):
        assert isinstance(total.amount, Decimal)
    assert Fraction(total.amount) == cost(tariff, start, end, energy, zone, 0, profile).total


@RUNS
@given(untiered(), st.lists(st.tuples(st.integers(1, 240), registers()), min_size=1, max_size=25),
       st.integers(-4_999_999_999, 4_999_999_999))
def test_a_running_bill_posts_and_carries_the_same_digits(tariff, steps, carried):
    """Reading after reading as settlement bills them: the carry stored after each (to 1e-12
    yuan), then read back; the rationals' way and the integers' way, side by side."""
    zone = ZoneInfo("Asia/Shanghai")
    at = datetime(2024, 3, 1, 7, tzinfo=zone)
    stored_old = stored_new = Decimal(carried).scaleb(-12)
    for minutes, profile in steps:
        end = at + timedelta(minutes=minutes)
        energy = sum(profile.values(), Decimal(0)) if profile else Decimal(minutes).scaleb(-2)
        try:
            exact = cost(tariff, at, end, energy, zone, 0, profile).total
        except WattkeeperError:
            return
        amount_old, carry_old = carry_round(Fraction(stored_old), exact)
        amount_new, carry_new = carry_round(stored_new, total_cost(tariff, at, end, energy, zone, 0,
                                                                   profile).amount)
        stored_old, stored_new = as_remainder(carry_old), as_remainder(carry_new)
        assert amount_new == amount_old and str(amount_new) == str(amount_old)
        assert str(stored_new) == str(stored_old)
        at = end


@MANY
@given(kwh, prices, st.integers(-4_999_999_999, 4_999_999_999))
def test_carry_round_in_integers_is_carry_round_in_rationals(energy, price, carried):
    carry = Decimal(carried).scaleb(-12)
    exact = energy * price
    amount, remainder = carry_round(carry, exact)
    assert isinstance(remainder, Decimal)
    rational_amount, rational_remainder = carry_round(Fraction(carry), Fraction(exact))
    assert (str(amount), str(as_remainder(remainder))) == \
        (str(rational_amount), str(as_remainder(rational_remainder)))
    assert round_exact(exact) == round_exact(Fraction(exact))


@pytest.mark.parametrize("value", [Decimal("-0E-12"), Decimal("0.0000001"), Decimal("1E-13")])
def test_as_remainder_of_a_decimal_is_that_of_its_rational(value):
    assert str(as_remainder(value)) == str(as_remainder(Fraction(value)))


@MANY
@given(kwh, prices)
def test_a_running_total_on_a_half_cent_rounds_up_either_way(energy, price):
    exact = energy * price
    carry = (exact * 100 // 1 / 100 + Decimal("0.005") - exact).quantize(Decimal("1E-12"))  # on a tie
    amount, _ = carry_round(carry, exact)
    assert amount == carry_round(Fraction(carry), Fraction(exact))[0] == (carry + exact + Decimal("0.005"))
