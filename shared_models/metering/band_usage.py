"""An account's usage per local day or month split by time-of-use band, from the meters' rate
registers, carried across meter swaps (each meter counts while it was attached).

A period's figure per band is the register at the period's end less the register at its
start, each taken from the last good reading at or before that instant within the meter's
time on the account (the first reading in it, before the meter's first reading). A meter
without rate registers that agree with its total counts as flat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.metering.energy import FAR_FUTURE, Granularity, periods
from shared_models.models import AccountMeter, Reading, Site, TenantAccount
from shared_models.models.metering import ReadingQuality
from shared_models.tariffs import Band
from shared_models.tariffs.localtime import local_midnight

BANDS = (Band.SHARP, Band.PEAK, Band.FLAT, Band.VALLEY)
ZERO = Decimal("0.00")
_GOOD = (ReadingQuality.GOOD, ReadingQuality.CATCH_UP)


@dataclass(frozen=True)
class BandRow:
    period: date
    bands: dict[Band, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.bands.values(), ZERO)


def _registers(reading: Reading | None) -> tuple[Decimal, ...] | None:
    if reading is None:
        return None
    bands = (reading.energy_sharp, reading.energy_peak, reading.energy_flat, reading.energy_valley)
    if sum(bands, ZERO) != reading.total_energy:
        return (ZERO, ZERO, reading.total_energy, ZERO)  # no usable split: all of it flat
    return bands


def _at(db: Session, meter_id: int, moment: datetime, start: datetime) -> tuple[Decimal, ...] | None:
    """The registers at `moment`: the last good reading at or before it after `start`, else the
    first one after `start` (nothing was used before the meter was first read)."""
    good = (Reading.meter_id == meter_id, Reading.quality.in_(_GOOD), Reading.read_at >= start)
    before = db.scalar(select(Reading).where(*good, Reading.read_at <= moment)
                       .order_by(Reading.read_at.desc()).limit(1))
    if before is not None:
        return _registers(before)
    return _registers(db.scalar(select(Reading).where(*good).order_by(Reading.read_at).limit(1)))


def account_band_usage(db: Session, account_id: int, granularity: Granularity, first: date,
                       last: date) -> list[BandRow]:
    """Per period from `first` to `last` (local days, or months starting on their first day),
    kWh per band for every meter while it was attached to the account."""
    account = db.get(TenantAccount, account_id)
    zone = ZoneInfo(db.get(Site, account.site_id).timezone)
    starts = periods(granularity, first, last)
    bounds = [local_midnight(d, zone) for d in starts]
    rows = [dict.fromkeys(BANDS, ZERO) for _ in starts[:-1]]
    for link in db.scalars(select(AccountMeter).where(AccountMeter.account_id == account_id)):
        end = link.detached_at or FAR_FUTURE
        if end <= bounds[0] or link.attached_at >= bounds[-1]:
            continue
        values = [_at(db, link.meter_id, min(max(b, link.attached_at), end), link.attached_at)
                  for b in bounds]
        for i, row in enumerate(rows):
            if values[i] is None or values[i + 1] is None:
                continue
            for band, a, b in zip(BANDS, values[i], values[i + 1], strict=True):
                row[band] += max(b - a, ZERO)
    return [BandRow(d, row) for d, row in zip(starts, rows, strict=False)]
