"""Tenant SMS policy: what a message says, to whom, whether it is sent, and when. Pure rules.

The rules (documented in docs/operations.md, "SMS"):
- alarm1, alarm2 and arrears go to an account at most once per kind within the site's repeat
  window (default 6 h); a recharge confirmation answers a payment, so each one is sent, and
  so is a sign-in code (the tenant's own requests are throttled before they get here);
- in the site's quiet hours (default 22:00-08:00 local time) alarm1 and alarm2 wait until the
  quiet hours end. Arrears and recharge messages go out at once: arrears is sent when the
  power is being cut, and a recharge confirmation answers what the tenant just did;
- an account without a valid mainland mobile number, or a site with SMS turned off, gets a
  `suppressed` row with the reason, so the outbox shows why nobody was told.
`notifications/sms.py` applies them to the outbox.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared_models.errors import InvalidValue
from shared_models.models.notifications import SmsKind
from shared_models.money import money

DEFAULT_QUIET = (time(22, 0), time(8, 0))
DEFAULT_REPEAT_WINDOW = timedelta(hours=6)
# Kinds held back until quiet hours end, and kinds limited to one per repeat window.
DEFERRED_IN_QUIET_HOURS = frozenset({SmsKind.ALARM1, SmsKind.ALARM2})
WINDOWED = frozenset({SmsKind.ALARM1, SmsKind.ALARM2, SmsKind.ARREARS})
# Kinds a tenant may turn off. The arrears text says the supply is being cut, and the site owes
# the tenant that notice; confirmations and sign-in codes answer what the tenant just did.
MUTABLE = (SmsKind.ALARM1, SmsKind.ALARM2)

TEMPLATES = {
    SmsKind.ALARM1: "尊敬的{tenant}，您的电费账户{number}余额为{balance}元，已低于一级报警值"
                    "{threshold}元，请及时充值。",
    SmsKind.ALARM2: "尊敬的{tenant}，您的电费账户{number}余额为{balance}元，已低于二级报警值"
                    "{threshold}元，余额用尽将停止供电，请尽快充值。",
    SmsKind.ARREARS: "尊敬的{tenant}，您的电费账户{number}已欠费，当前余额{balance}元，"
                     "请尽快充值，充值后将恢复供电。",
    SmsKind.RECHARGE: "尊敬的{tenant}，您的电费账户{number}已成功充值{amount}元，当前余额{balance}元，"
                      "收据号{receipt}。",
    SmsKind.SIGN_IN_CODE: "您的电费账户{number}登录验证码为{code}，{minutes}分钟内有效，请勿告诉他人。",
}
# Context keys each kind needs from the caller; money values are formatted as yuan.
REQUIRED = {
    SmsKind.ALARM1: ("balance", "threshold"),
    SmsKind.ALARM2: ("balance", "threshold"),
    SmsKind.ARREARS: ("balance",),
    SmsKind.RECHARGE: ("amount", "balance", "receipt"),
    SmsKind.SIGN_IN_CODE: ("code", "minutes"),
}
MONEY_KEYS = frozenset({"balance", "threshold", "amount"})
# Values only the addressee may read: staff lists and exports show the text with them masked.
SECRET_KEYS = {SmsKind.SIGN_IN_CODE: ("code",)}
MASK = "******"

# Mainland mobile numbers: 11 digits starting 13-19, optionally written with +86 / 0086 / 86.
_MOBILE = re.compile(r"1[3-9]\d{9}")
_SEPARATORS = re.compile(r"[\s\-()]")


def normalise_phone(raw: str) -> str | None:
    """The 11-digit mainland mobile number in `raw`, or None if it is not one."""
    digits = _SEPARATORS.sub("", raw or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    return digits if _MOBILE.fullmatch(digits) else None


@dataclass(frozen=True)
class Policy:
    enabled: bool
    zone: ZoneInfo
    quiet_start: time
    quiet_end: time
    repeat_window: timedelta


def quiet_until(at: datetime, zone: ZoneInfo, start: time, end: time) -> datetime | None:
    """If `at` falls in the quiet hours [start, end) local time, the UTC instant they end."""
    if start == end:
        return None  # no quiet hours
    local = at.astimezone(zone)
    now = local.time().replace(tzinfo=None)
    crosses_midnight = start > end
    quiet = (now >= start or now < end) if crosses_midnight else (start <= now < end)
    if not quiet:
        return None
    end_day: date = local.date()
    if crosses_midnight and now >= start:
        end_day += timedelta(days=1)
    # fold=0 and ZoneInfo pick a sensible instant even on DST-change days.
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)


def render(kind: SmsKind, *, sender: str, tenant: str, number: str, context: dict[str, Any]) -> str:
    """The signed Chinese text of a message ("【sender】..."), from the caller's context."""
    values: dict[str, Any] = {"tenant": tenant or "用户", "number": number}
    for key in REQUIRED[kind]:
        if context.get(key) in (None, ""):
            raise InvalidValue("A {kind} message needs {key}.", field="context", kind=kind.value, key=key)
        value = context[key]
        values[key] = money(value) if key in MONEY_KEYS else value
    return f"【{sender}】" + TEMPLATES[kind].format(**values)


