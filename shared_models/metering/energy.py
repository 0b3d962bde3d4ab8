"""Energy per local day or month, for a meter or an account, from the readings.

The register is read at each local midnight (or first of the month) by interpolating, in
time, between the readings either side; a period's energy is the difference between its two
ends. Each end is rounded to 0.01 kWh before differencing, so the periods add up exactly to
the whole range and never go negative. A meter's own history ends at the final reading of a
swap that replaced it and starts at the start reading of a swap that installed it; a meter's
figures include the meters it replaced, and an account's every meter while it was attached,
so usage carries on across a swap (换表) without a step.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.errors import InvalidValue
from shared_models.metering.meter_history import (
    Point,
    final_point,
    point_of,
    start_point,
    swap_into,
    swap_out_of,
)
from shared_models.models import AccountMeter, Meter, Reading, Site, TenantAccount
from shared_models.models.metering import ReadingQuality
from shared_models.tariffs.localtime import local_midnight
from shared_models.tariffs.rounding import round_exact

MAX_PERIODS = 400
FAR_PAST = datetime(1970, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


class Granularity(enum.StrEnum):
    DAY = "day"
    MONTH = "month"


@dataclass(frozen=True)
class EnergyRow:
    period: date  # the local day, or the first day of the local month
    energy: Decimal  # kWh


@dataclass(frozen=True)
class _Span:
    meter_id: int
    start: datetime
    end: datetime
    swap_in: Point | None
    swap_out: Point | None


def periods(granularity: Granularity, first: date, last: date) -> list[date]:
    """The period starts from `first` to `last` inclusive, plus the start after `last`."""
    if last < first:
        raise InvalidValue("The range ends before it starts.", field="to")
    step = (lambda d: d + timedelta(days=1)) if granularity == Granularity.DAY else (
        lambda d: (d.replace(day=1) + timedelta(days=32)).replace(day=1))
    current = first if granularity == Granularity.DAY else first.replace(day=1)
    starts = [current]
    while starts[-1] <= last:
        starts.append(step(starts[-1]))
        if len(starts) > MAX_PERIODS + 1:
            raise InvalidValue("At most {limit} periods at a time.", field="to", limit=MAX_PERIODS)
    return starts


def meter_energy(db: Session, meter_id: int, granularity: Granularity, first: date,
                 last: date) -> list[EnergyRow]:
    """A meter's usage, carried back through the meters it replaced."""
    spans, current = [], db.get(Meter, meter_id)
    seen: set[int] = set()
    while current is not None and current.id not in seen:
        seen.add(current.id)
        spans.append(_own_span(db, current.id, FAR_PAST, FAR_FUTURE))
        swap = swap_into(db, current.id)
        current = db.get(Meter, swap.old_meter_id) if swap is not None else None
    site = db.get(Site, db.get(Meter, meter_id).site_id)
    return _rows(db, spans, site, granularity, first, last)


def account_energy(db: Session, account_id: int, granularity: Granularity, first: date,
                   last: date) -> list[EnergyRow]:
    """An account's usage: each of its meters while it was attached."""
    account = db.get(TenantAccount, account_id)
    return _rows(db, _account_spans(db, account_id), db.get(Site, account.site_id), granularity,
                 first, last)


def _account_spans(db: Session, account_id: int) -> list[_Span]:
    return [_own_span(db, link.meter_id, link.attached_at, link.detached_at or FAR_FUTURE)
            for link in db.scalars(select(AccountMeter).where(AccountMeter.account_id == account_id))]


def range_energy(db: Session, zone: str, first: date, last: date, *, meter_ids=(),
                 account_id: int | None = None) -> Decimal:
    """Usage over the local days `first`..`last` (inclusive) in one sum, two register values
    per meter: of each meter's own history (so meters that replaced one another add up without
    counting twice), or of an account's meters while they were attached to it."""
    if last < first:
        raise InvalidValue("The range ends before it starts.", field="to")
    spans = [_own_span(db, meter_id, FAR_PAST, FAR_FUTURE) for meter_id in meter_ids]
    if account_id is not None:
        spans += _account_spans(db, account_id)
    start, end = local_midnight(first, ZoneInfo(zone)), local_midnight(last + timedelta(days=1),
                                                                        ZoneInfo(zone))
    total = Decimal("0.00")
    for span in spans:
        if span.end < span.start:
            continue
        low = _value_at(db, span, min(max(start, span.start), span.end))
        high = _value_at(db, span, min(max(end, span.start), span.end))
        if low is not None and high is not None:
            total += max(high - low, Decimal("0.00"))
    return total


def _own_span(db: Session, meter_id: int, start: datetime, end: datetime) -> _Span:
    swap_in, swap_out = swap_into(db, meter_id), swap_out_of(db, meter_id)
    if swap_in is not None:
        start = max(start, swap_in.swapped_at)
    if swap_out is not None:
        end = min(end, swap_out.swapped_at)
    return _Span(meter_id, start, end, start_point(swap_in) if swap_in else None,
                 final_point(swap_out) if swap_out else None)


def _rows(db: Session, spans: list[_Span], site: Site, granularity: Granularity, first: date,
          last: date) -> list[EnergyRow]:
    zone = ZoneInfo(site.timezone)
    starts = periods(granularity, first, last)
    bounds = [local_midnight(d, zone) for d in starts]
    totals = [Decimal("0.00")] * (len(starts) - 1)
    for span in spans:
        if span.end < span.start:
            continue
        values = [_value_at(db, span, min(max(b, span.start), span.end)) for b in bounds]
        for i in range(len(totals)):
            if values[i] is not None and values[i + 1] is not None:
                totals[i] += max(values[i + 1] - values[i], Decimal("0.00"))
    return [EnergyRow(d, total) for d, total in zip(starts, totals, strict=False)]


def _value_at(db: Session, span: _Span, at: datetime) -> Decimal | None:
    """The register at `at` (rounded to 0.01 kWh), None when the meter has no data at all."""
    billable = select(Reading).where(Reading.meter_id == span.meter_id,
                                     Reading.quality != ReadingQuality.REGRESSED,
                                     Reading.read_at >= span.start, Reading.read_at <= span.end)
    before = db.scalar(billable.where(Reading.read_at <= at)
                       .order_by(Reading.read_at.desc(), Reading.id.desc()).limit(1))
    after = db.scalar(billable.where(Reading.read_at >= at)
                      .order_by(Reading.read_at, Reading.id).limit(1))
    low = point_of(before) if before is not None else span.swap_in
    high = point_of(after) if after is not None else span.swap_out
    if low is None and high is None:
        return None
    if low is None or high is None or high.read_at <= low.read_at or high.total <= low.total:
        return (low or high).total
    share = Fraction(int((at - low.read_at).total_seconds() * 1_000_000),
                     int((high.read_at - low.read_at).total_seconds() * 1_000_000))
    return round_exact(Fraction(low.total) + (Fraction(high.total) - Fraction(low.total)) * share)
