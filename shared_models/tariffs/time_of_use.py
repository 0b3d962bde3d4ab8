"""Time-of-use calendar: a default day plan, seasons by month-day and holidays."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from shared_models.tariffs._fields import at, expect, invalid
from shared_models.tariffs.bands import Band, DayPlan

MonthDay = tuple[int, int]


def parse_month_day(value: object, field_name: str) -> MonthDay:
    """'MM-DD' (02-29 allowed: it only matters in leap years)."""
    expect(value, str, field_name, "an 'MM-DD' string")
    month, sep, day = str(value).partition("-")
    if not (sep and len(month) == 2 and len(day) == 2 and (month + day).isdigit()):
        raise invalid(field_name, f"not an 'MM-DD' date: {value!r}")
    try:
        date(2000, int(month), int(day))  # 2000 is a leap year
    except ValueError:
        raise invalid(field_name, f"no such day: {value!r}") from None
    return int(month), int(day)


def format_month_day(value: MonthDay) -> str:
    return f"{value[0]:02d}-{value[1]:02d}"


@dataclass(frozen=True)
class Season:
    """Days from `start` to `end` (inclusive, may wrap past new year) use their own plan."""

    name: str
    start: MonthDay
    end: MonthDay
    plan: DayPlan

    def contains(self, day: date) -> bool:
        key = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= key <= self.end
        return key >= self.start or key <= self.end

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "from": format_month_day(self.start),
            "to": format_month_day(self.end),
            "day_plan": self.plan.to_rows(),
        }

    @classmethod
    def from_dict(cls, data: object) -> Season:
        expect(data, Mapping, "", "an object")
        assert isinstance(data, Mapping)
        name = data.get("name", "")
        expect(name, str, "name", "a string")
        with at("day_plan"):
            plan = DayPlan.from_rows(data.get("day_plan"))
        return cls(
            name,
            parse_month_day(data.get("from"), "from"),
            parse_month_day(data.get("to"), "to"),
            plan,
        )


@dataclass(frozen=True)
class TimeOfUse:
    """Which day plan applies on a local date: holiday plan > season plan > default plan."""

    plan: DayPlan
    seasons: tuple[Season, ...] = ()
    holidays: frozenset[date] = frozenset()
    holiday_plan: DayPlan | None = None
    _season_of_day: dict[MonthDay, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "seasons", tuple(self.seasons))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if self.holidays and self.holiday_plan is None:
            raise invalid("holiday_plan", "holidays are listed but no holiday plan is given")
        object.__setattr__(self, "_season_of_day", _index_seasons(self.seasons))

    def plan_for(self, day: date) -> DayPlan:
        if day in self.holidays and self.holiday_plan is not None:
            return self.holiday_plan
        index = self._season_of_day.get((day.month, day.day))
        return self.plan if index is None else self.seasons[index].plan

    def bands(self) -> set[Band]:
        plans = [self.plan, *(s.plan for s in self.seasons)]
        if self.holiday_plan is not None:
            plans.append(self.holiday_plan)
        return set().union(*(p.bands() for p in plans))

    def to_dict(self) -> dict[str, object]:
        return {
            "day_plan": self.plan.to_rows(),
            "seasons": [s.to_dict() for s in self.seasons],
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "holiday_plan": None if self.holiday_plan is None else self.holiday_plan.to_rows(),
        }

    @classmethod
    def from_dict(cls, data: object) -> TimeOfUse:
        expect(data, Mapping, "", "an object")
        assert isinstance(data, Mapping)
        with at("day_plan"):
            plan = DayPlan.from_rows(data.get("day_plan"))
        raw_seasons = data.get("seasons", [])
        expect(raw_seasons, list, "seasons", "a list")
        seasons = []
        for i, raw in enumerate(raw_seasons):
            with at(f"seasons[{i}]"):
                seasons.append(Season.from_dict(raw))
        raw_holidays = data.get("holidays", [])
        expect(raw_holidays, list, "holidays", "a list of 'YYYY-MM-DD' dates")
        holidays = {_parse_date(v, f"holidays[{i}]") for i, v in enumerate(raw_holidays)}
        holiday_plan = None
        if data.get("holiday_plan") is not None:
            with at("holiday_plan"):
                holiday_plan = DayPlan.from_rows(data["holiday_plan"])
        return cls(plan, tuple(seasons), frozenset(holidays), holiday_plan)


def _parse_date(value: object, field_name: str) -> date:
    expect(value, str, field_name, "a 'YYYY-MM-DD' string")
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise invalid(field_name, f"not a 'YYYY-MM-DD' date: {value!r}") from None


def _index_seasons(seasons: tuple[Season, ...]) -> dict[MonthDay, int]:
    owner: dict[MonthDay, int] = {}
    day = date(2000, 1, 1)  # a leap year, so 02-29 is checked too
    while day.year == 2000:
        key = (day.month, day.day)
        for i, season in enumerate(seasons):
            if season.contains(day):
                if key in owner:
                    raise invalid(
                        f"seasons[{i}]",
                        f"overlaps seasons[{owner[key]}] on {key[0]:02d}-{key[1]:02d}",
                    )
                owner[key] = i
        day += timedelta(days=1)
    return owner
