"""Time-of-use tables: season plan, two daily plans and four prices (0x2000-0x2037)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from shared_models.errors import InvalidValue
from shared_models.meter_values import (
    MAX_DAY_ENTRIES,
    MAX_SEASONS,
    DayEntry,
    SeasonEntry,
    TariffTable,
    check_day_plan,
    check_prices,
    check_seasons,
)
from shared_models.money import price_from_units

from .registers import (
    DAY_PLAN_ADDRESSES,
    DAY_PLAN_COUNT,
    PRICES_ADDRESS,
    PRICES_COUNT,
    SEASON_ADDRESS,
    SEASON_COUNT,
    bytes_to_regs,
    check_length,
    regs_to_bytes,
    regs_to_u32,
    u32_to_regs,
)

__all__ = ["MAX_DAY_ENTRIES", "MAX_SEASONS", "DayEntry", "SeasonEntry", "TariffTable"]


def encode_seasons(seasons: Sequence[SeasonEntry]) -> list[int]:
    check_seasons(seasons)
    raw = bytearray(SEASON_COUNT * 2)
    for i, s in enumerate(seasons):
        raw[3 * i : 3 * i + 3] = bytes((s.plan, s.day, s.month))
    return bytes_to_regs(bytes(raw))


def decode_seasons(regs: Sequence[int]) -> tuple[SeasonEntry, ...]:
    check_length(regs, SEASON_COUNT, "season plan")
    raw = regs_to_bytes(regs)
    entries = [SeasonEntry(month=raw[i + 2], day=raw[i + 1], plan=raw[i]) for i in range(0, 12, 3)]
    used = tuple(e for e in entries if e.plan)
    if entries[: len(used)] != list(used):
        raise InvalidValue("season plan has a gap")
    encode_seasons(used)  # same validation both ways
    return used


def encode_day_plan(entries: Sequence[DayEntry]) -> list[int]:
    check_day_plan(entries)
    raw = bytearray(DAY_PLAN_COUNT * 2)
    for i, e in enumerate(entries):
        raw[3 * i : 3 * i + 3] = bytes((e.rate, e.minute, e.hour))
    return bytes_to_regs(bytes(raw))


def decode_day_plan(regs: Sequence[int]) -> tuple[DayEntry, ...]:
    check_length(regs, DAY_PLAN_COUNT, "daily plan")
    raw = regs_to_bytes(regs)
    entries = [DayEntry(hour=raw[i + 2], minute=raw[i + 1], rate=raw[i]) for i in range(0, 42, 3)]
    used = tuple(e for e in entries if e.rate)
    if entries[: len(used)] != list(used):
        raise InvalidValue("daily plan has a gap")
    encode_day_plan(used)
    return used


def encode_prices(prices: Sequence[Decimal]) -> list[int]:
    regs: list[int] = []
    for count in check_prices(prices):
        regs += u32_to_regs(count)
    return regs


def decode_prices(regs: Sequence[int]) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    check_length(regs, PRICES_COUNT, "prices")
    return tuple(  # type: ignore[return-value]
        price_from_units(regs_to_u32(regs[2 * i], regs[2 * i + 1])) for i in range(4)
    )


def encode_tariff(table: TariffTable) -> list[tuple[int, list[int]]]:
    """(address, registers) of the four writes that push a whole table."""
    return [
        (SEASON_ADDRESS, encode_seasons(table.seasons)),
        (DAY_PLAN_ADDRESSES[0], encode_day_plan(table.day_plans[0])),
        (DAY_PLAN_ADDRESSES[1], encode_day_plan(table.day_plans[1])),
        (PRICES_ADDRESS, encode_prices(table.prices)),
    ]


def decode_tariff(blocks: dict[int, Sequence[int]]) -> TariffTable:
    """Inverse of encode_tariff, from registers keyed by their start address."""
    return TariffTable(
        seasons=decode_seasons(blocks[SEASON_ADDRESS]),
        day_plans=(
            decode_day_plan(blocks[DAY_PLAN_ADDRESSES[0]]),
            decode_day_plan(blocks[DAY_PLAN_ADDRESSES[1]]),
        ),
        prices=decode_prices(blocks[PRICES_ADDRESS]),
    )


def rate_at(table: TariffTable, local: datetime) -> int:
    """The rate (1-4) in force at a meter-local wall-clock time."""
    today = (local.month, local.day)
    seasons = table.seasons
    season = next((s for s in reversed(seasons) if (s.month, s.day) <= today), seasons[-1])
    plan = table.day_plans[season.plan - 1]
    now = (local.hour, local.minute)
    entry = next((e for e in reversed(plan) if (e.hour, e.minute) <= now), plan[-1])
    return entry.rate


def _plan(*points: tuple[int, int]) -> tuple[DayEntry, ...]:
    return tuple(DayEntry(hour=h, minute=0, rate=r) for h, r in points)


# A common Chinese TOU day: valley 谷 23-07, flat 平, peak 峰, sharp 尖 19-21.
DEFAULT_TARIFF = TariffTable(
    seasons=(SeasonEntry(month=1, day=1, plan=1), SeasonEntry(month=7, day=1, plan=2)),
    day_plans=(
        _plan((0, 4), (7, 3), (8, 2), (11, 3), (18, 2), (21, 3), (23, 4)),
        _plan((0, 4), (7, 3), (8, 2), (11, 3), (18, 2), (19, 1), (21, 2), (23, 4)),
    ),
    prices=(Decimal("1.2000"), Decimal("0.9000"), Decimal("0.6000"), Decimal("0.3000")),
)
