"""Time-of-use tables: season plan, two daily plans and four prices (0x2000-0x2037)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from shared_models.errors import InvalidValue
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
    units,
)

MAX_SEASONS = SEASON_COUNT * 2 // 3  # 4 entries of 3 bytes
MAX_DAY_ENTRIES = DAY_PLAN_COUNT * 2 // 3  # 14 entries of 3 bytes
PRICE_STEP = Decimal("0.0001")


@dataclass(frozen=True)
class SeasonEntry:
    """From this month/day on, use daily plan `plan` (1 or 2). Stored as (plan, day, month)."""

    month: int
    day: int
    plan: int


@dataclass(frozen=True)
class DayEntry:
    """From hour:minute until the next entry, bill in `rate` (1-4). Stored as (rate, min, hour)."""

    hour: int
    minute: int
    rate: int


@dataclass(frozen=True)
class TariffTable:
    seasons: tuple[SeasonEntry, ...]
    day_plans: tuple[tuple[DayEntry, ...], tuple[DayEntry, ...]]
    prices: tuple[Decimal, Decimal, Decimal, Decimal]  # yuan/kWh of rates 1-4


def _check_entries(starts: Sequence[tuple[int, int]], limit: int, what: str) -> None:
    if not 1 <= len(starts) <= limit:
        raise InvalidValue(f"{what} needs 1 to {limit} entries, got {len(starts)}")
    if list(starts) != sorted(set(starts)):
        raise InvalidValue(f"{what} entries must be in time order without repeats")


def encode_seasons(seasons: Sequence[SeasonEntry]) -> list[int]:
    _check_entries([(s.month, s.day) for s in seasons], MAX_SEASONS, "season plan")
    raw = bytearray(SEASON_COUNT * 2)
    for i, s in enumerate(seasons):
        if not (1 <= s.month <= 12 and 1 <= s.day <= 31 and s.plan in (1, 2)):
            raise InvalidValue(f"bad season entry: {s}")
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
    _check_entries([(e.hour, e.minute) for e in entries], MAX_DAY_ENTRIES, "daily plan")
    raw = bytearray(DAY_PLAN_COUNT * 2)
    for i, e in enumerate(entries):
        if not (0 <= e.hour <= 23 and 0 <= e.minute <= 59 and 1 <= e.rate <= 4):
            raise InvalidValue(f"bad daily plan entry: {e}")
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
    if len(prices) != 4:
        raise InvalidValue("four prices are needed (rates 1-4)")
    regs: list[int] = []
    for i, value in enumerate(prices):
        regs += u32_to_regs(units(value, PRICE_STEP, f"price {i + 1}"), f"price {i + 1}")
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
