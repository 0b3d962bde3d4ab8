"""A meter's billable history: baselines, meter swaps, and tier-period usage, from readings alone.

A meter swap (换表) joins two registers into one history: the new meter's `new_start_reading`
at `swapped_at` is its first baseline, and the old meter's final reading closes its history,
so usage never steps backwards across a swap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import Row, select
from sqlalchemy.orm import Session, aliased

from shared_models.models import MeterState, MeterSwap, Reading
from shared_models.models.metering import ReadingQuality
from shared_models.tariffs import Band, TariffLike, cost, period_start

BANDS = (Band.SHARP, Band.PEAK, Band.FLAT, Band.VALLEY)  # rate registers 1-4


@dataclass(frozen=True)
class Point:
    """One known position of a meter's register: a reading, or a swap's start/final figure."""

    read_at: datetime
    total: Decimal
    registers: tuple[Decimal, Decimal, Decimal, Decimal] | None = None  # None: not measured
    balance: Decimal | None = None
    purchase_count: int | None = None
    reading_id: int | None = None
    quality: ReadingQuality = ReadingQuality.GOOD


def point_of(reading: Reading | Row) -> Point:
    return Point(reading.read_at, reading.total_energy,
                 (reading.energy_sharp, reading.energy_peak, reading.energy_flat,
                  reading.energy_valley),
                 reading.balance, reading.purchase_count, reading.id, reading.quality)


def billable(reading: Reading | Row) -> bool:
    """Regressed readings are kept for the record but never billed nor used as a baseline."""
    return reading.quality != ReadingQuality.REGRESSED


def swap_into(db: Session, meter_id: int) -> MeterSwap | None:
    """The latest swap that installed this meter, if any."""
    return db.scalar(select(MeterSwap).where(MeterSwap.new_meter_id == meter_id)
                     .order_by(MeterSwap.swapped_at.desc(), MeterSwap.id.desc()).limit(1))


def swaps_into(db: Session, meter_ids: list[int]) -> dict[int, MeterSwap]:
    """`swap_into` for many meters in one query: the latest swap that installed each."""
    swaps: dict[int, MeterSwap] = {}
    for swap in db.scalars(select(MeterSwap).where(MeterSwap.new_meter_id.in_(meter_ids))
                           .order_by(MeterSwap.swapped_at, MeterSwap.id)):
        swaps[swap.new_meter_id] = swap  # the latest wins
    return swaps


def swap_out_of(db: Session, meter_id: int) -> MeterSwap | None:
    """The swap that replaced this meter, if any."""
    return db.scalar(select(MeterSwap).where(MeterSwap.old_meter_id == meter_id)
                     .order_by(MeterSwap.id.desc()).limit(1))


def start_point(swap: MeterSwap) -> Point:
    return Point(swap.swapped_at, swap.new_start_reading)


def final_point(swap: MeterSwap) -> Point:
    return Point(swap.swapped_at, swap.old_final_reading)


def _billable_readings(meter_id: int):
    return select(Reading).where(Reading.meter_id == meter_id,
                                 Reading.quality != ReadingQuality.REGRESSED)


def last_billable(db: Session, meter_id: int, *, up_to_id: int | None = None,
                  before: datetime | None = None, until: datetime | None = None) -> Reading | None:
    stmt = _billable_readings(meter_id)
    if up_to_id is not None:
        stmt = stmt.where(Reading.id <= up_to_id)
    if before is not None:
        stmt = stmt.where(Reading.read_at < before)
    if until is not None:
        stmt = stmt.where(Reading.read_at <= until)
    return db.scalar(stmt.order_by(Reading.read_at.desc(), Reading.id.desc()).limit(1))


def baseline(db: Session, meter_id: int, up_to_id: int | None) -> Point | None:
    """Where billing of the readings after `up_to_id` starts: the last billable reading up to
    it, or the start reading of a later swap that installed the meter."""
    reading = last_billable(db, meter_id, up_to_id=up_to_id) if up_to_id is not None else None
    swap = swap_into(db, meter_id)
    if swap is not None and (reading is None or reading.read_at < swap.swapped_at):
        return start_point(swap)
    return point_of(reading) if reading is not None else None


def baselines(db: Session, meter_ids: list[int],
              swaps: dict[int, MeterSwap]) -> dict[int, Point | None]:
    """`baseline` of each meter at its settlement cursor, in one query (`swaps` from
    `swaps_into`)."""
    inner = aliased(Reading)
    last = (select(inner.id).where(inner.meter_id == MeterState.meter_id,
                                   inner.id <= MeterState.settled_reading_id,
                                   inner.quality != ReadingQuality.REGRESSED)
            .order_by(inner.read_at.desc(), inner.id.desc()).limit(1)
            .correlate(MeterState).scalar_subquery())
    at_cursor = select(last).where(MeterState.meter_id.in_(meter_ids),
                                   MeterState.settled_reading_id.is_not(None))
    table = Reading.__table__
    readings = {r.meter_id: r for r in db.execute(select(*table.c).where(table.c.id.in_(at_cursor)))}
    return {meter_id: baseline_of(readings.get(meter_id), swaps.get(meter_id)) for meter_id in meter_ids}


def baseline_of(reading: Reading | Row | None, swap: MeterSwap | None) -> Point | None:
    """Where billing starts, from the last billable reading at a cursor and the latest swap
    that installed the meter: the swap's start reading if it came later."""
    if swap is not None and (reading is None or reading.read_at < swap.swapped_at):
        return start_point(swap)
    return point_of(reading) if reading is not None else None


