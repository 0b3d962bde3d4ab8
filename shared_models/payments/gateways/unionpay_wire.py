"""UnionPay ACP messages on the wire: the signed string, `k=v&...` bodies, trace times."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from shared_models.payments.gateways.wire import SHANGHAI


def sign_string(fields: Mapping[str, str]) -> bytes:
    """What the RSA signature covers: the lowercase hex SHA-256 of the sorted `k=v&...` string."""
    text = "&".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "signature")
    return hashlib.sha256(text.encode("utf-8")).hexdigest().encode("ascii")


def parse_message(text: str) -> dict[str, str]:
    """A `k=v&...` message: URL-encoded as a form, or raw as ACP answers are (PEM and all)."""
    if "-----BEGIN CERTIFICATE-----" not in text:
        try:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
        except ValueError as exc:
            raise ValueError(f"not a k=v&... message: {exc}") from exc
    else:
        # Raw values: split on & outside {...}, then on the first = (base64 ends in =).
        pairs, depth, start = [], 0, 0
        for at, char in enumerate(text + "&"):
            depth += {"{": 1, "}": -1}.get(char, 0)
            if char == "&" and depth == 0:
                key, sep, value = text[start:at].partition("=")
                if not sep:
                    raise ValueError(f"not a k=v pair: {text[start:at][:40]!r}")
                pairs.append((key, value))
                start = at + 1
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise ValueError("a field appears twice")
    return fields


def time_from_trace(fields: Mapping[str, str]) -> datetime | None:
    """traceTime is MMDDhhmmss; its year is the order's (txnTime), a year on when it wraps."""
    trace, order = fields.get("traceTime", ""), fields.get("txnTime", "")
    if len(trace) != 10 or len(order) != 14 or not (trace + order).isdigit():
        return None
    year = int(order[:4]) + (1 if trace[:4] < order[4:8] else 0)
    moment = datetime.strptime(f"{year}{trace}", "%Y%m%d%H%M%S").replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC)
