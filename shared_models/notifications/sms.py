"""Tenant SMS outbox: one row per event, deduplicated and held back in quiet hours.

`notify()` never sends; the worker's dispatcher does (metering_worker/sms/dispatch.py). The same
`dedup_key` never yields a second row (a unique column, so concurrent writers agree). What is
sent, to whom and when is the pure policy in `notifications/sms_policy.py`.
"""

from __future__ import annotations

import zlib
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, case, func, literal, null, select, text, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models.errors import NotFound
from shared_models.models import Site, SmsMessage, SmsSettings, TenantAccount
from shared_models.models.notifications import SmsKind, SmsState
from shared_models.money import money
from shared_models.notifications.sms_policy import (
    DEFAULT_QUIET,
    DEFAULT_REPEAT_WINDOW,
    DEFERRED_IN_QUIET_HOURS,
    Policy,
    held_until,
    muted_kinds,
    normalise_phone,
    phone_problem,
    render,
    suppression,
)
from shared_models.types import utcnow


def policy_of(db: Session, site: Site) -> Policy:
    """The site's SMS settings, or the defaults where it has none."""
    row = db.get(SmsSettings, site.id)
    zone = ZoneInfo(site.timezone or "Asia/Shanghai")
    if row is None:
        return Policy(True, zone, *DEFAULT_QUIET, DEFAULT_REPEAT_WINDOW)
    return Policy(row.enabled, zone, time.fromisoformat(row.quiet_start), time.fromisoformat(row.quiet_end),
                  timedelta(minutes=row.repeat_window_minutes))


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
    reason = suppression(policy, kind, message.phone, lambda: _sent_recently(db, message, policy, at),
                         muted_kinds(account.sms_muted))
    if reason:
        message.state, message.last_error = SmsState.SUPPRESSED, reason
        return _insert(db, message)
    message.not_before = held_until(kind, at, policy)
    # The dispatcher scans queued rows by this one column.
    message.next_attempt_at = message.not_before or at
    return _insert(db, message)


def _sent_recently(db: Session, message: SmsMessage, policy: Policy, at: datetime) -> bool:
    """A message of this kind to this account within the repeat window (serialised per account
    and kind, so two settlements cannot both see none)."""
    _serialise(db, message.account_id, message.kind)
    return db.scalar(select(SmsMessage.id).where(
        SmsMessage.account_id == message.account_id, SmsMessage.kind == message.kind,
        SmsMessage.state.in_((SmsState.QUEUED, SmsState.SENDING, SmsState.SENT)),
        SmsMessage.created_at > at - policy.repeat_window).limit(1)) is not None


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
    stored = normalise_phone(account.phone) or account.phone[:32]
    unsent = phone_problem(stored)  # SMS switched off is decided by the INSERT itself
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
    return held_until(message.kind, candidate, policy_of(db, db.get(Site, message.site_id))) or candidate
