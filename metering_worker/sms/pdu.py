"""SMS-SUBMIT PDUs (3GPP TS 23.040) in UCS2, split into concatenated parts when long.

PDU mode rather than text mode: it carries Chinese (UCS2) and the concatenation header
on every modem, where text-mode UCS2 depends on the modem's AT+CSCS and cannot concatenate.
"""

from __future__ import annotations

from dataclasses import dataclass

SINGLE_UNITS = 70  # UTF-16 code units in one UCS2 message (140 octets)
PART_UNITS = 67  # per part once the 6-octet concatenation header takes its room
FIRST_OCTET = 0x11  # SMS-SUBMIT, relative validity period present
UDHI = 0x40  # user data begins with a header (the concatenation header)
DCS_UCS2 = 0x08
VALIDITY_24H = 0xA7  # relative VP 167: 24 hours; an alarm older than that is stale anyway


class MessageTooLong(ValueError):
    """The text needs more parts than the driver allows."""


@dataclass(frozen=True)
class Pdu:
    hex: str  # with the leading "00" (use the SIM's service centre)
    tpdu_length: int  # octets after the service-centre field: the AT+CMGS=<length> argument


def split_units(text: str) -> list[bytes]:
    """The UCS2 (UTF-16-BE) octets of each part; never splits a surrogate pair."""
    data = text.encode("utf-16-be")
    if len(data) <= SINGLE_UNITS * 2:
        return [data]
    parts, start = [], 0
    while start < len(data):
        end = min(start + PART_UNITS * 2, len(data))
        if end < len(data) and 0xD8 <= data[end - 2] <= 0xDB:  # high surrogate at the cut
            end -= 2
        parts.append(data[start:end])
        start = end
    return parts


def _address(phone: str) -> bytes:
    """TP-DA: a mainland number in international form (86...), semi-octets swapped."""
    digits = "86" + phone if len(phone) == 11 else phone
    padded = digits + ("F" if len(digits) % 2 else "")
    swapped = "".join(padded[i + 1] + padded[i] for i in range(0, len(padded), 2))
    return bytes([len(digits), 0x91]) + bytes.fromhex(swapped)


def encode(phone: str, text: str, *, reference: int, max_parts: int) -> list[Pdu]:
    """The PDUs of one message; `reference` (0-255) ties concatenated parts together."""
    if not text:
        raise ValueError("an SMS needs a text")
    parts = split_units(text)
    if len(parts) > max_parts:
        raise MessageTooLong(f"the text needs {len(parts)} SMS parts, more than the {max_parts} allowed")
    concatenated = len(parts) > 1
    pdus = []
    for number, chunk in enumerate(parts, start=1):
        header = bytes([5, 0x00, 3, reference & 0xFF, len(parts), number]) if concatenated else b""
        user_data = header + chunk
        tpdu = (bytes([FIRST_OCTET | (UDHI if concatenated else 0), 0x00]) + _address(phone)
                + bytes([0x00, DCS_UCS2, VALIDITY_24H, len(user_data)]) + user_data)
        pdus.append(Pdu(hex="00" + tpdu.hex().upper(), tpdu_length=len(tpdu)))
    return pdus


def decode_submit(pdu_hex: str) -> tuple[str, str, tuple[int, int, int] | None]:
    """(number, text, (reference, total, part) or None) of an SMS-SUBMIT PDU built by encode().

    The simulated modem in the tests reads what the driver wrote with this, so both ends of the
    wire format are checked against each other and against fixed vectors.
    """
    raw = bytes.fromhex(pdu_hex)
    sca_len = raw[0]
    pos = 1 + sca_len
    first = raw[pos]
    digits_len, pos = raw[pos + 2], pos + 4  # skip first octet, MR, length; then type
    octets = (digits_len + 1) // 2
    semi = raw[pos:pos + octets].hex().upper()
    number = "".join(semi[i + 1] + semi[i] for i in range(0, len(semi), 2))[:digits_len]
    pos += octets
    dcs = raw[pos + 1]
    vp_len = 1 if first & 0x18 == 0x10 else 0
    pos += 2 + vp_len
    udl, user_data = raw[pos], raw[pos + 1:]
    if dcs != DCS_UCS2 or len(user_data) != udl:
        raise ValueError("not a UCS2 SMS-SUBMIT with a consistent length")
    concat = None
    if first & UDHI:
        header_len = user_data[0]
        header, user_data = user_data[1:1 + header_len], user_data[1 + header_len:]
        if header[:2] == b"\x00\x03":
            concat = (header[2], header[3], header[4])
    return number, user_data.decode("utf-16-be"), concat
