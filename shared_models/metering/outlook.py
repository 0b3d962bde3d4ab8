"""What a tenant is told about the days ahead: the tariff and band in force now, and about how
many days the money lasts at the last 7 days' average use. Pure rules; the callers read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

from shared_models.tariffs import Band, Tariff, TariffLike, TariffSchedule
from shared_models.tariffs.schedule import locate

HISTORY_DAYS = 7


@dataclass(frozen=True)
class TariffNow:
    name: str
    band: Band  # the band in force now (flat for a tariff without time of use)
    price: Decimal  # per kWh, in that band
    prices: dict[Band, Decimal]


def tariff_in_force(tariff: TariffLike, now: datetime, zone: ZoneInfo) -> Tariff:
    if isinstance(tariff, TariffSchedule):
        return locate(tariff.timeline(zone), now)[0]
    return tariff


def tariff_now(tariff: TariffLike, now: datetime, zone: ZoneInfo) -> TariffNow:
    current = tariff_in_force(tariff, now, zone)
    band = Band.FLAT
    if current.time_of_use is not None:
        local = now.astimezone(zone)
        since_midnight = local - local.replace(hour=0, minute=0, second=0, microsecond=0)
        band = current.time_of_use.plan_for(local.date()).lookup(since_midnight)[0]
    return TariffNow(current.name, band, current.price_for(band), dict(current.prices))


def daily_cost(usage_by_band: dict[Band, Decimal], days: int, tariff: Tariff) -> Decimal:
    """The average cost of a day's use, priced at `tariff`'s band prices (tiers left out)."""
    total = sum((kwh * tariff.price_for(band) for band, kwh in usage_by_band.items()), Decimal(0))
    return total / days


def days_left(balance: Decimal, cost_per_day: Decimal | None) -> int | None:
    """Whole days the balance lasts at `cost_per_day`; None when that cannot be said (no
    history, or no use to divide by); 0 once the money is gone."""
    if cost_per_day is None or cost_per_day <= 0:
        return None
    if balance <= 0:
        return 0
    return int((balance / cost_per_day).to_integral_value(rounding=ROUND_FLOOR))

