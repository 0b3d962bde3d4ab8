"""Sign-in codes: six digits texted through the SMS outbox to the phone on an account.

A code lives 5 minutes, is used once and allows 5 tries; only the newest code of an account
and phone counts. Who asks learns nothing about which accounts exist: an unknown account,
a phone that is not the account's, and a wrong code all get the same answers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backoffice.auth.errors import AuthenticationFailed
from shared_models.models import AccountMeter, Meter, TenantAccount, TenantSignInCode
from shared_models.models.accounts import AccountStatus
from shared_models.notifications import sms
from shared_models.notifications.sms_policy import normalise_phone

LIFETIME = timedelta(minutes=5)
MAX_TRIES = 5


def refused() -> AuthenticationFailed:
    return AuthenticationFailed("The code is wrong or has expired; ask for a new one.", field="code")


def find_account(db: Session, identifier: str, phone: str) -> TenantAccount | None:
    """The open account named by its number or by the serial of a meter attached to it, if
    `phone` is the phone on it."""
    identifier = identifier.strip()
    by_meter = (select(AccountMeter.account_id).join(Meter, Meter.id == AccountMeter.meter_id)
                .where(Meter.serial_number == identifier, AccountMeter.detached_at.is_(None)))
    rows = db.scalars(select(TenantAccount).where(
        TenantAccount.status == AccountStatus.OPEN,
        or_(TenantAccount.number == identifier, TenantAccount.id.in_(by_meter)))
        .order_by(TenantAccount.id))
    return next((row for row in rows if normalise_phone(row.phone) == phone), None)


def _digest(secret: str, account_id: int, phone: str, code: str) -> str:
    message = f"{account_id}:{phone}:{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def send(db: Session, account: TenantAccount, phone: str, *, secret: str, client_ip: str,
         now: datetime) -> TenantSignInCode:
    """A new code for the account's phone, queued in the SMS outbox; the code itself is kept
    only in the text (its HMAC is stored)."""
    code = f"{secrets.randbelow(10**6):06d}"
    row = TenantSignInCode(account_id=account.id, phone=phone,
                           code_hash=_digest(secret, account.id, phone, code), attempts=0,
                           created_at=now, expires_at=now + LIFETIME, client_ip=client_ip[:64])
    db.add(row)
    sms.notify(db, account_id=account.id, kind="sign_in_code", at=now,
               context={"code": code, "minutes": int(LIFETIME.total_seconds() // 60)})
    db.flush()
    return row


def check(db: Session, identifier: str, phone: str, code: str, *, secret: str,
          now: datetime) -> TenantAccount:
    """The account the code was sent for, and the code is spent; otherwise one try is counted
    (the caller commits before answering) and the same refusal is raised whatever was wrong."""
    account = find_account(db, identifier, phone)
    if account is None:
        raise refused()
    row = db.scalar(select(TenantSignInCode)
                    .where(TenantSignInCode.account_id == account.id, TenantSignInCode.phone == phone)
                    .order_by(TenantSignInCode.created_at.desc(), TenantSignInCode.id.desc())
                    .limit(1).with_for_update())
    if row is None or row.used_at is not None or row.expires_at <= now or row.attempts >= MAX_TRIES:
        raise refused()
    row.attempts += 1
    if not hmac.compare_digest(row.code_hash, _digest(secret, account.id, phone, code)):
        raise refused()
    row.used_at = now
    return account
