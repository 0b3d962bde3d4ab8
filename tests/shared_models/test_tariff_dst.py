"""Bands and tier periods across daylight-saving changes (Europe/Berlin)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from shared_models.tariffs import Tariff, cost, period_start
from tests.shared_models.test_tariff_cost import TIERS, at, summary, tou_tariff

BERLIN = ZoneInfo("Europe/Berlin")


BERLIN_PLAN = [["00:00", "02:30", "valley"], ["02:30", "04:00", "peak"], ["04:00", "24:00", "flat"]]


def test_spring_forward_skips_the_missing_hour():
    # 2024-03-31 02:00 CET jumps to 03:00 CEST: 4 real hours from 00:00 to 05:00 local.
    b = cost(
        tou_tariff(BERLIN_PLAN),
        at(2024, 3, 31, tz=BERLIN),
        at(2024, 3, 31, 5, tz=BERLIN),
        "4.00",
        BERLIN,
        0,
    )
    assert summary(b) == [
        ("valley", None, "0.3000", "2.00"),
        ("peak", None, "0.9000", "1.00"),
        ("flat", None, "0.6000", "1.00"),
    ]


def test_fall_back_charges_the_repeated_hour_in_its_band_twice():
    plan = [["00:00", "02:00", "valley"], ["02:00", "03:00", "peak"], ["03:00", "24:00", "flat"]]
    # 2024-10-27 03:00 CEST falls back to 02:00 CET: 7 real hours from 00:00 to 06:00 local.
    b = cost(
        tou_tariff(plan),
        at(2024, 10, 27, tz=BERLIN),
        at(2024, 10, 27, 6, tz=BERLIN),
        "7.00",
        BERLIN,
        0,
    )
    assert summary(b) == [
        ("valley", None, "0.3000", "2.00"),
        ("peak", None, "0.9000", "2.00"),
        ("flat", None, "0.6000", "3.00"),
    ]


def test_tier_period_starts_at_local_midnight_in_summer_time():
    tariff = Tariff.from_dict({"prices": {"flat": "0.5000"}, "tiers": TIERS})
    start = period_start(tariff, at(2024, 4, 15, tz=BERLIN), BERLIN)
    assert start == at(2024, 4, 1, tz=BERLIN)
    assert start.utcoffset().total_seconds() == 0 and start.hour == 22  # 00:00 CEST in UTC
