"""WeChat Pay v3 on the wire: RFC 3339 times and the AEAD_AES_256_GCM notify resource."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime

from Crypto.Cipher import AES

from shared_models.payments.gateways.base import BadNotify


def parse_time(text: str | None) -> datetime | None:
    """RFC 3339 ("2024-03-15T12:00:00+08:00") as an aware UTC datetime."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"time without an offset: {text!r}")
    return moment.astimezone(UTC)


def decrypt_resource(apiv3_key: bytes, resource: Mapping) -> bytes:
    """AEAD_AES_256_GCM: the ciphertext's last 16 bytes are the tag, associated_data the AAD."""
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise BadNotify(f"undecryptable: algorithm {resource.get('algorithm')!r}")
    try:
        data = base64.b64decode(resource["ciphertext"], validate=True)
        cipher = AES.new(apiv3_key, AES.MODE_GCM, nonce=resource["nonce"].encode("utf-8"))
        cipher.update((resource.get("associated_data") or "").encode("utf-8"))
        return cipher.decrypt_and_verify(data[:-16], data[-16:])
    except (KeyError, TypeError, AttributeError, binascii.Error, ValueError) as exc:
        raise BadNotify(f"undecryptable: {exc}") from exc
