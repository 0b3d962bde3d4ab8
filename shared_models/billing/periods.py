"""Billing periods, pure: a site's monthly cut-off in its local time, and due dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from shared_models.errors import InvalidValue


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, cut at local midnight of the cut-off day; `label` is the month the
    period ends in ("2026-11")."""

    start: datetime
    end: datetime
    label: str


def _cutoff(year: int, month: int, day: int, zone: ZoneInfo) -> datetime:
    return datetime(year, month, day, tzinfo=zone).astimezone(UTC)


def period_ending(cutoff: date, cutoff_day: int, timezone: str) -> Period:
    """The period that ends at the cut-off on `cutoff` (a date whose day is the cut-off day)."""
    if not 1 <= cutoff_day <= 28:
        raise InvalidValue("The cut-off day must lie within 1-28.", field="bill_cutoff_day")
    if cutoff.day != cutoff_day:
        raise InvalidValue("The site's bills are cut on day {day} of the month.", field="cutoff",
                           day=cutoff_day)
    if not 2000 <= cutoff.year <= 2999:
        raise InvalidValue("The cut-off must lie within the years 2000-2999.", field="cutoff")
    zone = ZoneInfo(timezone)
    year, month = (cutoff.year, cutoff.month - 1) if cutoff.month > 1 else (cutoff.year - 1, 12)
    end = _cutoff(cutoff.year, cutoff.month, cutoff_day, zone)
    last_day = (datetime(cutoff.year, cutoff.month, 1) - timedelta(days=1)).date()
    label = f"{last_day.year:04d}-{last_day.month:02d}" if cutoff_day == 1 else \
        f"{cutoff.year:04d}-{cutoff.month:02d}"
    return Period(_cutoff(year, month, cutoff_day, zone), end, label)


def latest_cutoff(today: date, cutoff_day: int) -> date:
    """The newest cut-off date on or before `today`."""
    if today.day >= cutoff_day:
        return today.replace(day=cutoff_day)
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return date(year, month, cutoff_day)


def due_date(released: datetime, due_days: int, timezone: str) -> date:
    """The last day to pay: `due_days` local days after the release."""
    return released.astimezone(ZoneInfo(timezone)).date() + timedelta(days=due_days)
