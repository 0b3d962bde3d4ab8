"""Command (0x0060) and recharge (0x0070) mailboxes, with their MACs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from shared_models.errors import InvalidValue
from shared_models.money import cents, money_from_cents

from .registers import (
    COMMAND_COUNT,
    RECHARGE_COUNT,
    check_length,
    regs_to_bytes,
    regs_to_u32,
    u16,
    u32_to_regs,
)


class MacKey(Protocol):
    def mac32(self, data: bytes) -> int: ...


@dataclass(frozen=True)
class CommandMessage:
    code: int  # a CommandCode; kept as int so a meter can report unknown codes
    sequence: int
    valid_until: int  # Unix seconds
    nonce: int


@dataclass(frozen=True)
class RechargeMessage:
    amount: Decimal  # yuan
    purchase_count: int  # must be the meter's stored count + 1
    order_reference: int
    customer_number: int


def mac_input(unit_id: int, body: Sequence[int]) -> bytes:
    """What the MAC covers: the unit id byte, then the registers before the MAC field."""
    if not 0 <= unit_id <= 247:
        raise InvalidValue(f"unit id out of range: {unit_id}")
    return bytes((unit_id,)) + regs_to_bytes(body)


def command_body(msg: CommandMessage) -> list[int]:
    return [
        u16(msg.code, "command code"),
        u16(msg.sequence, "sequence"),
        *u32_to_regs(msg.valid_until, "valid until"),
        *u32_to_regs(msg.nonce, "nonce"),
    ]


def encode_command(unit_id: int, msg: CommandMessage, key: MacKey) -> list[int]:
    body = command_body(msg)
    return body + u32_to_regs(key.mac32(mac_input(unit_id, body)))


def decode_command(regs: Sequence[int]) -> tuple[CommandMessage, int]:
    """The message and the MAC field it carried."""
    check_length(regs, COMMAND_COUNT, "command mailbox")
    r = [int(v) for v in regs]
    msg = CommandMessage(r[0], r[1], regs_to_u32(r[2], r[3]), regs_to_u32(r[4], r[5]))
    return msg, regs_to_u32(r[6], r[7])


def recharge_body(msg: RechargeMessage) -> list[int]:
    if msg.amount <= 0:
        raise InvalidValue(f"a recharge amount must be positive: {msg.amount}", field="amount")
    return [
        *u32_to_regs(cents(msg.amount), "amount"),
        *u32_to_regs(msg.purchase_count, "purchase count"),
        *u32_to_regs(msg.order_reference, "order reference"),
        *u32_to_regs(msg.customer_number, "customer number"),
    ]


def encode_recharge(unit_id: int, msg: RechargeMessage, key: MacKey) -> list[int]:
    body = recharge_body(msg)
    return body + u32_to_regs(key.mac32(mac_input(unit_id, body)))


def decode_recharge(regs: Sequence[int]) -> tuple[RechargeMessage, int]:
    check_length(regs, RECHARGE_COUNT, "recharge mailbox")
    r = [int(v) for v in regs]
    msg = RechargeMessage(
        amount=money_from_cents(regs_to_u32(r[0], r[1])),
        purchase_count=regs_to_u32(r[2], r[3]),
        order_reference=regs_to_u32(r[4], r[5]),
        customer_number=regs_to_u32(r[6], r[7]),
    )
    return msg, regs_to_u32(r[8], r[9])


def mac_matches(unit_id: int, regs: Sequence[int], key: MacKey) -> bool:
    """Check a whole mailbox write (body then 2 MAC registers) against a key."""
    body, carried = list(regs[:-2]), regs_to_u32(int(regs[-2]), int(regs[-1]))
    return key.mac32(mac_input(unit_id, body)) == carried
