"""An account's usage per local day or month split by time-of-use band, from the meters' rate
registers, carried across meter swaps (each meter counts while it was attached).

A period's figure per band is the register at the period's end less the register at its
start, each taken from the last good reading at or before that instant within the meter's
time on the account (the first reading in it, before the meter's first reading). A meter
without rate registers that agree with its total counts as flat.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, literal, select, union_all
from sqlalchemy.orm import Session

from shared_models.metering.energy import FAR_FUTURE, Granularity, periods
from shared_models.models import Reading, Site, TenantAccount
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


def _registers(sharp: Decimal, peak: Decimal, flat: Decimal, valley: Decimal,
               total: Decimal) -> tuple[Decimal, ...]:
    bands = (sharp, peak, flat, valley)
    if sum(bands, ZERO) != total:
        return (ZERO, ZERO, total, ZERO)  # no usable split: all of it flat
    return bands


def _registers_at(db: Session, wanted: list[tuple[int, datetime, datetime]]
                  ) -> list[tuple[Decimal, ...] | None]:
    """For each (meter, moment, since): the registers of the last good reading at or before
    `moment` and not before `since`, else of the first good reading from `since` on (nothing
    was used before the meter was first read). One statement for the lot: each answer is an
    index probe, and a home screen or a month of days would otherwise be dozens of round trips."""
    if not wanted:
        return []
    firsts = sorted({(meter_id, since) for meter_id, _, since in wanted})
    params = {}
    for key, (meter_id, moment, since) in enumerate(wanted):
        params |= {f"meter_{key}": meter_id, f"since_{key}": since, f"moment_{key}": moment}
    for key, (meter_id, since) in enumerate(firsts, start=len(wanted)):
        params |= {f"meter_{key}": meter_id, f"since_{key}": since}
    found = {row[0]: _registers(*row[1:])
             for row in db.execute(_probes(len(wanted), len(firsts)), params)}
    first_key = {pair: key for key, pair in enumerate(firsts, start=len(wanted))}
    return [found.get(key, found.get(first_key[(meter_id, since)]))
            for key, (meter_id, _, since) in enumerate(wanted)]


@functools.cache
def _probes(befores: int, firsts: int):
    """The statement for `befores` at-or-before probes and `firsts` first-reading probes, built
    once per shape (building it is most of its cost) with its values as parameters."""
    columns = (Reading.energy_sharp, Reading.energy_peak, Reading.energy_flat, Reading.energy_valley,
               Reading.total_energy)
    probes = []
    for key in range(befores + firsts):
        good = (Reading.meter_id == bindparam(f"meter_{key}"), Reading.quality.in_(_GOOD),
                Reading.read_at >= bindparam(f"since_{key}", type_=Reading.read_at.type))
        probe = select(literal(key).label("key"), *columns).where(*good)
        if key < befores:
            probe = probe.where(Reading.read_at <= bindparam(f"moment_{key}", type_=Reading.read_at.type)
                                ).order_by(Reading.read_at.desc())
        else:
            probe = probe.order_by(Reading.read_at)
        probes.append(probe.limit(1))
    # Each probe is wrapped as a subquery: SQLite refuses ORDER BY/LIMIT inside a bare UNION.
    return union_all(*(select(*probe.subquery().c) for probe in probes))


def account_band_usage(db: Session, account_id: int, granularity: Granularity, first: date,
                       last: date) -> list[BandRow]:
    """Per period from `first` to `last` (local days, or months starting on their first day),
    kWh per band for every meter while it was attached to the account."""
    account = db.get(TenantAccount, account_id)
    zone = ZoneInfo(db.get(Site, account.site_id).timezone)
    starts = periods(granularity, first, last)
    rows, _ = _between(db, account, [local_midnight(d, zone) for d in starts])
    return [BandRow(d, row) for d, row in zip(starts, rows, strict=False)]


def account_band_total(db: Session, account: TenantAccount, start: datetime,
                       end: datetime) -> dict[Band, Decimal] | None:
    """kWh per band from `start` to `end`; None when no reading of the account's meters stands
    behind the figure (so "no use" and "never read" are told apart)."""
    rows, read = _between(db, account, [start, end])
    return rows[0] if read else None


def _between(db: Session, account: TenantAccount, bounds: list[datetime]
             ) -> tuple[list[dict[Band, Decimal]], bool]:
    """kWh per band between each pair of neighbouring `bounds`, and whether any reading was
    found at all."""
    rows = [dict.fromkeys(BANDS, ZERO) for _ in bounds[:-1]]
    links = [link for link in account.links
             if (link.detached_at or FAR_FUTURE) > bounds[0] and link.attached_at < bounds[-1]]
    registers = _registers_at(db, [
        (link.meter_id, min(max(b, link.attached_at), link.detached_at or FAR_FUTURE), link.attached_at)
        for link in links for b in bounds])
    for n in range(len(links)):
        values = registers[n * len(bounds):(n + 1) * len(bounds)]
        for i, row in enumerate(rows):
            if values[i] is None or values[i + 1] is None:
                continue
            for band, a, b in zip(BANDS, values[i], values[i + 1], strict=True):
                row[band] += max(b - a, ZERO)
    return rows, any(value is not None for value in registers)
