"""One RS485 bus behind a gateway: one exchange at a time, each taking its wire time."""

from __future__ import annotations

import asyncio
import logging
import random
import struct
from collections.abc import Callable

from shared_models.enums import Framing

from .config import BusConfig, Faults, GatewayConfig
from .frames import ModbusError, Request, exception_pdu
from .meter import SimMeter
from .physics import exchange_seconds, no_reply_seconds, rtu_size

log = logging.getLogger(__name__)

GATEWAY_TARGET_FAILED = 0x0B


class Bus:
    """Serialises every client's requests on one lock, as the RS485 wire does."""

    def __init__(
        self,
        config: BusConfig,
        gateway: GatewayConfig,
        meters: dict[int, SimMeter],
        *,
        clock: Callable[[], float],
        time_scale: float,
        seed: int,
    ) -> None:
        self.config = config
        self.gateway = gateway
        self.meters = meters
        self.faults: Faults = config.faults
        self.port = config.port
        self.time_scale = time_scale
        self._clock = clock
        self._rng = random.Random(f"{seed}:{gateway.name}:{config.number}")
        self._lock = asyncio.Lock()
        self.exchanges = 0
        self.busy_seconds = 0.0  # modelled wire time, whatever the time scale

    @property
    def tcp(self) -> bool:
        return self.config.framing == Framing.MODBUS_TCP

    async def _hold(self, start: float, seconds: float) -> None:
        self.busy_seconds += seconds
        if self.time_scale <= 0:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, start + seconds * self.time_scale - loop.time()))

    async def exchange(self, request: Request) -> tuple[bytes | None, bool]:
        """The reply PDU (None: no reply) and whether the reply is garbled on the way back."""
        async with self._lock:
            self.exchanges += 1
            start = asyncio.get_running_loop().time()
            return await self._exchange(request, start)

    async def _exchange(self, request: Request, start: float) -> tuple[bytes | None, bool]:
        cfg, faults = self.config, self.faults
        request_bytes = rtu_size(request.pdu)
        if request.unit == 0:
            for meter in self.meters.values():
                meter.advance_to(self._clock())
                respond(meter, request.pdu)  # broadcast: everyone acts, nobody answers
            await self._hold(start, no_reply_seconds(request_bytes, cfg.baud, cfg.bits_per_char, 0))
            return None, False
        meter = self.meters.get(request.unit)
        turnaround = 0.0
        if meter is not None:
            turnaround = meter.turnaround_s + meter.faults.extra_turnaround_s
            turnaround += faults.extra_turnaround_s
        if meter is None or self._silent(meter) or turnaround > self.gateway.reply_timeout_s:
            wait = self.gateway.reply_timeout_s
            await self._hold(start, no_reply_seconds(request_bytes, cfg.baud, cfg.bits_per_char, wait))
            if self.gateway.dead_reply == "exception" and self.tcp:
                return exception_pdu(request.pdu[0], GATEWAY_TARGET_FAILED), False
            return None, False
        meter.advance_to(self._clock())
        reply = respond(meter, request.pdu)
        seconds = exchange_seconds(
            request_bytes, rtu_size(reply), cfg.baud, cfg.bits_per_char, turnaround
        )
        await self._hold(start, seconds)
        rate = max(faults.garbled_rate, meter.faults.garbled_rate)
        return reply, rate > 0 and self._rng.random() < rate

    def _silent(self, meter: SimMeter) -> bool:
        if self.faults.dead or meter.faults.dead:
            return True
        rate = max(self.faults.timeout_rate, meter.faults.timeout_rate)
        return rate > 0 and self._rng.random() < rate


def respond(meter: SimMeter, pdu: bytes) -> bytes:
    """FC03 and FC16 against one meter's register map; anything else is exception 0x01."""
    function = pdu[0] if pdu else 0
    try:
        if function == 3:
            address, count = struct.unpack(">HH", pdu[1:5])
            if not 1 <= count <= 125:
                raise ModbusError(0x03)
            values = meter.read(address, count)
            return struct.pack(f">BB{count}H", 3, 2 * count, *values)
        if function == 16:
            address, count, byte_count = struct.unpack(">HHB", pdu[1:6])
            if not 1 <= count <= 123 or byte_count != 2 * count or len(pdu) != 6 + byte_count:
                raise ModbusError(0x03)
            meter.write(address, list(struct.unpack(f">{count}H", pdu[6:])))
            return struct.pack(">BHH", 16, address, count)
        raise ModbusError(0x01)
    except struct.error:
        return exception_pdu(function, 0x03)
    except ModbusError as exc:
        log.debug("unit %s: exception 0x%02X to function %s", meter.address, exc.code, function)
        return exception_pdu(function, exc.code)
