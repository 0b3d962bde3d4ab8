"""Site-local wall time: DST-safe conversions, band stepping and tier period bounds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared_models.tariffs._fields import invalid
from shared_models.tariffs.bands import Band
from shared_models.tariffs.tiers import TierPeriod
from shared_models.tariffs.time_of_use import TimeOfUse

DEFAULT_TIMEZONE = "Asia/Shanghai"
MICROSECOND = timedelta(microseconds=1)


def as_zone(tz: tzinfo | str) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid("tz", f"unknown time zone {tz!r}") from None


def as_utc(moment: object, field_name: str) -> datetime:
    """An aware datetime in UTC; naive datetimes are refused (their zone is unknowable)."""
    if not isinstance(moment, datetime):
        raise invalid(field_name, f"must be a datetime, got {type(moment).__name__}")
    if moment.utcoffset() is None:
        raise invalid(field_name, "must be timezone-aware")
    return moment.astimezone(UTC)


def micros(span: timedelta) -> int:
    return span // MICROSECOND


def first_instant_at(wall: datetime, tz: tzinfo) -> datetime:
    """The first instant whose wall time is `wall` or later (a skipped time maps to the jump)."""
    early, late = (wall.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1))
    exact = [c for c in (early, late) if c.astimezone(tz).replace(tzinfo=None) == wall]
    if exact:
        return min(exact)  # in a repeated hour the first occurrence
    return offset_change(min(early, late), max(early, late), tz)


def local_midnight(day: date, tz: tzinfo | str) -> datetime:
    """The instant (UTC) a local day starts: where midnight is skipped, the first instant after.
    The one rule for cutting days, months and years in a site's time (bills, reports, usage)."""
    return first_instant_at(datetime.combine(day, time()), as_zone(tz))


def offset_change(low: datetime, high: datetime, tz: tzinfo) -> datetime:
    """The first instant in (low, high] whose UTC offset differs from low's (by bisection)."""
    offset = low.astimezone(tz).utcoffset()
    lo, hi = 0, micros(high - low)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if (low + mid * MICROSECOND).astimezone(tz).utcoffset() == offset:
            lo = mid
        else:
            hi = mid
    return low + hi * MICROSECOND


def band_span(tou: TimeOfUse, instant: datetime, tz: tzinfo) -> tuple[Band, datetime]:
    """The band in force at `instant` and the next instant at which it may change.

    Steps forward by the wall-clock distance to the period's end; if the UTC offset changes
    on the way (DST), stops at the change so the next step restarts from the new wall time.
    That handles skipped hours (bands jumped over) and repeated hours (bands charged twice).
    """
    local = instant.astimezone(tz)
    wall = local.replace(tzinfo=None)
    midnight = datetime.combine(wall.date(), time())
    band, end_minute = tou.plan_for(wall.date()).lookup(wall - midnight)
    candidate = instant + (midnight + timedelta(minutes=end_minute) - wall)
    if candidate.astimezone(tz).utcoffset() != local.utcoffset():
        candidate = offset_change(instant, candidate, tz)
    return band, candidate


def period_bounds(period: TierPeriod, instant: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) of the month or year containing `instant`, cut at local midnight of day 1."""
    day = instant.astimezone(tz).date()
    if period is TierPeriod.YEAR:
        first, following = date(day.year, 1, 1), date(day.year + 1, 1, 1)
    else:
        first = day.replace(day=1)
        following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return tuple(  # type: ignore[return-value]
        local_midnight(d, tz) for d in (first, following)
    )
