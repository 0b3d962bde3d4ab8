"""Register addresses of meter map WK-PM1 and the word packing every table shares."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from shared_models.errors import InvalidValue

MAP_VERSION = 1

HOT_BLOCK_ADDRESS = 0x0000
HOT_BLOCK_COUNT = 32
RESULT_ADDRESS = 0x001A
RESULT_COUNT = 2
CLOCK_ADDRESS = 0x001C
CLOCK_COUNT = 2
SETTINGS_ADDRESS = 0x0040
SETTINGS_COUNT = 12
RELAY_ADDRESS = 0x0057
RELAY_COUNT = 2
COMMAND_ADDRESS = 0x0060
COMMAND_COUNT = 8
RECHARGE_ADDRESS = 0x0070
RECHARGE_COUNT = 10
SEASON_ADDRESS = 0x2000
SEASON_COUNT = 6
DAY_PLAN_ADDRESSES = (0x2006, 0x201B)
DAY_PLAN_COUNT = 21
PRICES_ADDRESS = 0x2030
PRICES_COUNT = 8

U16_MAX = 0xFFFF
U32_MAX = 0xFFFF_FFFF


def check_length(regs: Sequence[int], count: int, what: str) -> None:
    """Refuse a register list of the wrong length or with values outside 0..0xFFFF."""
    if len(regs) != count:
        raise InvalidValue(f"{what} needs {count} registers, got {len(regs)}")
    for value in regs:
        if not 0 <= int(value) <= U16_MAX:
            raise InvalidValue(f"{what} register value out of range: {value}")


def u16(value: int, what: str = "value") -> int:
    """A checked unsigned 16-bit register."""
    if not 0 <= int(value) <= U16_MAX:
        raise InvalidValue(f"{what} does not fit 16 bits: {value}")
    return int(value)


def i16_to_reg(value: int, what: str = "value") -> int:
    if not -0x8000 <= int(value) <= 0x7FFF:
        raise InvalidValue(f"{what} does not fit a signed 16-bit register: {value}")
    return int(value) & U16_MAX


def reg_to_i16(reg: int) -> int:
    return reg - 0x10000 if reg & 0x8000 else reg


def u32_to_regs(value: int, what: str = "value") -> list[int]:
    """Big-endian, high word first."""
    if not 0 <= int(value) <= U32_MAX:
        raise InvalidValue(f"{what} does not fit 32 bits: {value}")
    return [(int(value) >> 16) & U16_MAX, int(value) & U16_MAX]


def regs_to_u32(high: int, low: int) -> int:
    return (high << 16) | low


def i32_to_regs(value: int, what: str = "value") -> list[int]:
    if not -0x8000_0000 <= int(value) <= 0x7FFF_FFFF:
        raise InvalidValue(f"{what} does not fit a signed 32-bit register pair: {value}")
    return u32_to_regs(int(value) & U32_MAX)


def regs_to_i32(high: int, low: int) -> int:
    value = regs_to_u32(high, low)
    return value - 0x1_0000_0000 if value & 0x8000_0000 else value


def units(value: Decimal, step: Decimal, what: str) -> int:
    """Integer count of `step` in an exact Decimal (0.1 V, 0.01 A, 0.001 pf...)."""
    if not isinstance(value, Decimal):
        raise InvalidValue(f"{what} must be a Decimal, not {type(value).__name__}")
    count = (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if count * step != value:
        raise InvalidValue(f"{what} is not a multiple of {step}: {value}")
    return int(count)


def scaled(count: int, step: Decimal) -> Decimal:
    """The Decimal a register count of `step` stands for, at the step's precision."""
    return (Decimal(int(count)) * step).quantize(step)


def regs_to_bytes(regs: Sequence[int]) -> bytes:
    return b"".join(int(r).to_bytes(2, "big") for r in regs)


def bytes_to_regs(data: bytes) -> list[int]:
    if len(data) % 2:
        raise InvalidValue("register data must have an even number of bytes")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]
