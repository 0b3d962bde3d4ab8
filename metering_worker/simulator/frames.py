"""Modbus TCP and RTU framing for the simulator's gateway side (FC03 and FC16)."""

from __future__ import annotations

import asyncio
import contextlib
import struct
from dataclasses import dataclass

FIXED_8_BYTE_REQUESTS = {1, 2, 3, 4, 5, 6}
VARIABLE_REQUESTS = {15, 16}


def crc16(data: bytes) -> bytes:
    """Modbus CRC-16 (poly 0xA001, init 0xFFFF), low byte first as sent on the wire."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return struct.pack("<H", crc)


class ModbusError(Exception):
    """Answer the request with this Modbus exception code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Request:
    unit: int
    pdu: bytes
    transaction_id: int = 0  # Modbus TCP only


def tcp_frame(transaction_id: int, unit: int, pdu: bytes) -> bytes:
    return struct.pack(">HHHB", transaction_id, 0, len(pdu) + 1, unit) + pdu


def rtu_frame(unit: int, pdu: bytes) -> bytes:
    body = bytes((unit,)) + pdu
    return body + crc16(body)


async def read_tcp_request(reader: asyncio.StreamReader) -> Request | None:
    """One MBAP request, or None on a frame we cannot use (the gateway drops it)."""
    header = await reader.readexactly(7)
    tid, protocol, length, unit = struct.unpack(">HHHB", header)
    if length < 2 or length > 254:
        raise ConnectionError(f"bad MBAP length {length}")
    pdu = await reader.readexactly(length - 1)
    return Request(unit, pdu, tid) if protocol == 0 else None


async def read_rtu_request(reader: asyncio.StreamReader) -> Request | None:
    """One RTU request from the byte stream; a bad CRC is ignored as a real meter would."""
    head = await reader.readexactly(2)
    function = head[1]
    if function in FIXED_8_BYTE_REQUESTS:
        rest = await reader.readexactly(6)
    elif function in VARIABLE_REQUESTS:
        fixed = await reader.readexactly(5)
        rest = fixed + await reader.readexactly(fixed[4] + 2)
    else:
        # Unknown length: drop what arrives next and resynchronise, as a meter would.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reader.read(256), 0.02)
        return None
    frame = head + rest
    if crc16(frame[:-2]) != frame[-2:]:
        return None
    return Request(frame[0], frame[1:-2])


def exception_pdu(function: int, code: int) -> bytes:
    return bytes((function | 0x80, code))


def garble(frame: bytes, *, rtu: bool) -> bytes:
    """RTU: flip the CRC. TCP: drop the last register but keep the header consistent."""
    if rtu:
        return frame[:-1] + bytes((frame[-1] ^ 0xFF,))
    tid, _, _, unit = struct.unpack(">HHHB", frame[:7])
    pdu = frame[7:]
    if pdu[0] == 3 and len(pdu) > 4:
        pdu = bytes((3, pdu[1] - 2)) + pdu[2:-2]
    elif pdu[0] == 16:
        address, count = struct.unpack(">HH", pdu[1:5])
        pdu = struct.pack(">BHH", 16, address, max(count - 1, 0))
    return tcp_frame(tid, unit, pdu)
