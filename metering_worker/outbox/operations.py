"""Each command kind as bus exchanges: how it is sent, what is read back, what proves it applied.

Every operation answers three questions:
- `send`: write it and return the meter's result code (OK for plain register writes);
- `observe`: read what shows whether it took effect (hot block, settings or tariff);
- `applied`/`check`: does that observation prove the command applied, and does it match?
A command mailbox resend with the same sequence is a no-op on the meter, and settings, tariff
and clock writes are idempotent, so for those "not proven applied" means "send again". A
recharge is different: only the purchase count decides (see `recharge_resolution`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from metering_worker.driver import MeterDriver
from metering_worker.protocol import CommandCode, HotBlock, MeterKey, MeterStatus, ResultCode
from metering_worker.protocol.registers import U16_MAX
from shared_models.models.commands import CommandKind
from shared_models.remote_control.payloads import settings_of, table_from_json

CLOCK_TOLERANCE_S = 5


@dataclass(frozen=True)
class Target:
    """The meter a command goes to, as the bus sees it."""

    meter_id: int
    address: int
    serial: str
    key_version: int
    local: bool  # control mode local (本地费控): the meter keeps a wallet


@dataclass(frozen=True)
class Order:
    """A snapshot of the command row the runner works from."""

    id: int
    kind: CommandKind
    payload: dict[str, Any]
    sequence: int
    purchase_count: int | None
    valid_until: int  # Unix seconds: the row's expires_at

    @property
    def nonce(self) -> int:
        # Fixed per command, so a resend is the very same message.
        return (self.id * 2654435761) & 0xFFFF_FFFF


def mailbox_code(order: Order, target: Target) -> CommandCode:
    if order.kind == CommandKind.CLOSE:
        mode = order.payload.get("mode") or ("allowed" if target.local else "now")
        return CommandCode.CLOSE_NOW if mode == "now" else CommandCode.CLOSE_ALLOWED
    return {
        CommandKind.TRIP: CommandCode.TRIP,
        CommandKind.PROTECT: CommandCode.PROTECT_ON,
        CommandKind.RESTORE_PREPAID: CommandCode.PROTECT_OFF,
    }[order.kind]


def mailbox_effect(code: CommandCode, status: MeterStatus) -> str | None:
    """What the status word must show after the command, as an error when it does not."""
    opened = MeterStatus.RELAY_OPEN in status
    commanded = MeterStatus.OPEN_COMMANDED in status
    if code == CommandCode.TRIP and not (opened and commanded):
        return "read back: relay not open after trip"
    if code == CommandCode.CLOSE_NOW and (opened or commanded):
        return "read back: relay still open after close"
    if code == CommandCode.CLOSE_ALLOWED and commanded:
        return "read back: trip order still latched after close"
    if code == CommandCode.PROTECT_ON and MeterStatus.PROTECT not in status:
        return "read back: protect is not on"
    if code == CommandCode.PROTECT_OFF and MeterStatus.PROTECT in status:
        return "read back: protect is still on"
    return None


async def send(driver: MeterDriver, order: Order, target: Target, key: MeterKey) -> ResultCode | int:
    kind, address = order.kind, target.address
    if kind == CommandKind.RECHARGE:
        p = order.payload
        return await driver.send_recharge(address, Decimal(p["amount"]), int(order.purchase_count or 0),
                                          int(p.get("order_reference", 0)), int(p.get("customer_number", 0)),
                                          key)
    if kind == CommandKind.PUSH_SETTINGS:
        await driver.write_settings(address, settings_of(order.payload))
    elif kind == CommandKind.PUSH_TARIFF:
        await driver.push_tariff(address, table_from_json(order.payload.get("table")))
    elif kind == CommandKind.CLOCK_SYNC:
        await driver.sync_clock(address)
    else:
        return await driver.send_command(address, mailbox_code(order, target), order.sequence,
                                         order.valid_until, order.nonce, key)
    return ResultCode.OK


async def observe(driver: MeterDriver, order: Order, target: Target) -> Any:
    if order.kind == CommandKind.PUSH_SETTINGS:
        return await driver.read_settings(target.address)
    if order.kind == CommandKind.PUSH_TARIFF:
        return await driver.read_tariff(target.address)
    return await driver.read_hot_block(target.address)


def check(order: Order, target: Target, seen: Any) -> str | None:
    """None when the observation matches the command, else what differs."""
    kind = order.kind
    if kind == CommandKind.PUSH_SETTINGS:
        return None if seen == settings_of(order.payload) else "read back: settings differ"
    if kind == CommandKind.PUSH_TARIFF:
        return None if seen == table_from_json(order.payload.get("table")) else "read back: tariff differs"
    assert isinstance(seen, HotBlock)
    if kind == CommandKind.CLOCK_SYNC:
        off = seen.clock - time.time()
        return None if abs(off) <= CLOCK_TOLERANCE_S else f"read back: meter clock {off:+.0f} s off"
    if kind == CommandKind.RECHARGE:
        want = int(order.purchase_count or 0) & U16_MAX
        return None if seen.purchase_count == want else (
            f"read back: purchase count {seen.purchase_count}, expected {want}")
    if seen.last_sequence != order.sequence:
        return f"read back: meter's last sequence {seen.last_sequence}, sent {order.sequence}"
    return mailbox_effect(mailbox_code(order, target), seen.status)


def applied(order: Order, target: Target, seen: Any) -> bool:
    """Does the read-back alone prove a command left in `sent` was applied?"""
    return check(order, target, seen) is None


def recharge_resolution(order: Order, seen: HotBlock) -> str:
    """'credited', 'resend' (count still expected-1) or 'conflict' (a human must look)."""
    want = int(order.purchase_count or 0)
    if seen.purchase_count == want & U16_MAX:
        return "credited"
    if seen.purchase_count == (want - 1) & U16_MAX:
        return "resend"
    return "conflict"
