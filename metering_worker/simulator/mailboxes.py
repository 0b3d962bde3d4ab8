"""The meter side of the command and recharge mailboxes and the Acrel relay register."""

from __future__ import annotations

from typing import TYPE_CHECKING

from metering_worker.protocol import CommandCode, ResultCode, decode_relay
from metering_worker.protocol.mailbox import decode_command, decode_recharge, mac_matches
from metering_worker.protocol.registers import U16_MAX
from shared_models.money import cents

from . import relay
from .frames import ModbusError

if TYPE_CHECKING:
    from .meter import SimMeter


def _report(meter: SimMeter, sequence: int, result: ResultCode) -> None:
    meter.state.last_sequence = sequence & U16_MAX
    meter.state.last_result = int(result)


def _authentic(meter: SimMeter, values: list[int], sequence: int) -> bool:
    ok = mac_matches(meter.address, values, meter.key)
    meter.state.mac_failed = not ok
    if not ok:
        _report(meter, sequence, ResultCode.MAC)
    return ok


def command(meter: SimMeter, values: list[int]) -> None:
    """Authenticate, drop repeats, refuse expired, then execute. Outcome at 0x001A/0x001B."""
    msg, _mac = decode_command(values)
    if msg.code not in CommandCode._value2member_map_:
        raise ModbusError(0x03)  # unknown command code: illegal data value
    meter.state.mailboxes["command"] = list(values)
    if not _authentic(meter, values, msg.sequence):
        return
    s = meter.state
    if msg.sequence == s.command_sequence:
        _report(meter, msg.sequence, ResultCode(s.command_result))  # no-op, earlier result
        return
    if msg.valid_until < meter.clock():
        result = ResultCode.EXPIRED
    else:
        result = relay.execute(s, msg.code, meter.local, meter.limits)
    s.command_sequence, s.command_result = msg.sequence, int(result)
    _report(meter, msg.sequence, result)


def recharge(meter: SimMeter, values: list[int]) -> None:
    """count = stored + 1 credits (overdraft first, by arithmetic); = stored is DUPLICATE."""
    msg, _mac = decode_recharge(values)
    meter.state.mailboxes["recharge"] = list(values)
    if not _authentic(meter, values, msg.purchase_count):
        return
    s = meter.state
    amount = cents(msg.amount) * relay.MICRO_PER_FEN
    if not meter.local:
        result = ResultCode.STATE
    elif msg.purchase_count == s.purchase_count:
        result = ResultCode.DUPLICATE
    elif msg.purchase_count != s.purchase_count + 1:
        result = ResultCode.SEQUENCE
    elif s.balance_micro + amount > meter.credit_cap_micro:
        result = ResultCode.LIMIT
    else:
        s.balance_micro += amount
        s.purchase_count = msg.purchase_count
        result = ResultCode.OK
        relay.evaluate(s, meter.local, meter.limits)
    _report(meter, msg.purchase_count, result)


def relay_register(meter: SimMeter, values: list[int]) -> None:
    """Acrel-style switching without a MAC; a refused order answers exception 0x04."""
    trip = decode_relay(values)
    s = meter.state
    if trip and s.protect:
        raise ModbusError(0x04)
    if not trip and (s.overload_trip or relay.close_blocked(s, meter.local, meter.limits)):
        raise ModbusError(0x04)
    s.open_commanded = trip
    if not trip:
        s.prepaid_tripped = False
    relay.evaluate(s, meter.local, meter.limits)
