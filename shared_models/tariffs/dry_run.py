"""Dry run of a tariff version: what each account paid last month and would pay under it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.errors import NotFound
from shared_models.models import AccountMeter, Meter, Reading, Site, TenantAccount
from shared_models.models.metering import ReadingQuality
from shared_models.models.tariffs import TariffAssignment, TariffPlanVersion
from shared_models.registry import get
from shared_models.tariffs import ConsumptionRecord, Tariff, compare
from shared_models.tariffs.localtime import local_midnight
from shared_models.tariffs.lookup import effective_tariff

BILLED_QUALITIES = (ReadingQuality.GOOD, ReadingQuality.CATCH_UP)


@dataclass(frozen=True)
class MeterConsumption(ConsumptionRecord):
    """A consumption record that also says which meter measured it."""

    meter_id: int = 0


@dataclass(frozen=True)
class DryRunRow:
    account_id: int
    account_number: str
    tenant_name: str
    kwh: Decimal
    old_cost: Decimal  # under each meter's tariff in force (published versions)
    new_cost: Decimal  # under the version being tried, for the whole month
    difference: Decimal  # new - old


def last_month(tz: tzinfo, today: date | None = None) -> date:
    """The first day of the month before the site's current local month."""
    today = today or datetime.now(tz).date()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_bounds(month: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """[local midnight of day 1, local midnight of day 1 of the next month) in UTC."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return tuple(local_midnight(d, tz)  # type: ignore[return-value]
                 for d in (first, following))


def monthly_consumption(db: Session, site_id: int, month: date | None = None,
                        meter_ids: Iterable[int] | None = None) -> list[MeterConsumption]:
    """The consumption between consecutive billed readings of each meter within the month,
    charged to the account the meter was attached to; meters on no account are left out.

    Energy is spread uniformly over each interval rather than by the meter's per-rate
    registers: those follow the band hours pushed to the meter, which a new tariff may change.
    Intervals that straddle the month's start or end are left out.
    """
    site = get(db, Site, site_id)
    zone = ZoneInfo(site.timezone)
    start, end = month_bounds(month or last_month(zone), zone)
    stmt = (select(Reading.meter_id, Reading.read_at, Reading.total_energy)
            .join(Meter, Meter.id == Reading.meter_id)
            .where(Meter.site_id == site_id, Reading.read_at >= start, Reading.read_at <= end,
                   Reading.quality.in_(BILLED_QUALITIES))
            .order_by(Reading.meter_id, Reading.read_at))
    if meter_ids is not None:
        stmt = stmt.where(Reading.meter_id.in_(list(meter_ids)))
    links = defaultdict(list)
    for link in db.scalars(select(AccountMeter).join(Meter, Meter.id == AccountMeter.meter_id)
                           .where(Meter.site_id == site_id)):
        links[link.meter_id].append(link)
    records = []
    previous = None
    for reading in db.execute(stmt):
        if previous is not None and previous.meter_id == reading.meter_id:
            kwh = reading.total_energy - previous.total_energy
            account_id = _account_at(links[reading.meter_id], previous.read_at, reading.read_at)
            if kwh > 0 and account_id is not None and reading.read_at > previous.read_at:
                records.append(MeterConsumption(account_id, previous.read_at, reading.read_at, kwh,
                                                meter_id=reading.meter_id))
        previous = reading
    return records


def _account_at(links: list[AccountMeter], start: datetime, end: datetime) -> int | None:
    for link in links:
        if link.attached_at <= start and (link.detached_at is None or link.detached_at >= end):
            return link.account_id
    return None


def dry_run(db: Session, site_id: int, draft_version_id: int,
            month: date | None = None) -> list[DryRunRow]:
    """Each account's cost over a month (default: last month, local) under its current tariff
    and under the given version, from the readings (`monthly_consumption`), by the engine's
    `compare`. The accounts are those whose meters the version's plan governs; a plan assigned
    nowhere is tried as the site default, on the meters with no plan of their own or their
    account's. Tier consumption is threaded per account and tariff, from 0 on day 1."""
    version = get(db, TariffPlanVersion, draft_version_id)
    if version.plan.site_id != site_id:
        raise NotFound("No such {what}.", what="tariff version")
    site = get(db, Site, site_id)
    new = Tariff.from_dict(version.tariff)
    meters = governed_meters(db, site_id, version.plan_id)
    cache: dict = {}
    groups: dict[int | None, list[MeterConsumption]] = defaultdict(list)
    old_of: dict[int | None, object] = {}
    for record in monthly_consumption(db, site_id, month, meters):
        current = effective_tariff(db, record.meter_id, cache)
        groups[current.plan_id].append(record)
        old_of[current.plan_id] = current.tariff
    totals: dict[int, list[Decimal]] = {}
    for plan_id, records in groups.items():
        for row in compare(old_of[plan_id], new, records, site.timezone):  # type: ignore[arg-type]
            kwh, old, new_cost = totals.setdefault(row.account_id, [Decimal("0.00")] * 3)
            totals[row.account_id] = [kwh + row.kwh, old + row.old_cost, new_cost + row.new_cost]
    accounts = {a.id: a for a in db.scalars(select(TenantAccount)
                                            .where(TenantAccount.id.in_(list(totals))))}
    rows = [DryRunRow(i, accounts[i].number, accounts[i].tenant_name, kwh, old, new_cost,
                      new_cost - old) for i, (kwh, old, new_cost) in totals.items()]
    return sorted(rows, key=lambda row: row.account_number)


def governed_meters(db: Session, site_id: int, plan_id: int) -> list[int]:
    """The meters of the site whose tariff comes from the plan (published or not yet)."""
    assigned = list(db.scalars(select(TariffAssignment)
                               .where(TariffAssignment.site_id == site_id)))
    own = {a.meter_id: a.plan_id for a in assigned if a.meter_id is not None}
    by_account = {a.account_id: a.plan_id for a in assigned if a.account_id is not None}
    site_plan = next((a.plan_id for a in assigned if a.meter_id is None and a.account_id is None),
                     None)
    account_of = dict(db.execute(select(AccountMeter.meter_id, AccountMeter.account_id)
                                 .join(Meter, Meter.id == AccountMeter.meter_id)
                                 .where(Meter.site_id == site_id,
                                        AccountMeter.detached_at.is_(None))).all())
    meter_ids = db.scalars(select(Meter.id).where(Meter.site_id == site_id)).all()
    levels = {m: (own.get(m), by_account.get(account_of.get(m))) for m in meter_ids}
    if plan_id not in {a.plan_id for a in assigned}:
        return [m for m, (mine, account) in levels.items() if mine is None and account is None]
    return [m for m, (mine, account) in levels.items()
            if next((p for p in (mine, account, site_plan) if p is not None), None) == plan_id]
