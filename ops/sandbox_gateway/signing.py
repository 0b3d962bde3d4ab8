"""The signature schemes of the three gateways: RSA PKCS#1 v1.5 with SHA-256 over each one's string."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping

from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15


def rsa_sign(key: RSA.RsaKey, message: bytes) -> str:
    return base64.b64encode(pkcs1_15.new(key).sign(SHA256.new(message))).decode()


def rsa_verify(key: RSA.RsaKey, message: bytes, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        pkcs1_15.new(key).verify(SHA256.new(message), raw)
    except (ValueError, TypeError, binascii.Error):
        return False
    return True


def sorted_pairs(fields: Mapping[str, str], *, drop: tuple[str, ...], keep_empty: bool) -> bytes:
    """`k=v&k=v` sorted by key, raw values; Alipay drops empty values, UnionPay keeps them."""
    pairs = sorted((k, v) for k, v in fields.items() if k not in drop and (keep_empty or v != ""))
    return "&".join(f"{k}={v}" for k, v in pairs).encode("utf-8")


def alipay_request_string(fields: Mapping[str, str]) -> bytes:
    """What the merchant signs on a request: every field but `sign` (sign_type included)."""
    return sorted_pairs(fields, drop=("sign",), keep_empty=False)


def alipay_notify_string(fields: Mapping[str, str]) -> bytes:
    """What Alipay signs on a notify or a return: every field but `sign` and `sign_type`."""
    return sorted_pairs(fields, drop=("sign", "sign_type"), keep_empty=False)


def unionpay_digest(fields: Mapping[str, str]) -> bytes:
    """UnionPay 5.1.0 signs the lowercase hex SHA-256 of the sorted string, not the string."""
    text = sorted_pairs(fields, drop=("signature",), keep_empty=True)
    return hashlib.sha256(text).hexdigest().encode("ascii")


def wechat_request_message(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return f"{method}\n{path}\n{timestamp}\n{nonce}\n".encode() + body + b"\n"


def wechat_response_message(timestamp: str, nonce: str, body: bytes) -> bytes:
    return f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
