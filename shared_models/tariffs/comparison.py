"""Dry run of a tariff change: what each account would have paid under the old and new tariff."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from fractions import Fraction

from shared_models.tariffs.bands import Band
from shared_models.tariffs.engine import TariffLike, cost, period_start
from shared_models.tariffs.localtime import DEFAULT_TIMEZONE, as_zone
from shared_models.tariffs.rounding import round_exact


@dataclass(frozen=True)
class ConsumptionRecord:
    """Energy an account consumed over [start, end), as billed from one reading."""

    account_id: Hashable
    start: datetime
    end: datetime
    energy_kwh: Decimal
    profile: Mapping[Band | str, Decimal] | None = None


@dataclass(frozen=True)
class ComparisonRow:
    account_id: Hashable
    kwh: Decimal
    old_cost: Decimal
    new_cost: Decimal
    difference: Decimal  # new - old


def compare(
    old_tariff: TariffLike,
    new_tariff: TariffLike,
    consumption_records: Iterable[ConsumptionRecord],
    tz: tzinfo | str = DEFAULT_TIMEZONE,
) -> list[ComparisonRow]:
    """One row per account (in order of first appearance), records billed in time order.

    An account's cost is the exact sum of its records rounded once, as its postings add up to
    (settlement carries the sub-cent remainder), and the tier cumulative starts at 0 at the
    first record (records should start at a period boundary).
    """
    zone = as_zone(tz)
    by_account: dict[Hashable, list[ConsumptionRecord]] = {}
    for record in consumption_records:
        by_account.setdefault(record.account_id, []).append(record)
    rows = []
    for account_id, records in by_account.items():
        records.sort(key=lambda r: r.start)
        old, new = _bill(old_tariff, records, zone), _bill(new_tariff, records, zone)
        kwh = sum((r.energy_kwh for r in records), Decimal("0.00"))
        rows.append(ComparisonRow(account_id, kwh, old, new, new - old))
    return rows


def _bill(tariff: TariffLike, records: list[ConsumptionRecord], tz: tzinfo) -> Decimal:
    total = Fraction(0)
    cumulative, period = Fraction(0), None
    for record in records:
        here = period_start(tariff, record.start, tz)
        if here != period:
            cumulative = Fraction(0)
        breakdown = cost(
            tariff, record.start, record.end, record.energy_kwh, tz, cumulative, record.profile
        )
        total += breakdown.total
        cumulative, period = breakdown.cumulative_after, period_start(tariff, record.end, tz)
    return round_exact(total)
