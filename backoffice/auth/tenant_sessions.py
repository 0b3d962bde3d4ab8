"""Tenant sessions kept on the server: a random token in the tenant's own cookie, its digest
in tenant_sessions, and a CSRF token derived from it (sent back on every write)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from backoffice.auth.sessions import still_live
from shared_models.models import TenantSession
from shared_models.types import utcnow

# last_seen_at is written at most this often, so reads stay reads.


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(secret: str, token: str) -> str:
    """The CSRF token of a session: derived, so nothing more is stored, and useless without
    the cookie it belongs to."""
    return hmac.new(secret.encode(), b"tenant-csrf:" + token.encode(), hashlib.sha256).hexdigest()


def start(db: Session, phone: str, lifetime: timedelta, client_ip: str, user_agent: str,
          wechat_openid: str = "") -> str:
    """A new session for the holder of `phone` (signed in by WeChat: with the openid, which
    JSAPI payments need); returns the token for the cookie."""
    now = utcnow()
    # This phone's sessions that can never be used again are dropped here, a few at a time.
    db.execute(delete(TenantSession).where(TenantSession.phone == phone,
                                           TenantSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    db.add(TenantSession(id=digest(token), phone=phone, created_at=now, last_seen_at=now,
                         expires_at=now + lifetime, client_ip=client_ip[:64],
                         user_agent=user_agent[:255], wechat_openid=wechat_openid))
    db.flush()
    return token


def resolve(db: Session, token: str, idle: timedelta) -> TenantSession | None:
    """The live session for this token (touched at most once a minute), or None."""
    return still_live(db.scalar(select(TenantSession).where(TenantSession.id == digest(token))), idle)


def revoke(db: Session, token: str) -> None:
    db.execute(update(TenantSession).where(TenantSession.id == digest(token),
                                           TenantSession.revoked_at.is_(None))
               .values(revoked_at=utcnow()))