def profile_between(start: Point, end: Point) -> dict[Band, Decimal] | None:
    """Per-band energy from the rate registers, when they can be trusted for this interval.

    Not used across a swap (no registers), after a clock drift (the meter's bands follow its
    wrong clock), or when the registers disagree with the total; the engine then spreads
    uniformly in time.
    """
    if start.registers is None or end.registers is None:
        return None
    if ReadingQuality.CLOCK_DRIFT in (start.quality, end.quality):
        return None
    deltas = [b - a for a, b in zip(start.registers, end.registers, strict=True)]
    if any(d < 0 for d in deltas) or sum(deltas, Decimal(0)) != end.total - start.total:
        return None
    return {band: d for band, d in zip(BANDS, deltas, strict=True) if d}


class PeriodUsage:
    """Consumption already counted in a tier period (the engine's `cumulative_before`).

    Derived from readings: the register at the point, less the register where the period
    began; an interval straddling the period start is split exactly as the engine split it
    when it was billed. Cached per meter and period for one settlement run.
    """

    def __init__(self, db: Session) -> None:
        self.db = db
        self._bases: dict[tuple[int, datetime, datetime | None], Fraction] = {}

    def before(self, meter_id: int, tariff: TariffLike, tz: tzinfo | str, point: Point) -> Fraction:
        start = period_start(tariff, point.read_at, tz)
        base = self._base(meter_id, tariff, tz, start, None, point)
        return max(Fraction(point.total) - base, Fraction(0))

    def _base(self, meter_id: int, tariff: TariffLike, tz: tzinfo | str, start: datetime,
              until: datetime | None, point: Point) -> Fraction:
        key = (meter_id, start, until)
        if key not in self._bases:
            self._bases[key] = self._compute(meter_id, tariff, tz, start, until, point)
        return self._bases[key]

    def _compute(self, meter_id: int, tariff: TariffLike, tz: tzinfo | str, start: datetime,
                 until: datetime | None, point: Point) -> Fraction:
        swap = swap_into(self.db, meter_id)
        if swap is not None and until is not None and swap.swapped_at > until:
            swap = None
        if swap is not None and swap.swapped_at >= start:
            # The period began on the old meter: carry its usage in the period over.
            old = final_point(swap)
            carried = Fraction(old.total) - self._base(swap.old_meter_id, tariff, tz, start,
                                                       swap.swapped_at, old)
            return Fraction(swap.new_start_reading) - max(carried, Fraction(0))
        stmt = _billable_readings(meter_id).where(Reading.read_at >= start)
        if swap is not None:
            stmt = stmt.where(Reading.read_at >= swap.swapped_at)
        if until is not None:
            stmt = stmt.where(Reading.read_at <= until)
        first_reading = self.db.scalar(stmt.order_by(Reading.read_at, Reading.id).limit(1))
        first = point_of(first_reading) if first_reading is not None else point
        previous = last_billable(self.db, meter_id, before=start)
        prev = point_of(previous) if previous is not None else None
        if swap is not None and (prev is None or prev.read_at < swap.swapped_at):
            prev = start_point(swap)
        if prev is None or first.read_at <= start or first.total <= prev.total:
            return Fraction(first.total)
        straddle = cost(tariff, prev.read_at, first.read_at, first.total - prev.total, tz, 0,
                        profile_between(prev, first)).cumulative_after
        return Fraction(first.total) - straddle
