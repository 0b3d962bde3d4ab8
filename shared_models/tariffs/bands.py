"""Time-of-use bands (尖峰平谷) and the daily plan that maps local time of day to a band."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from shared_models.tariffs._fields import expect, invalid

MINUTES_PER_DAY = 24 * 60


class Band(StrEnum):
    """A price band of a time-of-use tariff."""

    SHARP = "sharp"  # 尖
    PEAK = "peak"  # 峰
    FLAT = "flat"  # 平
    VALLEY = "valley"  # 谷


def parse_band(value: object, field_name: str) -> Band:
    try:
        return Band(value)
    except ValueError:
        names = ", ".join(b.value for b in Band)
        raise invalid(field_name, f"unknown band {value!r} (expected one of {names})") from None


def parse_clock(value: object, field_name: str) -> int:
    """'HH:MM' local wall time as minutes after midnight; '24:00' is the end of the day."""
    expect(value, str, field_name, "a 'HH:MM' string")
    hours, sep, minutes = str(value).partition(":")
    if not (sep and len(hours) == 2 and len(minutes) == 2 and (hours + minutes).isdigit()):
        raise invalid(field_name, f"not a 'HH:MM' time: {value!r}")
    total = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or total > MINUTES_PER_DAY:
        raise invalid(field_name, f"not a time of day: {value!r}")
    return total


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class BandPeriod:
    """[start, end) in minutes after local midnight; end <= start wraps past midnight."""

    start: int
    end: int
    band: Band

    def __post_init__(self) -> None:
        object.__setattr__(self, "band", parse_band(self.band, "band"))


@dataclass(frozen=True)
class DayPlan:
    """Bands over one local day; the periods must cover 24 h without gaps or overlaps."""

    periods: tuple[BandPeriod, ...]
    # Sorted, non-wrapping pieces (start, end, band) derived from periods, for lookups.
    _pieces: tuple[tuple[int, int, Band], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "periods", tuple(self.periods))
        object.__setattr__(self, "_pieces", _cover_day(self.periods))

    @classmethod
    def from_rows(cls, rows: object) -> DayPlan:
        """Rows of ('HH:MM', 'HH:MM', band), as stored in JSON."""
        expect(rows, (list, tuple), "", "a list of [start, end, band] rows")
        periods = []
        for i, row in enumerate(rows):  # type: ignore[arg-type]
            where = f"[{i}]"
            expect(row, (list, tuple), where, "a [start, end, band] row")
            if len(row) != 3:
                raise invalid(where, "must have 3 items: start, end, band")
            start = parse_clock(row[0], f"{where}.start")
            end = parse_clock(row[1], f"{where}.end")
            if start == MINUTES_PER_DAY:
                raise invalid(f"{where}.start", "24:00 can only end a period")
            periods.append(BandPeriod(start, end, parse_band(row[2], f"{where}.band")))
        return cls(tuple(periods))

    @classmethod
    def single(cls, band: Band) -> DayPlan:
        return cls((BandPeriod(0, MINUTES_PER_DAY, band),))

    def to_rows(self) -> list[list[str]]:
        return [[format_clock(p.start), format_clock(p.end), p.band.value] for p in self.periods]

    def bands(self) -> set[Band]:
        return {p.band for p in self.periods}

    def lookup(self, time_of_day: timedelta) -> tuple[Band, int]:
        """The band at a wall time of day and the minute (maybe 1440) at which its period ends."""
        for _start, end, band in self._pieces:
            if time_of_day < timedelta(minutes=end):
                return band, end
        raise AssertionError("a validated plan covers the whole day")


def _cover_day(periods: Sequence[BandPeriod]) -> tuple[tuple[int, int, Band], ...]:
    if not periods:
        raise invalid("", "a day plan needs at least one period")
    pieces = sorted(_unwrap(periods))
    cursor = 0
    for start, end, _band in pieces:
        if start > cursor:
            raise invalid("", f"{format_clock(cursor)}-{format_clock(start)} is not covered")
        if start < cursor:
            raise invalid("", f"periods overlap at {format_clock(start)}")
        cursor = end
    if cursor != MINUTES_PER_DAY:
        raise invalid("", f"{format_clock(cursor)}-24:00 is not covered")
    return tuple(pieces)


def _unwrap(periods: Iterable[BandPeriod]) -> Iterable[tuple[int, int, Band]]:
    for i, p in enumerate(periods):
        if not (0 <= p.start < MINUTES_PER_DAY and 0 <= p.end <= MINUTES_PER_DAY):
            raise invalid(f"[{i}]", "times must lie within 00:00-24:00")
        if p.start == p.end or (p.start == 0 and p.end == 0):
            raise invalid(f"[{i}]", "a period cannot be empty")
        if p.end > p.start:
            yield p.start, p.end, p.band
            continue
        # 22:00-06:00 style periods run past midnight (次日).
        yield p.start, MINUTES_PER_DAY, p.band
        if p.end:
            yield 0, p.end, p.band
