"""MeterDriver: the WK-PM1 operations the worker needs, one awaitable per bus exchange."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from metering_worker.protocol import (
    CommandMessage,
    HotBlock,
    MeterKey,
    RechargeMessage,
    ResultCode,
    Settings,
    TariffTable,
    decode_hot_block,
    decode_settings,
    decode_tariff,
    encode_command,
    encode_recharge,
    encode_relay,
    encode_settings,
    encode_tariff,
)
from metering_worker.protocol import registers as reg
from metering_worker.protocol.codes import result_code
from shared_models.errors import InvalidValue

from .connection import DEFAULT_TIMEOUT_S, BusConnection, Endpoint, Framing
from .errors import CommandNotConfirmed, DeviceGarbled

T = TypeVar("T")


@dataclass(frozen=True)
class MailboxResult:
    """Registers 0x001A/0x001B: which sequence the meter last handled and how."""

    sequence: int
    result: ResultCode | int


class MeterDriver:
    """All meters of one bus behind one connection. Every method is one or more exchanges."""

    def __init__(self, endpoint: Endpoint, *, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.connection = BusConnection(endpoint, timeout=timeout)

    @classmethod
    def tcp(
        cls, host: str, port: int, *, rtu: bool = False, timeout: float = DEFAULT_TIMEOUT_S
    ) -> MeterDriver:
        """A gateway bus over TCP; rtu=True for RTU-over-TCP framing."""
        framing = Framing.RTU_OVER_TCP if rtu else Framing.MODBUS_TCP
        return cls(Endpoint(host=host, port=port, framing=framing), timeout=timeout)

    @classmethod
    def serial(cls, device: str, *, baudrate: int = 9600, timeout: float = DEFAULT_TIMEOUT_S) -> MeterDriver:
        return cls(Endpoint(framing=Framing.SERIAL, serial_port=device, baudrate=baudrate), timeout=timeout)

    @classmethod
    def for_bus(cls, framing: object, *, host: str | None, port: int | None, serial_device: str | None,
                baudrate: int, timeout: float) -> MeterDriver:
        """A bus as the registry describes it: its gateway's framing (either spelling) and port."""
        kind = Framing(framing)
        if kind == Framing.SERIAL:
            return cls.serial(serial_device or "", baudrate=baudrate, timeout=timeout)
        return cls.tcp(host or "", port or 502, rtu=kind == Framing.RTU_OVER_TCP, timeout=timeout)

    async def __aenter__(self) -> MeterDriver:
        await self.connection.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.connection.close()

    async def read_hot_block(self, address: int) -> HotBlock:
        regs = await self.connection.read(address, reg.HOT_BLOCK_ADDRESS, reg.HOT_BLOCK_COUNT)
        return _decoded(decode_hot_block, regs, address)

    async def read_settings(self, address: int) -> Settings:
        regs = await self.connection.read(address, reg.SETTINGS_ADDRESS, reg.SETTINGS_COUNT)
        return _decoded(decode_settings, regs, address)

    async def write_settings(self, address: int, settings: Settings) -> None:
        await self.connection.write(address, reg.SETTINGS_ADDRESS, encode_settings(settings))

    async def read_result(self, address: int) -> MailboxResult:
        sequence, code = await self.connection.read(address, reg.RESULT_ADDRESS, reg.RESULT_COUNT)
        return MailboxResult(sequence, result_code(code))

    async def send_command(
        self, address: int, code: int, seq: int, valid_until: int, nonce: int, key: MeterKey
    ) -> ResultCode | int:
        """Write the command mailbox, then read the result back and check it is ours."""
        msg = CommandMessage(code=int(code), sequence=seq, valid_until=valid_until, nonce=nonce)
        await self.connection.write(address, reg.COMMAND_ADDRESS, encode_command(address, msg, key))
        return await self._confirm(address, seq)

    async def send_recharge(
        self,
        address: int,
        amount: Decimal,
        purchase_count: int,
        order_reference: int,
        customer_number: int,
        key: MeterKey,
    ) -> ResultCode | int:
        """Write the recharge mailbox; the result names purchase_count's low 16 bits.

        Never call this again for the same sale without reading the purchase count first:
        count = stored + 1 is the only guard against double credit.
        """
        msg = RechargeMessage(amount, purchase_count, order_reference, customer_number)
        regs = encode_recharge(address, msg, key)
        await self.connection.write(address, reg.RECHARGE_ADDRESS, regs)
        return await self._confirm(address, purchase_count & reg.U16_MAX)

    async def _confirm(self, address: int, sequence: int) -> ResultCode | int:
        outcome = await self.read_result(address)
        if outcome.sequence != sequence:
            raise CommandNotConfirmed(
                f"unit {address} reports sequence {outcome.sequence}, sent {sequence}",
                unit=address,
            )
        return outcome.result

    async def write_relay(self, address: int, trip: bool) -> None:
        """Acrel-style relay register, no MAC: for meters of that family without mailboxes."""
        await self.connection.write(address, reg.RELAY_ADDRESS, encode_relay(trip))

    async def push_tariff(self, address: int, table: TariffTable) -> None:
        """Four writes, each table whole, prices last so old prices never meet a new plan."""
        for start, values in encode_tariff(table):
            await self.connection.write(address, start, values)

    async def read_tariff(self, address: int) -> TariffTable:
        blocks = {}
        for start, count in TARIFF_BLOCKS:
            blocks[start] = await self.connection.read(address, start, count)
        return _decoded(decode_tariff, blocks, address)

    async def sync_clock(self, address: int, unix_seconds: int | None = None) -> None:
        """Set the meter clock; address 0 broadcasts to the whole bus without a reply."""
        now = int(time.time()) if unix_seconds is None else int(unix_seconds)
        await self.connection.write(address, reg.CLOCK_ADDRESS, reg.u32_to_regs(now, "clock"))


TARIFF_BLOCKS = [
    (reg.SEASON_ADDRESS, reg.SEASON_COUNT),
    (reg.DAY_PLAN_ADDRESSES[0], reg.DAY_PLAN_COUNT),
    (reg.DAY_PLAN_ADDRESSES[1], reg.DAY_PLAN_COUNT),
    (reg.PRICES_ADDRESS, reg.PRICES_COUNT),
]


def _decoded(decode: Callable[[Any], T], regs: Any, address: int) -> T:
    try:
        return decode(regs)
    except InvalidValue as exc:
        raise DeviceGarbled(f"unit {address}: {exc.message}", unit=address) from exc
