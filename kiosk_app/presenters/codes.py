"""Payment codes (付款码) as the kiosk checks them before handing one to the back office.

The formats are PAYMENTS.md's (the back office checks them again; the kiosk installs without
the server packages, so the rule is restated here): WeChat Pay 18 digits starting 10-15; Alipay
16 to 24 digits starting 25-30; UnionPay 19 digits starting 62. A code is single use and is never
logged or shown whole: only `mask(code)` is.
"""

from __future__ import annotations

import re

FORMATS = (
    ("wechat", re.compile(r"1[0-5][0-9]{16}")),
    ("alipay", re.compile(r"(2[5-9]|30)[0-9]{14,22}")),
    ("unionpay", re.compile(r"62[0-9]{17}")),
)


def channel_of(code: str) -> str | None:
    """"wechat", "alipay" or "unionpay" when the code has that gateway's format, else None."""
    for channel, pattern in FORMATS:
        if pattern.fullmatch(code):
            return channel
    return None


def mask(code: str) -> str:
    return f"{code[:2]}{'*' * max(len(code) - 6, 0)}{code[-4:]}" if len(code) > 6 else "*" * len(code)
