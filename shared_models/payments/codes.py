"""Payment codes (付款码): which gateway a scanned code belongs to, and how it may be shown.

The formats (PAYMENTS.md): WeChat Pay 18 digits starting 10-15; Alipay 16 to 24 digits
starting 25-30; UnionPay 19 digits starting 62. The prefixes do not overlap, so a code names its
gateway by itself. A code is single use and is never logged or stored whole: only `mask(code)` is.
"""

from __future__ import annotations

import re

from shared_models.models.ledger import Channel

# [0-9], not \d: \d also matches full-width and other scripts' digits, which no scanner sends
# and no gateway accepts.
FORMATS: tuple[tuple[Channel, re.Pattern[str]], ...] = (
    (Channel.WECHAT, re.compile(r"1[0-5][0-9]{16}")),
    (Channel.ALIPAY, re.compile(r"(2[5-9]|30)[0-9]{14,22}")),
    (Channel.UNIONPAY, re.compile(r"62[0-9]{17}")),
)


def channel_of(code: str) -> Channel | None:
    """The gateway whose format the code has, or None (a mistyped, padded or foreign code)."""
    if not isinstance(code, str):
        return None
    for channel, pattern in FORMATS:
        if pattern.fullmatch(code):
            return channel
    return None


def is_code_of(code: str, channel: str) -> bool:
    """Whether the code has that gateway's format (a channel without codes has none)."""
    return channel_of(code) == channel


def mask(code: str) -> str:
    """Enough to tell two codes apart in an order's history, not enough to use one."""
    return f"{code[:2]}{'*' * max(len(code) - 6, 0)}{code[-4:]}" if len(code) > 6 else "*" * len(code)
