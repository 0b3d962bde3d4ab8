"""Mailbox MACs: ISO/IEC 9797-1 MAC algorithm 3 (retail MAC) and per-meter key diversification."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from Crypto.Cipher import DES, DES3

from shared_models.errors import InvalidValue

BLOCK = 8
RETAIL_3DES = "3des-retail-mac"


def pad_method_2(data: bytes) -> bytes:
    """ISO/IEC 9797-1 padding method 2: append 0x80, then zeros up to a whole block.

    Chosen over method 1 (zeros only) because it is unambiguous: messages that differ only
    in trailing zero bytes get different MACs. A whole extra block is added when the data
    already fills its last block.
    """
    padded = data + b"\x80"
    return padded + b"\x00" * (-len(padded) % BLOCK)


def retail_mac(key: bytes, data: bytes) -> bytes:
    """8-byte ISO/IEC 9797-1 MAC algorithm 3 with a 24-byte key K1|K2|K3.

    Single-DES CBC (zero IV) with K1 over every padded block, then the last chaining value
    is DES-decrypted with K2 and DES-encrypted with K3 (output transformation 3).
    """
    if len(key) != 24:
        raise InvalidValue("a retail MAC key is 24 bytes (K1|K2|K3)")
    chained = DES.new(key[:8], DES.MODE_CBC, iv=bytes(BLOCK)).encrypt(pad_method_2(data))
    last = chained[-BLOCK:]
    last = DES.new(key[8:16], DES.MODE_ECB).decrypt(last)
    return DES.new(key[16:24], DES.MODE_ECB).encrypt(last)


def diversification_block(serial: str) -> bytes:
    """8 bytes naming one meter: its communication address.

    A serial of up to 16 decimal digits (the DL/T 645 meter address is 12 BCD digits) is
    packed as BCD, left-padded with zeros to 16 digits. Any other serial is mapped to the
    first 8 bytes of SHA-256 of its UTF-8 text, so alphanumeric serials work too.
    """
    text = serial.strip()
    if not text:
        raise InvalidValue("a meter serial is needed to derive its key")
    if text.isdigit() and text.isascii() and len(text) <= 16:
        return bytes.fromhex(text.zfill(16))
    return hashlib.sha256(text.encode("utf-8")).digest()[:BLOCK]


def diversify_3des(master_key: bytes, serial: str) -> bytes:
    """The meter's 24-byte key from a 24-byte site master key, as secure modules do.

    With D = diversification_block(serial) and E = 3DES-ECB under the master key:
    K1 = E(D), K2 = E(D XOR FF..FF), K3 = E(D XOR 55..55); DES parity bits are then set.
    """
    if len(master_key) != 24:
        raise InvalidValue("the site master key is 24 bytes")
    d = diversification_block(serial)
    try:
        cipher = DES3.new(DES3.adjust_key_parity(master_key), DES3.MODE_ECB)
        parts = [cipher.encrypt(bytes(b ^ mask for b in d)) for mask in (0x00, 0xFF, 0x55)]
        return DES3.adjust_key_parity(b"".join(parts))
    except ValueError as exc:  # pycryptodome refuses keys that degenerate to single DES
        raise InvalidValue(f"unusable 3DES key: {exc}") from exc


@dataclass(frozen=True)
class Algorithm:
    """How one key version derives meter keys and computes 8-byte MACs."""

    name: str
    diversify: Callable[[bytes, str], bytes]
    mac: Callable[[bytes, bytes], bytes]


# A later AES-CMAC is one more entry here plus a key version that names it.
ALGORITHMS: dict[str, Algorithm] = {
    RETAIL_3DES: Algorithm(RETAIL_3DES, diversify_3des, retail_mac),
}


@dataclass(frozen=True)
class MeterKey:
    """One meter's derived key; the secret never shows in repr or logs."""

    version: int
    algorithm: str
    secret: bytes = field(repr=False)

    def mac(self, data: bytes) -> bytes:
        return ALGORITHMS[self.algorithm].mac(self.secret, data)

    def mac32(self, data: bytes) -> int:
        """The high 4 bytes of the MAC, as carried in a mailbox's MAC field."""
        return int.from_bytes(self.mac(data)[:4], "big")


@dataclass(frozen=True)
class MasterKey:
    version: int
    algorithm: str
    secret: bytes = field(repr=False)


class KeyRing:
    """Site master keys by version; derives meter keys for the current or a named version."""

    def __init__(self, masters: Mapping[int, MasterKey] | list[MasterKey], current: int) -> None:
        items = masters.values() if isinstance(masters, Mapping) else masters
        self._masters = {m.version: m for m in items}
        for master in self._masters.values():
            if master.algorithm not in ALGORITHMS:
                raise InvalidValue(f"unknown MAC algorithm {master.algorithm!r}")
        if current not in self._masters:
            raise InvalidValue(f"key version {current} is not in the key ring")
        self.current_version = current

    @classmethod
    def single(cls, secret: bytes, *, version: int = 1, algorithm: str = RETAIL_3DES) -> KeyRing:
        return cls([MasterKey(version, algorithm, secret)], version)

    def meter_key(self, serial: str, version: int | None = None) -> MeterKey:
        master = self._masters.get(self.current_version if version is None else version)
        if master is None:
            raise InvalidValue(f"key version {version} is not in the key ring")
        algorithm = ALGORITHMS[master.algorithm]
        secret = algorithm.diversify(master.secret, serial)
        return MeterKey(master.version, master.algorithm, secret)
