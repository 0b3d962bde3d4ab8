"""RS485 bus timing: the physical lower bound the simulator enforces and benchmarks compare to."""

from __future__ import annotations

import hashlib

INTER_FRAME_CHARS = 3.5
RTU_OVERHEAD = 3  # unit id + CRC-16 around the PDU
HOT_BLOCK_REQUEST_BYTES = 8  # unit, fc 03, address, count, CRC
HOT_BLOCK_RESPONSE_BYTES = 5 + 2 * 32  # unit, fc, byte count, 64 data bytes, CRC


def char_seconds(baud: int, bits_per_char: int = 11) -> float:
    """t_c: 11 bits for 8E1/8N2, 10 for 8N1."""
    return bits_per_char / baud


def exchange_seconds(
    request_bytes: int,
    response_bytes: int,
    baud: int,
    bits_per_char: int = 11,
    turnaround_s: float = 0.0,
) -> float:
    """(request + response bytes) x t_c + 2 x 3.5 t_c silences + the meter's turnaround."""
    t_c = char_seconds(baud, bits_per_char)
    return (request_bytes + response_bytes) * t_c + 2 * INTER_FRAME_CHARS * t_c + turnaround_s


def hot_block_read_seconds(
    baud: int = 9600, bits_per_char: int = 11, turnaround_s: float = 0.0
) -> float:
    """One FC03 read of the 32-register hot block: 8 + 69 bytes on the wire."""
    return exchange_seconds(
        HOT_BLOCK_REQUEST_BYTES, HOT_BLOCK_RESPONSE_BYTES, baud, bits_per_char, turnaround_s
    )


def no_reply_seconds(request_bytes: int, baud: int, bits_per_char: int, wait_s: float) -> float:
    """Bus time lost to a meter that never answers: the request, a silence, the gateway's wait."""
    t_c = char_seconds(baud, bits_per_char)
    return (request_bytes + INTER_FRAME_CHARS) * t_c + wait_s


def rtu_size(pdu: bytes) -> int:
    """Bytes of the RTU frame that carries a PDU on the wire, whatever the TCP-side framing."""
    return len(pdu) + RTU_OVERHEAD


def turnaround_for(seed: int, serial: str, low: float = 0.020, high: float = 0.100) -> float:
    """A meter's reply latency, fixed by the fleet seed and its serial (20-100 ms)."""
    digest = hashlib.sha256(f"{seed}:{serial}:turnaround".encode()).digest()
    fraction = int.from_bytes(digest[:4], "big") / 0xFFFF_FFFF
    return round(low + (high - low) * fraction, 4)
