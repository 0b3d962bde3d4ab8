"""Money, time and RSA as the gateways put them on the wire (Decimal only, aware datetimes)."""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from Crypto.Hash import SHA256
from Crypto.PublicKey.RSA import RsaKey
from Crypto.Signature import pkcs1_15

from shared_models.errors import InvalidValue
from shared_models.money import CENT, money

# Every gateway here stamps requests in Beijing time.
SHANGHAI = ZoneInfo("Asia/Shanghai")


def yuan_text(amount: Decimal) -> str:
    """Alipay's amount: yuan with exactly 2 decimals, "12.30"."""
    return f"{money(amount):.2f}"


def to_fen(amount: Decimal) -> int:
    """WeChat's and UnionPay's amount: integer fen."""
    fen = money(amount) / CENT
    return int(fen)


def from_fen(fen: object) -> Decimal:
    if isinstance(fen, bool) or not isinstance(fen, int | str):
        raise ValueError(f"an amount in fen must be an integer, got {fen!r}")
    if isinstance(fen, str) and not fen.isdigit():
        raise ValueError(f"an amount in fen must be digits, got {fen!r}")
    return (Decimal(int(fen)) * CENT).quantize(CENT)


def from_yuan(text: object) -> Decimal:
    if not isinstance(text, str):
        raise ValueError(f"an amount in yuan must be text, got {text!r}")
    try:
        return money(text)
    except InvalidValue as exc:
        raise ValueError(str(exc)) from exc


def aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: gateways need an aware time")
    return moment


def shanghai(moment: datetime) -> datetime:
    return aware(moment).astimezone(SHANGHAI)


def utc_now() -> datetime:
    return datetime.now(UTC)


def nonce(length: int = 32) -> str:
    return secrets.token_hex(length // 2)


def rsa_sign(key: RsaKey, message: bytes) -> str:
    """Base64 of RSA PKCS#1 v1.5 with SHA-256, the one signature all three gateways use."""
    return base64.b64encode(pkcs1_15.new(key).sign(SHA256.new(message))).decode("ascii")


def rsa_verify(key: RsaKey, message: bytes, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        pkcs1_15.new(key).verify(SHA256.new(message), raw)
    except (ValueError, TypeError):
        return False
    return True


def sorted_pairs(params: dict[str, str]) -> str:
    """`k=v&k=v` sorted by key with raw values: the string Alipay and UnionPay sign."""
    return "&".join(f"{key}={params[key]}" for key in sorted(params))
