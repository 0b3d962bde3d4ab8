"""Payment codes (付款码) a kiosk scans: which gateway a code belongs to, and how to log one."""

from __future__ import annotations

import re

from shared_models.errors import InvalidValue

# channel -> the code's shape as each wallet app shows it. The prefixes do not overlap, so a
# scanned code names its gateway by itself.
FORMATS: dict[str, re.Pattern[str]] = {
    "wechat": re.compile(r"1[0-5][0-9]{16}"),  # 18 digits starting 10-15
    "alipay": re.compile(r"(2[5-9]|30)[0-9]{14,22}"),  # 16-24 digits starting 25-30
    "unionpay": re.compile(r"62[0-9]{17}"),  # 19 digits starting 62
}


def channel_of(code: str) -> str:
    """The channel whose format the code has; InvalidValue (field auth_code) when none does."""
    cleaned = code.strip(" \t\r\n") if isinstance(code, str) else ""
    for channel, pattern in FORMATS.items():
        if pattern.fullmatch(cleaned):
            return channel
    raise InvalidValue("this is not an Alipay, WeChat Pay or UnionPay payment code: {code}",
                       field="auth_code", code=mask(cleaned))


def is_code_of(code: str, channel: str) -> bool:
    return channel in FORMATS and bool(FORMATS[channel].fullmatch(code))


def mask(code: str) -> str:
    """The code as logs may show it: the channel's prefix and the last 4 digits, never the rest."""
    if not isinstance(code, str) or len(code) < 10:
        return "*" * len(code) if isinstance(code, str) else "***"
    return code[:2] + "*" * (len(code) - 6) + code[-4:]
