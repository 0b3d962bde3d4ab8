"""What a WK-PM1 meter holds and the limits it accepts: tariff tables, settings, result codes.

The worker's codec (`metering_worker.protocol`) turns these into registers and back; the
domain uses them to refuse a command a meter could not take before anything is queued.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum

from shared_models.errors import InvalidValue

U32_MAX = 0xFFFF_FFFF
MAX_SEASONS = 4  # 6 registers of 3-byte entries
MAX_DAY_ENTRIES = 14  # 21 registers of 3-byte entries
PRICE_STEP = Decimal("0.0001")  # yuan/kWh of one price register unit


class ResultCode(IntEnum):
    """Outcome of the last mailbox write, at 0x001B."""

    OK = 0
    DUPLICATE = 1
    SEQUENCE = 2
    MAC = 3
    EXPIRED = 4
    LIMIT = 5
    STATE = 6


@dataclass(frozen=True)
class Settings:
    """Local-mode wallet thresholds (money in yuan) and overload protection."""

    alarm_1: Decimal = Decimal("20.00")
    alarm_2: Decimal = Decimal("5.00")
    overdraft_limit: Decimal = Decimal("10.00")  # trip when balance <= -limit
    close_allowed: Decimal = Decimal("0.00")  # relay may close only above this balance
    overload_limit_w: int = 8000
    overload_delay_s: int = 10
    reclose_minutes: int = 5


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


def check_seasons(seasons: Sequence[SeasonEntry]) -> None:
    _check_entries([(s.month, s.day) for s in seasons], MAX_SEASONS, "season plan")
    for s in seasons:
        if not (1 <= s.month <= 12 and 1 <= s.day <= 31 and s.plan in (1, 2)):
            raise InvalidValue(f"bad season entry: {s}")


def check_day_plan(entries: Sequence[DayEntry]) -> None:
    _check_entries([(e.hour, e.minute) for e in entries], MAX_DAY_ENTRIES, "daily plan")
    for e in entries:
        if not (0 <= e.hour <= 23 and 0 <= e.minute <= 59 and 1 <= e.rate <= 4):
            raise InvalidValue(f"bad daily plan entry: {e}")


def price_units(value: Decimal, what: str) -> int:
    """A price as a count of 0.0001 yuan/kWh that fits the meter's 32-bit register."""
    if not isinstance(value, Decimal):
        raise InvalidValue(f"{what} must be a Decimal, not {type(value).__name__}")
    count = (value / PRICE_STEP).to_integral_value()
    if count * PRICE_STEP != value:
        raise InvalidValue(f"{what} is not a multiple of {PRICE_STEP}: {value}")
    if not 0 <= count <= U32_MAX:
        raise InvalidValue(f"{what} does not fit 32 bits: {int(count)}")
    return int(count)


def check_prices(prices: Sequence[Decimal]) -> list[int]:
    """The four prices' register units; InvalidValue if the meter cannot hold them."""
    if len(prices) != 4:
        raise InvalidValue("four prices are needed (rates 1-4)")
    return [price_units(value, f"price {i + 1}") for i, value in enumerate(prices)]


def check_table(table: TariffTable) -> None:
    """InvalidValue naming the first part of the table a meter would refuse."""
    check_seasons(table.seasons)
    check_day_plan(table.day_plans[0])
    check_day_plan(table.day_plans[1])
    check_prices(table.prices)
