"""Cost of an interval: examples for each kind, seasons, holidays, DST, gaps and errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from shared_models.errors import InvalidValue, RuleViolation
from shared_models.tariffs import (
    Band,
    GapPolicy,
    Tariff,
    TariffSchedule,
    TariffVersion,
    cost,
    period_start,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
PRICES = {"sharp": "1.2000", "peak": "0.9000", "flat": "0.6000", "valley": "0.3000"}
TIERS = {
    "period": "month",
    "blocks": [
        {"up_to": "230", "increment": "0"},
        {"up_to": "400", "increment": "0.05"},
        {"up_to": None, "increment": "0.3"},
    ],
}


def tou_tariff(day_plan=None, tiers=None, **tou) -> Tariff:
    plan = day_plan or [
        ["22:00", "06:00", "valley"],
        ["06:00", "08:00", "flat"],
        ["08:00", "11:00", "peak"],
        ["11:00", "18:00", "flat"],
        ["18:00", "22:00", "peak"],
    ]
    return Tariff.from_dict(
        {"prices": PRICES, "time_of_use": {"day_plan": plan, **tou}, "tiers": tiers}
    )


def at(*args: int, tz=SHANGHAI) -> datetime:
    return datetime(*args, tzinfo=tz)


def summary(breakdown) -> list[tuple[str, int | None, str, str]]:
    return [(ln.band.value, ln.tier, str(ln.price), str(ln.kwh)) for ln in breakdown.lines]


def test_flat_price_times_energy():
    b = cost(Tariff.flat("0.5883"), at(2024, 3, 1), at(2024, 3, 1, 0, 15), "1.23", SHANGHAI, 0)
    assert b.total == Fraction("1.23") * Fraction("0.5883")
    assert b.total_due == Decimal("0.72")  # 0.723609
    assert summary(b) == [("flat", None, "0.5883", "1.23")]
    assert not b.estimated


def test_time_of_use_spreads_energy_by_local_time():
    b = cost(tou_tariff(), at(2024, 3, 1, 5), at(2024, 3, 1, 9), "4.00", "Asia/Shanghai", 0)
    assert summary(b) == [
        ("valley", None, "0.3000", "1.00"),
        ("flat", None, "0.6000", "2.00"),
        ("peak", None, "0.9000", "1.00"),
    ]
    assert b.total == Fraction("2.40")


def test_summer_season_brings_the_sharp_band():
    summer = [["00:00", "11:00", "valley"], ["11:00", "12:00", "sharp"], ["12:00", "24:00", "flat"]]
    tariff = tou_tariff(
        seasons=[{"name": "summer", "from": "07-01", "to": "08-31", "day_plan": summer}]
    )
    july = cost(tariff, at(2024, 7, 1, 11), at(2024, 7, 1, 12), "1.00", SHANGHAI, 0)
    june = cost(tariff, at(2024, 6, 30, 11), at(2024, 6, 30, 12), "1.00", SHANGHAI, 0)
    assert summary(july) == [("sharp", None, "1.2000", "1.00")]
    assert summary(june) == [("flat", None, "0.6000", "1.00")]


def test_holiday_plan_overrides_the_day_plan():
    tariff = tou_tariff(holidays=["2024-10-01"], holiday_plan=[["00:00", "24:00", "valley"]])
    b = cost(tariff, at(2024, 9, 30, 18), at(2024, 10, 1, 18), "24.00", SHANGHAI, 0)
    assert summary(b) == [("peak", None, "0.9000", "4.00"), ("valley", None, "0.3000", "20.00")]


@pytest.mark.parametrize(
    ("cumulative", "energy", "expected"),
    [
        ("0", "230.00", [(1, "230.00")]),
        ("0", "230.01", [(1, "230.00"), (2, "0.01")]),
        ("229.99", "0.02", [(1, "0.01"), (2, "0.01")]),
        ("230", "170.00", [(2, "170.00")]),
        ("100", "400.00", [(1, "130.00"), (2, "170.00"), (3, "100.00")]),
        ("500", "1.00", [(3, "1.00")]),
    ],
)
def test_tier_boundaries_are_exact(cumulative, energy, expected):
    tariff = Tariff.from_dict({"prices": {"flat": "0.4883"}, "tiers": TIERS})
    b = cost(tariff, at(2024, 3, 2), at(2024, 3, 3), energy, SHANGHAI, cumulative)
    assert [(ln.tier, str(ln.kwh)) for ln in b.lines] == expected
    increments = {1: Fraction(0), 2: Fraction("0.05"), 3: Fraction("0.3")}
    assert b.total == sum(
        (Fraction(kwh) * (Fraction("0.4883") + increments[tier]) for tier, kwh in expected),
        Fraction(0),
    )
    assert b.cumulative_after == Fraction(cumulative) + Fraction(energy)


def test_tier_boundary_at_the_cent():
    tariff = Tariff.from_dict({"prices": {"flat": "0.4883"}, "tiers": TIERS})
    b = cost(tariff, at(2024, 3, 2), at(2024, 3, 3), "230.01", SHANGHAI, 0)
    assert b.total_due == Decimal("112.31")  # 230 x 0.4883 + 0.01 x 0.5383 = 112.314383


def test_time_of_use_with_tier_increments():
    b = cost(tou_tariff(tiers=TIERS), at(2024, 3, 1, 5), at(2024, 3, 1, 9), "4.00", SHANGHAI, 229)
    assert summary(b) == [
        ("valley", 1, "0.3000", "1.00"),
        ("flat", 2, "0.6500", "2.00"),
        ("peak", 2, "0.9500", "1.00"),
    ]


def test_month_boundary_resets_the_cumulative_at_local_midnight():
    tariff = Tariff.from_dict({"prices": {"flat": "0.5000"}, "tiers": TIERS})
    b = cost(tariff, at(2024, 3, 31, 23), at(2024, 4, 1, 1), "2.00", SHANGHAI, "229.50")
    assert [(ln.tier, str(ln.kwh)) for ln in b.lines] == [(1, "1.50"), (2, "0.50")]
    assert b.cumulative_after == 1
    assert period_start(tariff, at(2024, 4, 1, 1), SHANGHAI) == at(2024, 4, 1)


def test_yearly_tiers_do_not_reset_at_month_end():
    tariff = Tariff.from_dict({"prices": {"flat": "0.5000"}, "tiers": dict(TIERS, period="year")})
    b = cost(tariff, at(2024, 3, 31, 23), at(2024, 4, 1, 1), "2.00", SHANGHAI, "229.50")
    assert [(ln.tier, str(ln.kwh)) for ln in b.lines] == [(1, "0.50"), (2, "1.50")]
    assert b.cumulative_after == Fraction("231.50")


def test_cumulative_after_is_zero_when_the_interval_ends_on_a_period_boundary():
    tariff = Tariff.from_dict({"prices": {"flat": "0.5000"}, "tiers": TIERS})
    b = cost(tariff, at(2024, 3, 31, 23), at(2024, 4, 1), "1.00", SHANGHAI, 10)
    assert b.cumulative_after == 0


def test_version_change_inside_the_interval():
    schedule = TariffSchedule(
        (
            TariffVersion(date(2024, 1, 1), Tariff.flat("0.5000")),
            TariffVersion(date(2024, 6, 1), Tariff.flat("0.6000")),
        )
    )
    b = cost(schedule, at(2024, 5, 31, 23), at(2024, 6, 1, 1), "2.00", SHANGHAI, 0)
    assert summary(b) == [("flat", None, "0.5000", "1.00"), ("flat", None, "0.6000", "1.00")]
    with pytest.raises(RuleViolation):
        cost(schedule, at(2023, 12, 31, 23), at(2024, 1, 1, 1), "2.00", SHANGHAI, 0)


def test_catch_up_after_a_gap_is_spread_and_marked_estimated():
    policy = GapPolicy(expected_interval=timedelta(minutes=15), factor=4)
    late = cost(
        tou_tariff(), at(2024, 3, 1, 0), at(2024, 3, 2, 0), "24.00", SHANGHAI, 0, gap=policy
    )
    assert late.estimated
    assert {ln.band.value: str(ln.kwh) for ln in late.lines} == {
        "valley": "8.00",
        "flat": "9.00",
        "peak": "7.00",
    }
    on_time = cost(
        tou_tariff(), at(2024, 3, 1, 0), at(2024, 3, 1, 1), "1.00", SHANGHAI, 0, gap=policy
    )
    assert not on_time.estimated


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"expected_interval": timedelta(0)}, "expected_interval"),
        ({"expected_interval": timedelta(minutes=15), "factor": 0}, "factor"),
    ],
)
def test_gap_policy_is_validated(kwargs, field):
    with pytest.raises(InvalidValue) as caught:
        GapPolicy(**kwargs)
    assert caught.value.field == field


def test_meter_profile_replaces_the_uniform_split():
    b = cost(
        tou_tariff(),
        at(2024, 3, 1, 4),
        at(2024, 3, 1, 10),
        "6.00",
        SHANGHAI,
        0,
        profile={"valley": "0.50", "flat": "1.50", Band.PEAK: "4.00"},
    )
    assert summary(b) == [
        ("valley", None, "0.3000", "0.50"),
        ("flat", None, "0.6000", "1.50"),
        ("peak", None, "0.9000", "4.00"),
    ]


def test_profile_energy_in_a_band_the_interval_misses_is_booked_at_the_end():
    b = cost(
        tou_tariff(),
        at(2024, 3, 1, 1),
        at(2024, 3, 1, 2),
        "1.00",
        SHANGHAI,
        0,
        profile={"valley": "0.90", "flat": "0.10"},
    )
    assert summary(b) == [("valley", None, "0.3000", "0.90"), ("flat", None, "0.6000", "0.10")]
    skewed = cost(
        tou_tariff(),
        at(2024, 3, 1, 1),
        at(2024, 3, 1, 2),
        "1.00",
        SHANGHAI,
        0,
        profile={"valley": "0.90", "sharp": "0.10"},
    )
    assert summary(skewed) == [
        ("valley", None, "0.3000", "0.90"),
        ("sharp", None, "1.2000", "0.10"),
    ]
    no_sharp = Tariff.from_dict(
        dict(tou_tariff().to_dict(), prices={k: v for k, v in PRICES.items() if k != "sharp"})
    )
    with pytest.raises(RuleViolation, match="sharp"):
        cost(
            no_sharp,
            at(2024, 3, 1, 1),
            at(2024, 3, 1, 2),
            "1.00",
            SHANGHAI,
            0,
            profile={"valley": "0.90", "sharp": "0.10"},
        )


def test_displayed_kwh_add_up_with_remainders_to_the_earliest_lines():
    b = cost(tou_tariff(), at(2024, 3, 1, 5), at(2024, 3, 1, 8), "0.10", SHANGHAI, 0)
    # valley 1 h, flat 2 h: exact 0.0333... and 0.0666...; the missing 0.01 goes to flat.
    assert [str(ln.kwh) for ln in b.lines] == ["0.03", "0.07"]
    b = cost(Tariff.flat("1"), at(2024, 3, 1), at(2024, 3, 2), "0.01", SHANGHAI, 0)
    assert [str(ln.kwh) for ln in b.lines] == ["0.01"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": datetime(2024, 3, 1)}, "start"),
        ({"end": at(2024, 3, 1)}, "end"),
        ({"energy_kwh": "-1.00"}, "energy_kwh"),
        ({"energy_kwh": 1.5}, "energy_kwh"),
        ({"energy_kwh": "1.005"}, "energy_kwh"),
        ({"cumulative_before": "-1"}, "cumulative_before"),
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"profile": {"valley": "0.50"}}, "profile"),
        ({"profile": {"dusk": "1.00"}}, "profile.dusk"),
    ],
)
def test_invalid_arguments(kwargs, field):
    args = {
        "tariff": tou_tariff(),
        "start": at(2024, 3, 1),
        "end": at(2024, 3, 1, 1),
        "energy_kwh": "1.00",
        "tz": SHANGHAI,
        "cumulative_before": 0,
        **kwargs,
    }
    with pytest.raises(InvalidValue) as caught:
        cost(**args)
    assert caught.value.field == field
