"""Retail MAC against a step-by-step single-DES computation, diversification and tampering."""

from __future__ import annotations

import pytest
from Crypto.Cipher import DES, DES3
from hypothesis import given
from hypothesis import strategies as st

from metering_worker.protocol import CommandCode, CommandMessage, KeyRing, MasterKey, retail_mac
from metering_worker.protocol.mac import diversification_block, diversify_3des, pad_method_2
from metering_worker.protocol.mailbox import encode_command, mac_matches
from shared_models.errors import InvalidValue

MASTER = bytes.fromhex("0123456789abcdeffedcba987654321089abcdef01234567")
KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da5")


def reference_retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 algorithm 3 written out block by block with single-DES ECB only."""
    padded = data + b"\x80"
    while len(padded) % 8:
        padded += b"\x00"
    k1 = DES.new(key[:8], DES.MODE_ECB)
    state = bytes(8)
    for i in range(0, len(padded), 8):
        block = bytes(a ^ b for a, b in zip(state, padded[i : i + 8], strict=True))
        state = k1.encrypt(block)
    state = DES.new(key[8:16], DES.MODE_ECB).decrypt(state)
    return DES.new(key[16:], DES.MODE_ECB).encrypt(state)


@pytest.mark.parametrize("length", [0, 1, 7, 8, 9, 13, 16, 17, 40])
def test_retail_mac_matches_reference(length: int) -> None:
    data = bytes(range(length))
    assert retail_mac(KEY, data) == reference_retail_mac(KEY, data)


@given(st.binary(max_size=64))
def test_retail_mac_matches_reference_for_any_data(data: bytes) -> None:
    assert retail_mac(KEY, data) == reference_retail_mac(KEY, data)


def test_padding_method_2() -> None:
    assert pad_method_2(b"") == b"\x80" + bytes(7)
    assert pad_method_2(bytes(8)) == bytes(8) + b"\x80" + bytes(7)
    assert pad_method_2(b"\x01\x02") == b"\x01\x02\x80" + bytes(5)


def test_trailing_zero_changes_the_mac() -> None:
    assert retail_mac(KEY, b"\x01") != retail_mac(KEY, b"\x01\x00")


def test_retail_mac_with_equal_keys_is_single_des_cbc_mac() -> None:
    # With K1 = K2 = K3 the output transformation cancels out: plain CBC-MAC.
    k = bytes.fromhex("133457799bbcdff1")
    data = b"Now is the time for all "
    cbc = DES.new(k, DES.MODE_CBC, iv=bytes(8)).encrypt(pad_method_2(data))[-8:]
    assert retail_mac(k * 3, data) == cbc


def test_diversification_block_bcd_and_hash() -> None:
    assert diversification_block("240000000001") == bytes.fromhex("0000240000000001")
    assert len(diversification_block("WK-A-0001")) == 8
    with pytest.raises(InvalidValue):
        diversification_block(" ")


def test_diversified_key_by_hand() -> None:
    d = bytes.fromhex("0000240000000001")
    e = DES3.new(MASTER, DES3.MODE_ECB)
    parts = [e.encrypt(bytes(b ^ m for b in d)) for m in (0x00, 0xFF, 0x55)]
    assert diversify_3des(MASTER, "240000000001") == DES3.adjust_key_parity(b"".join(parts))


def test_meters_get_different_keys() -> None:
    ring = KeyRing.single(MASTER)
    assert ring.meter_key("240000000001").secret != ring.meter_key("240000000002").secret
    assert "secret" not in repr(ring.meter_key("240000000001"))


def test_key_versions() -> None:
    other = bytes(reversed(MASTER))
    ring = KeyRing([MasterKey(1, "3des-retail-mac", MASTER), MasterKey(2, "3des-retail-mac", other)], 2)
    assert ring.meter_key("1").version == 2
    assert ring.meter_key("1", version=1).secret == KeyRing.single(MASTER).meter_key("1").secret
    with pytest.raises(InvalidValue):
        ring.meter_key("1", version=3)
    with pytest.raises(InvalidValue):
        KeyRing([MasterKey(1, "aes-cmac-not-yet", MASTER)], 1)


def test_mailbox_mac_covers_unit_id_and_body() -> None:
    key = KeyRing.single(MASTER).meter_key("240000000001")
    msg = CommandMessage(code=CommandCode.TRIP, sequence=9, valid_until=1_900_000_000, nonce=42)
    regs = encode_command(7, msg, key)
    expected = reference_retail_mac(key.secret, bytes([7]) + b"".join(r.to_bytes(2, "big") for r in regs[:6]))
    assert regs[6:] == [int.from_bytes(expected[:2], "big"), int.from_bytes(expected[2:4], "big")]


@pytest.mark.parametrize("index", range(8))
def test_any_tampered_register_fails(index: int) -> None:
    key = KeyRing.single(MASTER).meter_key("240000000001")
    regs = encode_command(7, CommandMessage(CommandCode.CLOSE_NOW, 1, 1_900_000_000, 5), key)
    tampered = list(regs)
    tampered[index] ^= 0x0001
    assert mac_matches(7, regs, key)
    assert not mac_matches(7, tampered, key)


def test_wrong_unit_or_key_fails() -> None:
    ring = KeyRing.single(MASTER)
    regs = encode_command(7, CommandMessage(CommandCode.TRIP, 1, 1, 1), ring.meter_key("1"))
    assert not mac_matches(8, regs, ring.meter_key("1"))
    assert not mac_matches(7, regs, ring.meter_key("2"))
