"""X.509 v3 certificates built with pycryptodome's DER encoder, for the UnionPay chain."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15
from Crypto.Util.asn1 import (
    DerBitString,
    DerBoolean,
    DerInteger,
    DerNull,
    DerObject,
    DerObjectId,
    DerOctetString,
    DerSequence,
    DerSetOf,
)

SHA256_WITH_RSA = "1.2.840.113549.1.1.11"
COMMON_NAME = "2.5.4.3"
ORGANIZATION = "2.5.4.10"
COUNTRY = "2.5.4.6"
BASIC_CONSTRAINTS = "2.5.29.19"
KEY_USAGE = "2.5.29.15"
UTF8_STRING, PRINTABLE_STRING, UTC_TIME, GENERALIZED_TIME = 0x0C, 0x13, 0x17, 0x18


def name(cn: str, org: str = "Wattkeeper Sandbox") -> bytes:
    """A distinguished name C=CN, O=org, CN=cn (UTF8String so Chinese names survive)."""

    def rdn(oid: str, tag: int, value: str) -> DerSetOf:
        attribute = DerSequence([DerObjectId(oid), DerObject(tag, value.encode("utf-8"))])
        return DerSetOf([attribute.encode()])

    return DerSequence(
        [
            rdn(COUNTRY, PRINTABLE_STRING, "CN"),
            rdn(ORGANIZATION, UTF8_STRING, org),
            rdn(COMMON_NAME, UTF8_STRING, cn),
        ]
    ).encode()


def _time(moment: datetime) -> bytes:
    # RFC 5280: UTCTime up to 2049, GeneralizedTime from 2050.
    if moment.year < 2050:
        return DerObject(UTC_TIME, moment.strftime("%y%m%d%H%M%SZ").encode()).encode()
    return DerObject(GENERALIZED_TIME, moment.strftime("%Y%m%d%H%M%SZ").encode()).encode()


def _algorithm() -> bytes:
    return DerSequence([DerObjectId(SHA256_WITH_RSA), DerNull()]).encode()


def _extension(oid: str, critical: bool, value: bytes) -> bytes:
    return DerSequence([DerObjectId(oid), DerBoolean(critical), DerOctetString(value)]).encode()


def issue(
    subject_cn: str,
    subject_key: RSA.RsaKey,
    issuer_cn: str,
    issuer_key: RSA.RsaKey,
    serial: int,
    *,
    ca: bool,
    days: int = 3650,
) -> bytes:
    """A DER certificate for subject_key signed by issuer_key (self-signed when they are one)."""
    now = datetime.now(UTC).replace(microsecond=0)
    validity = DerSequence([_time(now - timedelta(days=1)), _time(now + timedelta(days=days))])
    constraints = DerSequence([DerBoolean(True)] if ca else []).encode()
    # keyUsage bits: CA keys sign certificates (keyCertSign, cRLSign), the end key signs messages.
    # DerBitString cannot say "unused bits", so the BIT STRING is written by hand.
    usage = DerObject(0x03, b"\x01\x06" if ca else b"\x06\xc0")
    extensions = DerSequence(
        [
            _extension(BASIC_CONSTRAINTS, True, constraints),
            _extension(KEY_USAGE, True, usage.encode()),
        ],
        explicit=3,
    )
    tbs = DerSequence(
        [
            DerInteger(2, explicit=0),
            DerInteger(serial),
            _algorithm(),
            name(issuer_cn),
            validity.encode(),
            name(subject_cn),
            subject_key.public_key().export_key("DER"),
            extensions.encode(),
        ]
    ).encode()
    signature = pkcs1_15.new(issuer_key).sign(SHA256.new(tbs))
    return DerSequence([tbs, _algorithm(), DerBitString(signature).encode()]).encode()


def to_pem(der: bytes) -> str:
    body = base64.b64encode(der).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def from_pem(pem: str) -> bytes:
    body = "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))
    return base64.b64decode(body)


def serial_of(der: bytes) -> int:
    """The certificate's serial number (UnionPay's certId is its decimal form)."""
    tbs = DerSequence().decode(DerSequence().decode(der)[0])
    return DerInteger().decode(tbs[1]).value if isinstance(tbs[1], bytes) else tbs[1]
