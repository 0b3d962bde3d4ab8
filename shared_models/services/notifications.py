"""Tenant SMS: write one outbox row per event, deduplicated and held back in quiet hours.

`notify()` never sends; the worker's dispatcher does (metering_worker/jobs/sms.py).

Policy (documented in docs/operations.md, "SMS"):
- the same `dedup_key` never yields a second row (a unique column, so concurrent writers agree);
- alarm1, alarm2 and arrears go to an account at most once per kind within the site's repeat
  window (default 6 h); a recharge confirmation answers a payment, so each one is sent;
- in the site's quiet hours (default 22:00-08:00 local time) alarm1 and alarm2 wait until the
  quiet hours end (`not_before`). Arrears and recharge messages go out at once: arrears is sent
  when the power is being cut, and a recharge confirmation answers what the tenant just did;
- an account without a valid mainland mobile number, or a site with SMS turned off, gets a
  `suppressed` row with the reason, so the outbox shows why nobody was told.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, case, func, literal, null, select, text, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models.errors import InvalidValue, NotFound
from shared_models.models import Site, SmsMessage, SmsSettings, TenantAccount
from shared_models.models.notifications import SmsKind, SmsState
from shared_models.money import money
from shared_models.types import utcnow

DEFAULT_QUIET = (time(22, 0), time(8, 0))
DEFAULT_REPEAT_WINDOW = timedelta(hours=6)
# Kinds held back until quiet hours end, and kinds limited to one per repeat window.
DEFERRED_IN_QUIET_HOURS = frozenset({SmsKind.ALARM1, SmsKind.ALARM2})
WINDOWED = frozenset({SmsKind.ALARM1, SmsKind.ALARM2, SmsKind.ARREARS})

TEMPLATES = {
    SmsKind.ALARM1: "尊敬的{tenant}，您的电费账户{number}余额为{balance}元，已低于一级报警值"
                    "{threshold}元，请及时充值。",
    SmsKind.ALARM2: "尊敬的{tenant}，您的电费账户{number}余额为{balance}元，已低于二级报警值"
                    "{threshold}元，余额用尽将停止供电，请尽快充值。",
    SmsKind.ARREARS: "尊敬的{tenant}，您的电费账户{number}已欠费，当前余额{balance}元，"
                     "请尽快充值，充值后将恢复供电。",
    SmsKind.RECHARGE: "尊敬的{tenant}，您的电费账户{number}已成功充值{amount}元，当前余额{balance}元，"
                      "收据号{receipt}。",
}
# Context keys each kind needs from the caller; money values are formatted as yuan.
REQUIRED = {
    SmsKind.ALARM1: ("balance", "threshold"),
    SmsKind.ALARM2: ("balance", "threshold"),
    SmsKind.ARREARS: ("balance",),
    SmsKind.RECHARGE: ("amount", "balance", "receipt"),
}
MONEY_KEYS = frozenset({"balance", "threshold", "amount"})

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


def policy_of(db: Session, site: Site) -> Policy:
    """The site's SMS settings, or the defaults where it has none."""
    row = db.get(SmsSettings, site.id)
    zone = ZoneInfo(site.timezone or "Asia/Shanghai")
    if row is None:
        return Policy(True, zone, *DEFAULT_QUIET, DEFAULT_REPEAT_WINDOW)
    return Policy(row.enabled, zone, time.fromisoformat(row.quiet_start), time.fromisoformat(row.quiet_end),
                  timedelta(minutes=row.repeat_window_minutes))


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


def notify(db: Session, *, account_id: int, kind: str, context: dict[str, Any],
           dedup_key: str | None = None, at: datetime | None = None) -> SmsMessage:
    """Queue (or suppress, with a reason) one SMS to the account's tenant; flushes, never sends.

    Returns the existing row when `dedup_key` was used before. `at` is the event time
    (defaults to now); quiet hours and the repeat window are judged at that instant.
    A sale's confirmation is written by `notify_sale`."""
    kind = SmsKind(kind)
    at = at or utcnow()
    account = db.get(TenantAccount, account_id)
    if account is None:
        raise NotFound("No such {what}.", what="account")
    site = db.get(Site, account.site_id)
    if dedup_key is not None:
        existing = _by_key(db, dedup_key)
        if existing is not None:
            return existing
    policy = policy_of(db, site)
    body = render(kind, sender=site.sms_sender or site.name, tenant=account.tenant_name,
                  number=account.number, context=context)
    phone = normalise_phone(account.phone)
    message = SmsMessage(site_id=site.id, account_id=account.id, kind=kind, body=body,
                         phone=phone or account.phone[:32], dedup_key=dedup_key,
                         state=SmsState.QUEUED, created_at=at)
    reason = _suppression(db, message, policy, phone, at)
    if reason:
        message.state, message.last_error = SmsState.SUPPRESSED, reason
        return _insert(db, message)
    if kind in DEFERRED_IN_QUIET_HOURS:
        message.not_before = quiet_until(at, policy.zone, policy.quiet_start, policy.quiet_end)
    # The dispatcher scans queued rows by this one column.
    message.next_attempt_at = message.not_before or at
    return _insert(db, message)


