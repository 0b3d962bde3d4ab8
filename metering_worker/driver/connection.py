"""One pymodbus client per gateway bus or serial port, with both error channels mapped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException
from pymodbus.framer import FramerType
from pymodbus.pdu import ModbusPDU

from shared_models.enums import Framing

from .errors import (
    DeviceError,
    DeviceExceptionResponse,
    DeviceGarbled,
    DeviceTimeout,
    DeviceUnreachable,
    GatewayTargetFailed,
)

DEFAULT_TIMEOUT_S = 0.4
GATEWAY_EXCEPTIONS = (0x0A, 0x0B)  # path unavailable, target device failed to respond


@dataclass(frozen=True)
class Endpoint:
    """Where a bus is reached: a gateway port, or a local serial device."""

    host: str = "127.0.0.1"
    port: int = 502
    framing: Framing = Framing.MODBUS_TCP
    serial_port: str | None = None
    baudrate: int = 9600
    parity: str = "E"  # 8E1: 11 bits per character
    stopbits: int = 1


class BusConnection:
    """Lazily connected client; each call raises DeviceError or returns a good response."""

    def __init__(self, endpoint: Endpoint, *, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self._received = 0
        self._client = self._build()
        self._client.set_max_no_responses(1_000_000)  # dead meters must not drop the socket

    def _trace(self, sending: bool, data: bytes) -> bytes:
        if not sending:
            self._received += len(data)
        return data

    def _build(self) -> AsyncModbusTcpClient | AsyncModbusSerialClient:
        ep = self.endpoint
        # retries=0 and no auto-reconnect: the caller owns backoff and bus time.
        if ep.framing == Framing.SERIAL:
            if not ep.serial_port:
                raise ValueError("a serial endpoint needs serial_port")
            return AsyncModbusSerialClient(
                ep.serial_port,
                framer=FramerType.RTU,
                baudrate=ep.baudrate,
                bytesize=8,
                parity=ep.parity,
                stopbits=ep.stopbits,
                timeout=self.timeout,
                retries=0,
                reconnect_delay=0,
                trace_packet=self._trace,
            )
        return AsyncModbusTcpClient(
            ep.host,
            port=ep.port,
            framer=FramerType.RTU if ep.framing == Framing.RTU_OVER_TCP else FramerType.SOCKET,
            timeout=self.timeout,
            retries=0,
            reconnect_delay=0,
            trace_packet=self._trace,
        )

    async def connect(self) -> None:
        if self._client.connected:
            return
        if not await self._client.connect():
            raise DeviceUnreachable(f"cannot connect to {self._where()}")

    def close(self) -> None:
        self._client.close()

    def _where(self) -> str:
        ep = self.endpoint
        if ep.framing == Framing.SERIAL:
            return str(ep.serial_port)
        return f"{ep.host}:{ep.port}/{ep.framing.value}"

    async def _call(self, what: str, unit: int, request: Callable[[], Awaitable[ModbusPDU]]) -> ModbusPDU:
        await self.connect()
        before = self._received
        where = f"{what} unit {unit} at {self._where()}"
        try:
            response = await request()
        except ConnectionException as exc:
            raise DeviceUnreachable(f"{where}: connection lost", unit=unit) from exc
        except ModbusIOException as exc:
            if self._received > before:
                raise DeviceGarbled(f"{where}: unusable reply", unit=unit) from exc
            raise DeviceTimeout(f"{where}: no reply in {self.timeout}s", unit=unit) from exc
        except ModbusException as exc:
            raise DeviceGarbled(f"{where}: {exc}", unit=unit) from exc
        except TimeoutError as exc:
            raise DeviceTimeout(f"{where}: no reply in {self.timeout}s", unit=unit) from exc
        if response.isError():
            code = int(getattr(response, "exception_code", 0))
            kind = GatewayTargetFailed if code in GATEWAY_EXCEPTIONS else DeviceExceptionResponse
            raise kind(f"{where}: exception 0x{code:02X}", exception_code=code, unit=unit)
        return response

    async def read(self, unit: int, address: int, count: int) -> list[int]:
        """FC03; refuses a reply with the wrong number of registers."""
        response = await self._call(
            f"read 0x{address:04X}+{count}",
            unit,
            lambda: self._client.read_holding_registers(address, count=count, device_id=unit),
        )
        registers = list(getattr(response, "registers", []))
        if len(registers) != count:
            raise DeviceGarbled(
                f"read 0x{address:04X} unit {unit}: {len(registers)} registers, wanted {count}",
                unit=unit,
            )
        return registers

    async def write(self, unit: int, address: int, values: Sequence[int]) -> None:
        """FC16; unit 0 broadcasts to every meter on the bus and gets no reply."""
        values = [int(v) for v in values]
        if unit == 0:
            await self.connect()
            try:
                await self._client.write_registers(address, values, device_id=0, no_response_expected=True)
            except ModbusException as exc:
                raise DeviceUnreachable(f"broadcast to {self._where()} failed") from exc
            return
        response = await self._call(
            f"write 0x{address:04X}+{len(values)}",
            unit,
            lambda: self._client.write_registers(address, values, device_id=unit),
        )
        echo = (getattr(response, "address", None), getattr(response, "count", None))
        if echo != (address, len(values)):
            raise DeviceGarbled(f"write 0x{address:04X} unit {unit}: echo {echo}", unit=unit)


__all__ = ["BusConnection", "DeviceError", "Endpoint"]