def phone_problem(raw_phone: str) -> str:
    """Why a phone number cannot take a text ("" when it can)."""
    if not raw_phone:
        return "the account has no phone number"
    if normalise_phone(raw_phone) is None:
        return f"not a mainland mobile number: {raw_phone}"
    return ""


def muted_kinds(stored: str) -> frozenset[SmsKind]:
    """The kinds an account's `sms_muted` column turns off (unknown words are ignored)."""
    words = {word.strip() for word in (stored or "").split(",")}
    return frozenset(kind for kind in MUTABLE if kind.value in words)


def store_muted(kinds) -> str:
    """The column's text for a set of muted kinds, in a stable order."""
    return ",".join(kind.value for kind in MUTABLE if kind in kinds)


def suppression(policy: Policy, kind: SmsKind, raw_phone: str,
                sent_recently: Callable[[], bool], muted: frozenset[SmsKind] = frozenset()) -> str:
    """Why a message is not sent ("" when it is); `sent_recently` is asked only for the kinds
    limited to one per repeat window, after every cheaper reason."""
    if not policy.enabled:
        return "SMS is turned off for this site"
    if kind in muted:
        return f"the tenant turned {kind.value} texts off"
    if problem := phone_problem(raw_phone):
        return problem
    if kind in WINDOWED and sent_recently():
        return f"a {kind.value} message was already sent within the repeat window"
    return ""


def held_until(kind: SmsKind, at: datetime, policy: Policy) -> datetime | None:
    """When a message may go out, if quiet hours hold it back (alarm levels only)."""
    if kind not in DEFERRED_IN_QUIET_HOURS:
        return None
    return quiet_until(at, policy.zone, policy.quiet_start, policy.quiet_end)


def _secret_pattern(kind: SmsKind) -> re.Pattern[str]:
    """The kind's template as a pattern whose secret placeholders are the groups to mask."""
    parts = re.split(r"(\{\w+\})", TEMPLATES[kind])
    pattern = "".join(
        ("(\\d+)" if part[1:-1] in SECRET_KEYS[kind] else ".*?") if part.startswith("{")
        else re.escape(part) for part in parts)
    return re.compile(pattern + "$")


_SECRET_PATTERNS = {kind: _secret_pattern(kind) for kind in SECRET_KEYS}


def redacted(kind: SmsKind, body: str) -> str:
    """The text as staff may see it: a sign-in code masked (anyone reading the outbox could
    otherwise sign in as the tenant). A text that does not match its template, e.g. from an
    older wording, is masked whole rather than shown."""
    pattern = _SECRET_PATTERNS.get(kind)
    if pattern is None or not body:
        return body
    match = pattern.search(body)
    if match is None:
        return MASK
    masked, last = [], 0
    for group in range(1, (match.lastindex or 0) + 1):
        masked += [body[last:match.start(group)], MASK]
        last = match.end(group)
    return "".join(masked) + body[last:]
