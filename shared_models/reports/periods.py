"""Report periods: local days, months and years of a site, and the UTC instants that bound them."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime

from shared_models.errors import InvalidValue
from shared_models.tariffs.localtime import local_midnight

# Far enough either way for any books, near enough that a day's edge never overflows datetime.
EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)


class Unit(enum.StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


_FORMS = {Unit.DAY: (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "YYYY-MM-DD"),
          Unit.MONTH: (re.compile(r"^\d{4}-\d{2}$"), "YYYY-MM"),
          Unit.YEAR: (re.compile(r"^\d{4}$"), "YYYY")}


@dataclass(frozen=True)
class Period:
    """Whole local days [first, end) cut into rows of `unit` (a day, a month or a year each)."""

    unit: Unit
    first: date
    end: date  # exclusive

    @property
    def last(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)

    def utc_range(self, timezone: str) -> tuple[datetime, datetime]:
        """The instants of local midnight opening the first day and closing the last one."""
        return local_midnight(self.first, timezone), local_midnight(self.end, timezone)


def period_key(unit: Unit, local: datetime | date) -> str:
    """The label of the row a local moment falls in: "2025-03-01", "2025-03" or "2025"."""
    if unit is Unit.YEAR:
        return f"{local.year:04d}"
    if unit is Unit.MONTH:
        return f"{local.year:04d}-{local.month:02d}"
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d}"


def parse_period(unit: str | Unit = Unit.DAY, on: str | None = None, start: str | None = None,
                 stop: str | None = None) -> Period:
    """A period from `date` alone, or from `from` and `to` (inclusive), each written as the unit
    is (2025-03-01, 2025-03 or 2025)."""
    unit = Unit(unit)
    if on is not None and (start is not None or stop is not None):
        raise InvalidValue("Give either date, or from and to, not both.", field="date")
    if on is not None:
        start = stop = on
        field_first = field_last = "date"
    elif start is None or stop is None:
        raise InvalidValue("Give date, or both from and to.", field="date" if start is None and stop
                           is None else ("from" if start is None else "to"))
    else:
        field_first, field_last = "from", "to"
    first = _first_day(unit, start, field_first)
    end = _next(unit, _first_day(unit, stop, field_last))
    if end <= first:
        raise InvalidValue("The end of the period comes before its start.", field="to")
    return Period(unit, first, end)


def _first_day(unit: Unit, text: str, field: str) -> date:
    pattern, form = _FORMS[unit]
    try:
        if not pattern.match(text):
            raise ValueError(text)
        parts = [int(part) for part in text.split("-")] + [1, 1]
        day = date(parts[0], parts[1], parts[2])
    except ValueError:
        raise InvalidValue("{value} is not a date written {form}.", field=field, value=text,
                           form=form) from None
    if not EARLIEST <= day <= LATEST:
        raise InvalidValue("Dates must lie between {earliest} and {latest}.", field=field,
                           earliest=EARLIEST.isoformat(), latest=LATEST.isoformat())
    return day


def _next(unit: Unit, day: date) -> date:
    if unit is Unit.DAY:
        return date.fromordinal(day.toordinal() + 1)
    if unit is Unit.MONTH:
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return date(day.year + 1, 1, 1)
