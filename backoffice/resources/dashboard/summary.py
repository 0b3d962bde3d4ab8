"""The dashboard's figures in one answer: meters by status, sales by channel, energy by hour,
and the queues that wait for someone (alarms, silent gateways, refunds to approve)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from shared_models.enums import MeterStatus
from shared_models.metering.status_list import status_query
from shared_models.models import Alarm, Meter, Reading, Sale, Site
from shared_models.models.metering import AlarmKind, ReadingQuality
from shared_models.models.sales import SaleKind, SaleStatus
from shared_models.reports.periods import Unit, parse_period
from shared_models.reports.totals import Breakdown, totals
from shared_models.scope import within_sites

# One status per meter, in this precedence, so the tiles add up to the number of meters and
# the monitor colours a meter the same way: silence first, then not opened, then the money.
STATUSES = ("lost_comm", "not_opened", "arrears", "alarm2", "alarm1", "opened")
# Readings just before local midnight give the first hour of the day its starting point.
LOOKBACK = timedelta(hours=2)


def meter_counts(db: Session, site_ids: Collection[int] | None, site_id: int | None) -> dict:
    """Meters by status (STATUSES precedence), plus those protected (保电) and the total."""
    rows = status_query(site_ids=site_ids, site_id=site_id).subquery()
    status = case((rows.c.online.is_(False), "lost_comm"),
                  (rows.c.meter_status == MeterStatus.NOT_OPENED, "not_opened"),
                  (rows.c.alarm_level.is_not(None), rows.c.alarm_level),
                  else_="opened")
    counts = dict.fromkeys(STATUSES, 0)
    protected = 0
    # Protected is counted besides the status, from the same rows as the monitor's badge.
    for name, is_protected, count in db.execute(
            select(status, rows.c.protected, func.count()).group_by(status, rows.c.protected)):
        counts[name] += count
        protected += count if is_protected else 0
    return {**counts, "protected": protected, "total": sum(counts.values())}


def sales_by_channel(db: Session, sites: list[Site], today: str) -> list[dict]:
    """Net takings (recharges - refunds - reversals) per channel today and this month."""
    site_ids = [site.id for site in sites]
    figures: dict[str, dict[str, Decimal]] = {}
    for key, period in (("today", parse_period(Unit.DAY, today)),
                        ("month", parse_period(Unit.MONTH, today[:7]))):
        for row in db.execute(totals(db, period, by=[Breakdown.CHANNEL], site_ids=site_ids)):
            into = figures.setdefault(row.channel.value, {"today": Decimal("0.00"),
                                                          "month": Decimal("0.00")})
            into[key] += row.net_total
    return [{"channel": channel, **values} for channel, values in sorted(figures.items())]


def _hour(db: Session, column):
    if db.get_bind().dialect.name == "postgresql":
        return func.date_trunc("hour", column)
    return func.strftime("%Y-%m-%d %H:00:00", column)


def energy_by_hour(db: Session, site_ids: list[int], timezone: str, now: datetime) -> dict:
    """kWh per local hour today and yesterday: each reading's rise since the meter's previous
    one, counted in the hour it was read (regressed readings and meter swaps add nothing)."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    start = (today - timedelta(days=1)).astimezone(ZoneInfo("UTC"))
    rise = (Reading.total_energy - func.lag(Reading.total_energy).over(
        partition_by=Reading.meter_id, order_by=Reading.read_at)).label("rise")
    steps = (select(Reading.read_at, rise).join(Meter, Meter.id == Reading.meter_id)
             .where(Meter.site_id.in_(site_ids), Reading.read_at >= start - LOOKBACK,
                    Reading.quality.in_((ReadingQuality.GOOD, ReadingQuality.CATCH_UP)))
             .subquery())
    hour = _hour(db, steps.c.read_at).label("hour")
    stmt = (select(hour, func.sum(steps.c.rise)).where(steps.c.rise > 0,
                                                       steps.c.read_at >= start)
            .group_by(hour))
    series = {"today": [Decimal("0.00")] * 24, "yesterday": [Decimal("0.00")] * 24}
    for bucket, total in db.execute(stmt):
        if isinstance(bucket, str):
            bucket = datetime.fromisoformat(bucket)
        local = bucket.replace(tzinfo=bucket.tzinfo or ZoneInfo("UTC")).astimezone(zone)
        day = "today" if local >= today else "yesterday"
        series[day][local.hour] += Decimal(total)
    hours_so_far = now.astimezone(zone).hour + 1
    return {"timezone": timezone, "today": series["today"][:hours_so_far],
            "yesterday": series["yesterday"]}


def queues(db: Session, site_ids: Collection[int] | None, site_id: int | None) -> dict:
    """How many alarms are active, gateways silent and refunds waiting for a second person."""
    def scoped(stmt, column):
        stmt = within_sites(stmt, column, site_ids)
        return stmt if site_id is None else stmt.where(column == site_id)

    active = scoped(select(Alarm.kind, func.count()).where(Alarm.cleared_at.is_(None))
                    .group_by(Alarm.kind), Alarm.site_id)
    by_kind = {kind.value: count for kind, count in db.execute(active)}
    pending = scoped(select(func.count(Sale.id)).where(Sale.kind == SaleKind.REFUND,
                                                       Sale.status == SaleStatus.PENDING),
                     Sale.site_id)
    return {"alarms_active": sum(by_kind.values()), "alarms_by_kind": by_kind,
            "gateways_lost": by_kind.get(AlarmKind.GATEWAY_LOST.value, 0),
            "refunds_pending": db.scalar(pending) or 0}
