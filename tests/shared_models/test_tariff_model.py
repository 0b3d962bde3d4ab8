"""Tariff model: construction, JSON round trip, validation errors naming the field."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shared_models.errors import InvalidValue, RuleViolation
from shared_models.tariffs import (
    Band,
    DayPlan,
    Tariff,
    TariffSchedule,
    TariffVersion,
    TimeOfUse,
    choose_tariff,
)

PRICES = {"sharp": "1.2000", "peak": "0.9000", "flat": "0.6000", "valley": "0.3000"}
DAY = [["22:00", "06:00", "valley"], ["06:00", "18:00", "flat"], ["18:00", "22:00", "peak"]]


def document(**changes: object) -> dict:
    doc = {
        "prices": dict(PRICES),
        "time_of_use": {
            "day_plan": DAY,
            "seasons": [
                {
                    "name": "summer",
                    "from": "07-01",
                    "to": "08-31",
                    "day_plan": [
                        ["00:00", "11:00", "valley"],
                        ["11:00", "13:00", "sharp"],
                        ["13:00", "24:00", "peak"],
                    ],
                }
            ],
            "holidays": ["2024-10-01", "2024-10-02"],
            "holiday_plan": [["00:00", "24:00", "valley"]],
        },
        "tiers": {
            "period": "month",
            "blocks": [
                {"up_to": "230", "increment": "0"},
                {"up_to": "400", "increment": "0.05"},
                {"up_to": None, "increment": "0.3"},
            ],
        },
        "monthly_charge": "12.50",
        "power_factor_standard": "0.85",
    }
    doc.update(changes)
    return doc


def test_round_trip_through_json_text():
    tariff = Tariff.from_dict(document())
    again = Tariff.from_dict(json.loads(json.dumps(tariff.to_dict())))
    assert again == tariff
    assert again.to_dict() == tariff.to_dict()
    assert tariff.to_dict()["tiers"]["blocks"][0] == {"up_to": "230.00", "increment": "0.0000"}


def test_equal_tariffs_hash_alike():
    assert len({Tariff.from_dict(document()), Tariff.from_dict(document())}) == 1


def test_flat_tariff_prices_every_band_alike():
    tariff = Tariff.flat("0.5800")
    assert tariff.price_for(Band.PEAK) == Decimal("0.5800")
    assert Tariff.from_dict(tariff.to_dict()) == tariff


def test_wrapping_period_and_season_and_holiday_plans_are_chosen_by_date():
    tou = Tariff.from_dict(document()).time_of_use
    assert isinstance(tou, TimeOfUse)
    assert tou.plan_for(date(2024, 3, 5)).bands() == {Band.VALLEY, Band.FLAT, Band.PEAK}
    assert Band.SHARP in tou.plan_for(date(2024, 7, 1)).bands()
    assert Band.SHARP not in tou.plan_for(date(2024, 9, 1)).bands()
    assert tou.plan_for(date(2024, 10, 1)).bands() == {Band.VALLEY}


def test_season_may_wrap_past_new_year():
    doc = document()
    doc["time_of_use"]["seasons"][0].update({"from": "12-01", "to": "02-29"})
    tou = Tariff.from_dict(doc).time_of_use
    assert Band.SHARP in tou.plan_for(date(2025, 1, 15)).bands()
    assert Band.SHARP not in tou.plan_for(date(2025, 3, 1)).bands()


def _set(path: str, value: object) -> dict:
    doc = json.loads(json.dumps(document()))
    *parents, last = path.split("/")
    node = doc
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("prices/flat", "0.12345", "prices.flat"),
        ("prices/flat", 0.5, "prices.flat"),
        ("prices/flat", "-0.1", "prices.flat"),
        ("prices/flat", "abc", "prices.flat"),
        ("prices", {"flat": "0.5"}, "prices"),
        ("prices/purple", "0.5", "prices.purple"),
        ("time_of_use/day_plan/1", ["06:00", "17:00", "flat"], "time_of_use.day_plan"),
        ("time_of_use/day_plan/1", ["05:00", "18:00", "flat"], "time_of_use.day_plan"),
        ("time_of_use/day_plan/1", ["06:00", "25:00", "flat"], "time_of_use.day_plan[1].end"),
        ("time_of_use/day_plan/1", ["6:00", "18:00", "flat"], "time_of_use.day_plan[1].start"),
        ("time_of_use/day_plan/1", ["06:00", "18:00", "mid"], "time_of_use.day_plan[1].band"),
        ("time_of_use/day_plan/1", ["06:00", "18:00"], "time_of_use.day_plan[1]"),
        ("time_of_use/day_plan/1", ["06:00", "06:00", "flat"], "time_of_use.day_plan[1]"),
        ("time_of_use/seasons/0/from", "02-30", "time_of_use.seasons[0].from"),
        ("time_of_use/seasons/0/to", "0831", "time_of_use.seasons[0].to"),
        ("time_of_use/holidays/0", "2024-13-01", "time_of_use.holidays[0]"),
        ("time_of_use/holiday_plan", None, "time_of_use.holiday_plan"),
        ("tiers/blocks/1/up_to", "200", "tiers.blocks[1].up_to"),
        ("tiers/blocks/2/up_to", "500", "tiers.blocks[2].up_to"),
        ("tiers/blocks/1/up_to", None, "tiers.blocks[1].up_to"),
        ("tiers/blocks/1/increment", "0.00001", "tiers.blocks[1].increment"),
        ("tiers/period", "week", "tiers.period"),
        ("monthly_charge", "1.005", "monthly_charge"),
        ("power_factor_standard", "0.95", "power_factor_standard"),
        ("format", 2, "format"),
        ("colour", "red", "colour"),
    ],
)
def test_invalid_documents_name_the_field(path, value, field):
    with pytest.raises(InvalidValue) as caught:
        Tariff.from_dict(_set(path, value))
    assert caught.value.field == field
    assert str(caught.value).startswith(field)


def test_overlapping_seasons_are_refused():
    doc = document()
    season = dict(doc["time_of_use"]["seasons"][0], name="late summer", **{"from": "08-15"})
    season["to"] = "09-15"
    doc["time_of_use"]["seasons"].append(season)
    with pytest.raises(InvalidValue) as caught:
        Tariff.from_dict(doc)
    assert caught.value.field == "time_of_use.seasons[1]"


def test_day_plan_built_in_code_is_validated_too():
    with pytest.raises(InvalidValue, match="08:00-24:00 is not covered"):
        DayPlan.from_rows([["00:00", "08:00", "valley"]])


def test_schedule_picks_the_version_in_force():
    old, new = Tariff.flat("0.5000"), Tariff.flat("0.6000")
    schedule = TariffSchedule(
        (TariffVersion(date(2024, 1, 1), old), TariffVersion(date(2024, 6, 1), new))
    )
    # Local midnight in Shanghai is 16:00 UTC the day before.
    assert schedule.version_at(datetime(2024, 5, 31, 15, 59, tzinfo=UTC)) == old
    assert schedule.version_at(datetime(2024, 5, 31, 16, 0, tzinfo=UTC)) == new
    with pytest.raises(RuleViolation):
        schedule.version_at(datetime(2023, 12, 31, tzinfo=UTC))
    assert TariffSchedule.from_dict(json.loads(json.dumps(schedule.to_dict()))) == schedule


def test_schedule_refuses_naive_datetimes_and_twin_versions():
    with pytest.raises(InvalidValue, match="timezone-aware"):
        TariffSchedule.from_dict(
            {
                "versions": [
                    {"effective_from": "2024-01-01T00:00", "tariff": Tariff.flat("1").to_dict()}
                ]
            }
        )
    twins = TariffSchedule(
        (
            TariffVersion(date(2024, 1, 1), Tariff.flat("1")),
            TariffVersion(datetime(2023, 12, 31, 16, tzinfo=UTC), Tariff.flat("2")),
        )
    )
    with pytest.raises(InvalidValue) as caught:
        twins.version_at(datetime(2024, 2, 1, tzinfo=UTC))
    assert caught.value.field == "versions[1].effective_from"


def test_meter_override_beats_account_and_site():
    meter, account, site = Tariff.flat("0.9"), Tariff.flat("0.7"), Tariff.flat("0.5")
    assert choose_tariff(meter=meter, account=account, site=site) is meter
    assert choose_tariff(account=account, site=site) is account
    assert choose_tariff(site=site) is site
    with pytest.raises(RuleViolation):
        choose_tariff()
