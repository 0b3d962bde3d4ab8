"""Operators (staff and device accounts), their bearer tokens, browser sessions and login locks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared_models.base import Base
from shared_models.enums import Role, db_enum
from shared_models.models.registry import Site
from shared_models.types import UTCDateTime, utcnow

operator_sites = Table(
    "operator_sites",
    Base.metadata,
    Column("operator_id", ForeignKey("operators.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
)


class Operator(Base):
    """A person at the back office, or a device account (kiosk) that holds tokens."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[Role] = mapped_column(db_enum(Role, "role"), default=Role.VIEWER)
    all_sites: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[str] = mapped_column(String(64), default="")
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sites: Mapped[list[Site]] = relationship(secondary=operator_sites)
    lockouts: Mapped[list[LoginLockout]] = relationship(viewonly=True)

    def site_ids(self) -> set[int] | None:
        """The sites this operator may see, or None for every site."""
        return None if self.all_sites else {site.id for site in self.sites}

    def locked_until(self, now: datetime) -> datetime | None:
        """The end of the longest lock on this username from any address, if one is on."""
        ends = [lock.locked_until for lock in self.lockouts if lock.locked_until and lock.locked_until > now]
        return max(ends, default=None)


class ApiToken(Base):
    """A bearer token for an integration or a kiosk; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    operator: Mapped[Operator] = relationship()


class StaffSession(Base):
    """A browser login; the cookie holds a random token and only its SHA-256 is stored here."""

    __tablename__ = "staff_sessions"
    __audited__ = False  # logins and logouts are logged as events; touches are not changes

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")

    operator: Mapped[Operator] = relationship()


class LoginLockout(Base):
    """Failed logins of one username from one client address, and the lock they earned."""

    __tablename__ = "login_lockouts"
    __audited__ = False  # each failure is logged as a login_failed event

    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"),
                                             primary_key=True)
    client_ip: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