def _suppression(db: Session, message: SmsMessage, policy: Policy, phone: str | None,
                 at: datetime) -> str:
    if not policy.enabled:
        return "SMS is turned off for this site"
    if not message.phone:
        return "the account has no phone number"
    if phone is None:
        return f"not a mainland mobile number: {message.phone}"
    if message.kind in WINDOWED:
        _serialise(db, message.account_id, message.kind)
        recent = db.scalar(
            select(SmsMessage.id).where(
                SmsMessage.account_id == message.account_id, SmsMessage.kind == message.kind,
                SmsMessage.state.in_((SmsState.QUEUED, SmsState.SENDING, SmsState.SENT)),
                SmsMessage.created_at > at - policy.repeat_window).limit(1))
        if recent is not None:
            return f"a {message.kind.value} message was already sent within the repeat window"
    return ""


def _serialise(db: Session, account_id: int, kind: SmsKind) -> None:
    # Two settlement transactions must not both pass the window check for one account and kind.
    # SQLite already serialises writers (BEGIN IMMEDIATE).
    if db.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"sms:{kind.value}:{account_id}".encode()) - 2**31
        db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def _by_key(db: Session, dedup_key: str) -> SmsMessage | None:
    return db.scalar(select(SmsMessage).where(SmsMessage.dedup_key == dedup_key))


def _insert(db: Session, message: SmsMessage) -> SmsMessage:
    # A concurrent writer may commit the same dedup_key first: the savepoint keeps the
    # caller's transaction alive and the existing row is returned instead.
    try:
        with db.begin_nested():
            db.add(message)
            db.flush()
    except IntegrityError:
        existing = _by_key(db, message.dedup_key) if message.dedup_key else None
        if existing is None:
            raise
        return existing
    return message


def recharge_context(*, amount: Decimal, balance: Decimal, receipt: int | str) -> dict[str, Any]:
    """The context of a recharge confirmation, as the sale paths build it."""
    return {"amount": money(amount), "balance": money(balance), "receipt": str(receipt)}


_SMS = SmsMessage.__table__
# Whether the site has SMS on (a site without settings has): read by the confirmation's INSERT.
_ENABLED = func.coalesce(select(SmsSettings.enabled).where(SmsSettings.site_id == bindparam("s_site"))
                         .scalar_subquery(), true())
_OFF = "SMS is turned off for this site"
_INSERT_CONFIRMATION = _SMS.insert().values(
    state=case((_ENABLED, bindparam("s_state", type_=_SMS.c.state.type)),
               else_=literal(SmsState.SUPPRESSED, _SMS.c.state.type)),
    last_error=case((_ENABLED, bindparam("s_unsent", type_=_SMS.c.last_error.type)),
                    else_=literal(_OFF, _SMS.c.last_error.type)),
    next_attempt_at=case((_ENABLED, bindparam("s_next", type_=_SMS.c.next_attempt_at.type)),
                         else_=null()),
).returning(_SMS.c.id)


def notify_sale(db: Session, sale: Any) -> int:
    """The confirmation of a completed recharge sale, once per sale; returns the row's id.

    One INSERT and no read: the key names the sale just inserted in this transaction, so no
    message holds it yet, and of the site's settings a confirmation depends only on `enabled`
    (it is neither deferred in quiet hours nor limited by the repeat window), which the INSERT
    reads itself. The suppression reasons and their order are `notify()`'s."""
    account = db.get(TenantAccount, sale.account_id)  # the sale's, from the session
    site = db.get(Site, sale.site_id)
    at = sale.completed_at
    body = render(SmsKind.RECHARGE, sender=site.sms_sender or site.name, tenant=account.tenant_name,
                  number=account.number,
                  context=recharge_context(amount=sale.amount, balance=sale.balance_after,
                                           receipt=sale.receipt_number))
    phone = normalise_phone(account.phone)
    stored = phone or account.phone[:32]
    unsent = ("the account has no phone number" if not stored else
              "" if phone else f"not a mainland mobile number: {stored}")
    return db.execute(_INSERT_CONFIRMATION, {
        "site_id": site.id, "account_id": account.id, "kind": SmsKind.RECHARGE, "body": body,
        "phone": stored, "dedup_key": f"recharge:sale:{sale.id}", "created_at": at,
        "s_site": site.id, "s_state": SmsState.SUPPRESSED if unsent else SmsState.QUEUED,
        "s_unsent": unsent, "s_next": None if unsent else at,
    }).scalar_one()


def retry_time(db: Session, message: SmsMessage, candidate: datetime) -> datetime:
    """When a retry may go out: `candidate`, or the end of quiet hours for a deferred kind."""
    if message.kind not in DEFERRED_IN_QUIET_HOURS:
        return candidate
    policy = policy_of(db, db.get(Site, message.site_id))
    return quiet_until(candidate, policy.zone, policy.quiet_start, policy.quiet_end) or candidate
