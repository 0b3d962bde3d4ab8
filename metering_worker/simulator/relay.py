"""Relay and wallet rules of a local-mode meter: alarms, arrears trip, close-allowed, commands."""

from __future__ import annotations

from dataclasses import dataclass

from metering_worker.protocol import CommandCode, MeterStatus, ResultCode, Settings
from shared_models.money import cents

from .state import MeterState

MICRO_PER_FEN = 10_000


@dataclass(frozen=True)
class Limits:
    """Settings in micro-yuan, as the wallet arithmetic needs them."""

    alarm_1: int
    alarm_2: int
    overdraft: int
    close_allowed: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        def micro(value) -> int:
            return cents(value) * MICRO_PER_FEN

        return cls(
            micro(settings.alarm_1),
            micro(settings.alarm_2),
            micro(settings.overdraft_limit),
            micro(settings.close_allowed),
        )


def enforced(state: MeterState, local: bool) -> bool:
    """Prepaid enforcement: only local-mode meters, and never while protect (保电) is on."""
    return local and not state.protect


def close_blocked(state: MeterState, local: bool, limits: Limits) -> bool:
    """A local meter's relay may close only above the close-allowed balance."""
    return enforced(state, local) and state.balance_micro <= limits.close_allowed


def evaluate(state: MeterState, local: bool, limits: Limits) -> None:
    """Bring the relay in line with the wallet, the orders and the overload protection."""
    if enforced(state, local) and state.balance_micro <= -limits.overdraft:
        state.prepaid_tripped = True
    if state.prepaid_tripped and not close_blocked(state, local, limits):
        state.prepaid_tripped = False
    want_open = state.overload_trip or (
        not state.protect and (state.open_commanded or state.prepaid_tripped)
    )
    if state.relay_open and not want_open and close_blocked(state, local, limits):
        state.prepaid_tripped = True  # stays open until a top-up lifts it above the limit
        want_open = True
    if want_open and not state.relay_open and state.open_commanded:
        state.remote_latched = True
    if not want_open:
        state.remote_latched = False
    state.relay_open = want_open


def execute(state: MeterState, code: int, local: bool, limits: Limits) -> ResultCode:
    """Carry out an authenticated, unexpired command."""
    if code == CommandCode.TRIP:
        if state.protect:
            return ResultCode.STATE
        state.open_commanded = True
    elif code == CommandCode.CLOSE_ALLOWED:
        state.open_commanded = False
    elif code == CommandCode.CLOSE_NOW:
        if state.overload_trip or close_blocked(state, local, limits):
            return ResultCode.STATE
        state.open_commanded = False
        state.prepaid_tripped = False
    elif code == CommandCode.PROTECT_ON:
        state.protect = True
        state.open_commanded = False
        state.prepaid_tripped = False
    elif code == CommandCode.PROTECT_OFF:
        state.protect = False
    elif code in (CommandCode.ALARM_ON, CommandCode.ALARM_OFF):
        state.alarm_output = code == CommandCode.ALARM_ON
    else:
        return ResultCode.STATE
    evaluate(state, local, limits)
    return ResultCode.OK


def status_bits(state: MeterState, local: bool, limits: Limits, clock_bad: bool) -> MeterStatus:
    bits = MeterStatus(0)
    flags = [
        (state.relay_open, MeterStatus.RELAY_OPEN),
        (state.open_commanded, MeterStatus.OPEN_COMMANDED),
        (state.protect, MeterStatus.PROTECT),
        (enforced(state, local), MeterStatus.PREPAID_ENFORCED),
        (local and state.balance_micro <= limits.alarm_1, MeterStatus.ALARM_1),
        (local and state.balance_micro <= limits.alarm_2, MeterStatus.ALARM_2),
        (local and state.balance_micro <= -limits.overdraft, MeterStatus.EXHAUSTED),
        (state.overload_trip, MeterStatus.OVERLOAD_TRIP),
        (state.remote_latched, MeterStatus.REMOTE_TRIP_LATCHED),
        (clock_bad, MeterStatus.CLOCK_OR_TARIFF_INVALID),
        (state.mac_failed, MeterStatus.MAC_FAILED),
    ]
    for on, bit in flags:
        if on:
            bits |= bit
    return bits
