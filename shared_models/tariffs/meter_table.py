"""The meter's tariff table (two day plans, four prices) from a stored engine tariff.

A WK-PM1 meter bills by rate 1-4 (sharp, peak, flat, valley) from a season plan and two daily
plans. Tiers, monthly charges and holidays stay with the server's billing: the meter only
needs the band prices to run its own wallet down.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from shared_models.errors import RuleViolation
from shared_models.meter_values import MAX_DAY_ENTRIES, DayEntry, SeasonEntry, TariffTable
from shared_models.tariffs import Band, DayPlan, Tariff, TariffSchedule
from shared_models.tariffs.lookup import effective_tariff

RATE_OF = {Band.SHARP: 1, Band.PEAK: 2, Band.FLAT: 3, Band.VALLEY: 4}
BAND_OF = {rate: band for band, rate in RATE_OF.items()}


def day_entries(plan: DayPlan) -> tuple[DayEntry, ...]:
    """Where the rate changes over the day, walked through the plan's own lookup."""
    entries: list[DayEntry] = []
    minute = 0
    while minute < 24 * 60:
        band, end = plan.lookup(timedelta(minutes=minute))
        if not entries or entries[-1].rate != RATE_OF[band]:
            entries.append(DayEntry(hour=minute // 60, minute=minute % 60, rate=RATE_OF[band]))
        minute = end
    if len(entries) > MAX_DAY_ENTRIES:
        raise RuleViolation("A day plan with {count} band changes does not fit a meter (at most {limit}).",
                            count=len(entries), limit=MAX_DAY_ENTRIES)
    return tuple(entries)


def _after(month_day: tuple[int, int]) -> tuple[int, int] | None:
    """The next day in a non-leap year; None after 31 December."""
    if month_day == (12, 31):
        return None
    nxt = date(2001, month_day[0], min(month_day[1], 28 if month_day[0] == 2 else month_day[1]))
    nxt += timedelta(days=1)
    return nxt.month, nxt.day


def season_entries(start: tuple[int, int], end: tuple[int, int]) -> tuple[SeasonEntry, ...]:
    """Plan 2 from start to end (inclusive, may wrap past new year), plan 1 the rest of the year."""
    back = _after(end)
    points: dict[tuple[int, int], int] = {(1, 1): 1}
    if start > end:  # wraps: plan 2 already runs on 1 January
        points[(1, 1)] = 2
    if back is not None:
        points[back] = 1
    points[start] = 2
    return tuple(SeasonEntry(month=m, day=d, plan=p) for (m, d), p in sorted(points.items()))


def table_from_tariff(tariff: Tariff) -> TariffTable:
    tou = tariff.time_of_use
    if tou is None:
        plan = DayPlan.single(Band.FLAT)
        plans, seasons = (plan, plan), (SeasonEntry(1, 1, 1),)
    elif not tou.seasons:
        plans, seasons = (tou.plan, tou.plan), (SeasonEntry(1, 1, 1),)
    elif len(tou.seasons) == 1:
        season = tou.seasons[0]
        plans, seasons = (tou.plan, season.plan), season_entries(season.start, season.end)
    else:
        raise RuleViolation("A meter holds two daily plans; this tariff has {count} seasons.",
                            count=len(tou.seasons))
    used = [tariff.price_for(b) for b in RATE_OF if tou is None or b in tariff.prices]
    prices = tuple(tariff.price_for(BAND_OF[r]) if tou is None or BAND_OF[r] in tariff.prices
                   else used[0] for r in (1, 2, 3, 4))
    return TariffTable(seasons=seasons, day_plans=(day_entries(plans[0]), day_entries(plans[1])),
                       prices=tuple(Decimal(p) for p in prices))  # type: ignore[arg-type]


def table_for_meter(db: Session, meter_id: int, at: datetime | None = None) -> TariffTable:
    """The table of the tariff the meter is billed with now (its plan, account's, site's)."""
    found = effective_tariff(db, meter_id)
    tariff = found.tariff
    if isinstance(tariff, TariffSchedule):
        tariff = tariff.version_at(at or datetime.now(UTC), found.timezone)
    return table_from_tariff(tariff)
