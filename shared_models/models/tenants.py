"""Tenants' own sign-in: one-time codes sent by SMS, and the sessions they open.

A tenant is not an operator: a tenant session names a phone number, and sees the open
accounts whose phone is that number (a shop owner may hold several), nothing else.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared_models.base import Base
from shared_models.types import UTCDateTime, utcnow


class TenantSignInCode(Base):
    """A 6-digit code texted to an account's phone: lives 5 minutes, used once, 5 tries."""

    __tablename__ = "tenant_sign_in_codes"
    # Short-lived secrets: the sign-ins they lead to are logged, the codes are not.
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("tenant_accounts.id"))
    phone: Mapped[str] = mapped_column(String(11))  # normalised mainland mobile number
    code_hash: Mapped[str] = mapped_column(String(64))  # HMAC of the code; never the code
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_ip: Mapped[str] = mapped_column(String(64), default="")

    # Verifying looks up the newest code of an account and phone.
    __table_args__ = (Index("ix_tenant_sign_in_codes_lookup", "account_id", "phone", "created_at"),)


class TenantSession(Base):
    """A tenant's browser session, kept on the server so signing out ends it everywhere."""

    __tablename__ = "tenant_sessions"
    __audited__ = False  # one row per sign-in and touched as it is used; sign-ins are logged

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie's token
    phone: Mapped[str] = mapped_column(String(11), index=True)
    # The payer's WeChat openid, learnt through WeChat's snsapi_base authorisation, for JSAPI.
    wechat_openid: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")


class TenantIdempotencyRecord(Base):
    """A tenant's Idempotency-Key and the first answer to it (a double tap on Pay, a retry on
    a slow connection), as `IdempotencyRecord` is for staff: scoped to the tenant's phone."""

    __tablename__ = "tenant_idempotency_records"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(11))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(512))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer, default=0)
    response_body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("phone", "key"),)


class TenantWechatBinding(Base):
    """A WeChat user who signs in as a phone without a code: their openid (one per official
    account, so with its appid) learnt through WeChat's snsapi_base authorisation right after
    they signed in once by SMS inside WeChat, where the site allows it."""

    __tablename__ = "tenant_wechat_bindings"

    id: Mapped[int] = mapped_column(primary_key=True)
    appid: Mapped[str] = mapped_column(String(32))
    openid: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str] = mapped_column(String(11), index=True)
    # The site whose setting and WeChat app allowed the binding; it must still allow it.
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # An openid stands for one person and signs in as one phone.
    __table_args__ = (UniqueConstraint("appid", "openid"),)
