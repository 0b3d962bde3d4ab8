"""Status bits, command codes and result codes of the meter map."""

from __future__ import annotations

from enum import IntEnum, IntFlag

from shared_models.meter_values import ResultCode

__all__ = ["CommandCode", "MeterStatus", "ResultCode", "result_code"]


class MeterStatus(IntFlag):
    """Status word at 0x0018."""

    RELAY_OPEN = 1 << 0
    OPEN_COMMANDED = 1 << 1
    PROTECT = 1 << 2  # 保电: the relay stays closed whatever the balance
    PREPAID_ENFORCED = 1 << 3
    ALARM_1 = 1 << 4
    ALARM_2 = 1 << 5
    EXHAUSTED = 1 << 6
    OVERLOAD_TRIP = 1 << 7
    REMOTE_TRIP_LATCHED = 1 << 8
    CLOCK_OR_TARIFF_INVALID = 1 << 9
    MAC_FAILED = 1 << 10


class CommandCode(IntEnum):
    """Command mailbox codes, after DL/T 645-2007 control codes."""

    TRIP = 0x1A
    CLOSE_ALLOWED = 0x1B
    CLOSE_NOW = 0x1C
    ALARM_ON = 0x2A
    ALARM_OFF = 0x2B
    PROTECT_ON = 0x3A
    PROTECT_OFF = 0x3B


def result_code(value: int) -> ResultCode | int:
    """A known ResultCode, or the raw number when a newer meter reports something else."""
    try:
        return ResultCode(value)
    except ValueError:
        return value
