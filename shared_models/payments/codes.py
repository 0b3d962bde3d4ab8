"""Payment codes (付款码): which gateway a scanned code belongs to, and how it may be shown.

The formats (PAYMENTS.md): WeChat Pay 18 digits starting 10-15; Alipay 16 to 24 digits
starting 25-30; UnionPay 19 digits starting 62. A code is single use and is never logged or
stored whole: only `mask(code)` is.
"""

from __future__ import annotations

import re

from shared_models.models.ledger import Channel

_FORMATS: tuple[tuple[Channel, re.Pattern[str]], ...] = (
    (Channel.WECHAT, re.compile(r"1[0-5]\d{16}")),
    (Channel.ALIPAY, re.compile(r"(2[5-9]|30)\d{14,22}")),
    (Channel.UNIONPAY, re.compile(r"62\d{17}")),
)


def channel_of(code: str) -> Channel | None:
    """The gateway whose format the code has, or None (a mistyped or foreign code)."""
    for channel, pattern in _FORMATS:
        if pattern.fullmatch(code):
            return channel
    return None


def mask(code: str) -> str:
    """Enough to tell two codes apart in an order's history, not enough to use one."""
    return f"{code[:2]}{'*' * max(len(code) - 6, 0)}{code[-4:]}" if len(code) > 6 else "*" * len(code)
