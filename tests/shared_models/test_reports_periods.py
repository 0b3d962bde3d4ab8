"""Report periods: how dates are written, and the UTC instants of each site's local midnight."""

from datetime import UTC, date, datetime

import pytest

from shared_models.errors import InvalidValue
from shared_models.reports.periods import Unit, parse_period, period_key
from shared_models.tariffs.localtime import local_midnight


@pytest.mark.parametrize(("unit", "on", "first", "end"), [
    ("day", "2025-03-01", date(2025, 3, 1), date(2025, 3, 2)),
    ("day", "2024-12-31", date(2024, 12, 31), date(2025, 1, 1)),
    ("month", "2025-02", date(2025, 2, 1), date(2025, 3, 1)),
    ("month", "2025-12", date(2025, 12, 1), date(2026, 1, 1)),
    ("year", "2024", date(2024, 1, 1), date(2025, 1, 1)),
])
def test_one_period(unit, on, first, end):
    period = parse_period(unit, on)
    assert (period.unit, period.first, period.end) == (Unit(unit), first, end)


def test_a_range_is_inclusive_of_its_last_period():
    period = parse_period("month", start="2025-01", stop="2025-03")
    assert (period.first, period.end, period.last) == (date(2025, 1, 1), date(2025, 4, 1),
                                                        date(2025, 3, 31))


@pytest.mark.parametrize(("unit", "kwargs", "field"), [
    ("day", {}, "date"),
    ("day", {"start": "2025-03-01"}, "to"),
    ("day", {"stop": "2025-03-01"}, "from"),
    ("day", {"on": "2025-03-01", "start": "2025-03-01"}, "date"),
    ("day", {"on": "2025-3-1"}, "date"),
    ("day", {"on": "2025-02-30"}, "date"),
    ("day", {"on": "2025-03"}, "date"),
    ("month", {"on": "2025-13"}, "date"),
    ("month", {"on": "2025-03-01"}, "date"),
    ("year", {"on": "25"}, "date"),
    ("year", {"on": "1969"}, "date"),
    ("year", {"on": "3000"}, "date"),
    ("day", {"start": "2025-03-02", "stop": "2025-03-01"}, "to"),
    ("day", {"start": "2025-03-01", "stop": "bad"}, "to"),
])
def test_bad_periods_are_refused_naming_the_field(unit, kwargs, field):
    with pytest.raises(InvalidValue) as refused:
        parse_period(unit, **kwargs)
    assert refused.value.field == field


def test_shanghai_midnight_is_four_pm_utc_the_day_before():
    start, end = parse_period("day", "2025-03-01").utc_range("Asia/Shanghai")
    assert start == datetime(2025, 2, 28, 16, tzinfo=UTC)
    assert end == datetime(2025, 3, 1, 16, tzinfo=UTC)


@pytest.mark.parametrize(("day", "hours"), [("2025-03-09", 23), ("2025-11-02", 25),
                                            ("2025-06-01", 24)])
def test_days_where_clocks_change_are_as_long_as_they_are(day, hours):
    start, end = parse_period("day", day).utc_range("America/New_York")
    assert (end - start).total_seconds() == hours * 3600


def test_a_month_in_london_starts_on_the_local_clock():
    start, end = parse_period("month", "2025-07").utc_range("Europe/London")
    assert start == datetime(2025, 6, 30, 23, tzinfo=UTC)  # BST, UTC+1
    assert end == datetime(2025, 7, 31, 23, tzinfo=UTC)


def test_a_skipped_midnight_starts_the_day_at_its_first_instant():
    # Chile moved its clocks from 00:00 to 01:00 on 2024-09-08: the day began at 04:00 UTC.
    assert local_midnight(date(2024, 9, 8), "America/Santiago") == datetime(2024, 9, 8, 4,
                                                                            tzinfo=UTC)


def test_period_keys():
    moment = datetime(2025, 3, 1, 23, 30)
    assert [period_key(unit, moment) for unit in Unit] == ["2025-03-01", "2025-03", "2025"]
