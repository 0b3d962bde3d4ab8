"""The SMS outbox: every text to a tenant is a row written before any driver sends it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from shared_models.base import Base
from shared_models.enums import db_enum
from shared_models.types import UTCDateTime, utcnow


class SmsKind(enum.StrEnum):
    ALARM1 = "alarm1"  # 一级报警: balance below the first threshold
    ALARM2 = "alarm2"  # 二级报警: balance below the second threshold
    ARREARS = "arrears"  # 欠费
    RECHARGE = "recharge"  # 充值成功
    SIGN_IN_CODE = "sign_in_code"  # 登录验证码: a tenant signing in on their phone


class SmsState(enum.StrEnum):
    QUEUED = "queued"  # waiting for its time (not_before, next_attempt_at) and a dispatcher
    SENDING = "sending"  # claimed by one dispatcher, handed to the driver
    SENT = "sent"  # the provider or modem accepted it
    FAILED = "failed"  # refused for good, or out of attempts
    SUPPRESSED = "suppressed"  # never sent: no valid phone, SMS off, or a repeat in the window


class SmsMessage(Base):
    """One text message to one tenant, and how far it has got."""

    __tablename__ = "sms_messages"
    # High volume and carries no money; its own columns are its history.
    __audited__ = False

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("tenant_accounts.id"))
    phone: Mapped[str] = mapped_column(String(32), default="")  # normalised: 11 digits
    kind: Mapped[SmsKind] = mapped_column(db_enum(SmsKind, "sms_kind"))
    body: Mapped[str] = mapped_column(Text, default="")
    # The same key never yields two messages (e.g. "recharge:sale:42", "alarm1:alarm:7").
    dedup_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    state: Mapped[SmsState] = mapped_column(db_enum(SmsState, "sms_state"), default=SmsState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Quiet hours: a deferred alarm is not sent before this instant.
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str] = mapped_column(String(32), default="")
    provider: Mapped[str] = mapped_column(String(32), default="")
    provider_ref: Mapped[str] = mapped_column(String(128), default="")
    # Why it was suppressed, or the last driver error.
    last_error: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # The repeat-window check: the latest message of a kind to an account.
        Index("ix_sms_messages_account_kind", "account_id", "kind", "created_at"),
        # The dispatcher's scan: queued rows only.
        Index("ix_sms_messages_due", "next_attempt_at",
              postgresql_where=text("state = 'queued'"), sqlite_where=text("state = 'queued'")),
    )


class SmsSettings(Base):
    """Per-site SMS policy; a site without a row uses the defaults below."""

    __tablename__ = "sms_settings"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Local wall-clock "HH:MM" in the site's timezone; start > end means the span crosses
    # midnight, start == end means no quiet hours.
    quiet_start: Mapped[str] = mapped_column(String(5), default="22:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00")
    # No second message of the same kind to the same account within this many minutes.
    repeat_window_minutes: Mapped[int] = mapped_column(Integer, default=360)
