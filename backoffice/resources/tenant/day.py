"""A tenant's day in hours: kWh per local hour from the readings of the account's meters."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.models import AccountMeter, Reading, Site, TenantAccount
from shared_models.models.metering import ReadingQuality
from shared_models.tariffs.localtime import local_midnight

ZERO = Decimal("0.00")


def hours_of(db: Session, account: TenantAccount, day: date) -> list[dict]:
    zone = ZoneInfo(db.get(Site, account.site_id).timezone)
    start, end = local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)
    bounds = [start + timedelta(hours=h) for h in range(int((end - start).total_seconds() // 3600) + 1)]
    energy = [ZERO] * (len(bounds) - 1)
    power: list[int | None] = [None] * (len(bounds) - 1)
    links = db.scalars(select(AccountMeter).where(AccountMeter.account_id == account.id))
    for link in links:
        if (link.detached_at and link.detached_at <= start) or link.attached_at >= end:
            continue
        # From an hour before the day: the register at midnight is the last reading before it.
        since = max(start - timedelta(hours=1), link.attached_at)
        readings = list(db.execute(
            select(Reading.read_at, Reading.total_energy, Reading.power_w)
            .where(Reading.meter_id == link.meter_id, Reading.read_at >= since,
                   Reading.read_at <= min(end, link.detached_at or end),
                   Reading.quality.in_((ReadingQuality.GOOD, ReadingQuality.CATCH_UP)))
            .order_by(Reading.read_at)))
        if not readings:
            continue
        # The register at each hour's start: the last reading at or before it.
        at, index = [], 0
        for bound in bounds:
            while index < len(readings) and readings[index].read_at <= bound:
                index += 1
            at.append(readings[index - 1].total_energy if index else None)
        for h in range(len(energy)):
            if at[h] is not None and at[h + 1] is not None:
                energy[h] += max(at[h + 1] - at[h], ZERO)
        for read_at, _total, watts in readings:
            if start <= read_at < end:
                power[int((read_at - start).total_seconds() // 3600)] = watts
    return [{"hour": (bound.astimezone(zone)).hour, "energy": kwh, "power_w": watts}
            for bound, kwh, watts in zip(bounds, energy, power, strict=False)]
