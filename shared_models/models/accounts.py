"""Tenant accounts (开户): who pays for which meters, and the meter swaps made on them."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared_models.base import Base
from shared_models.enums import db_enum
from shared_models.models.ledger import LedgerAccount
from shared_models.models.registry import Meter
from shared_models.types import Energy, Money, UTCDateTime, utcnow


class AccountStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # 销户


class ArrearsRule(enum.StrEnum):
    """What happens when the wallet runs out."""

    TRIP = "trip"  # cut off at zero
    OVERDRAFT = "overdraft"  # run on down to the site's overdraft limit, then cut off
    PROTECT = "protect"  # 保电: never cut off automatically (hospitals, lifts)


class BillingMode(enum.StrEnum):
    """How the account pays for its energy."""

    PREPAID = "prepaid"  # 预付费: consumption taken from the wallet as it is read
    POSTPAID = "postpaid"  # 后付费: consumption booked unbilled, collected by a monthly bill


class TenantAccount(Base):
    """A tenant's prepaid account at one site, with its wallet in the ledger."""

    __tablename__ = "tenant_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    number: Mapped[str] = mapped_column(String(48))  # "<site code>-000042", never reused
    tenant_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(32), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[AccountStatus] = mapped_column(db_enum(AccountStatus, "account_status"),
                                                  default=AccountStatus.OPEN)
    alarm1_threshold: Mapped[Decimal] = mapped_column(Money)
    alarm2_threshold: Mapped[Decimal] = mapped_column(Money)
    arrears_rule: Mapped[ArrearsRule] = mapped_column(db_enum(ArrearsRule, "arrears_rule"),
                                                      default=ArrearsRule.TRIP)
    billing_mode: Mapped[BillingMode] = mapped_column(db_enum(BillingMode, "billing_mode"),
                                                      default=BillingMode.PREPAID,
                                                      server_default=BillingMode.PREPAID.value)
    # The most the wallet may hold; None: the site's cap. A supply contract may set it.
    credit_cap: Mapped[Decimal | None] = mapped_column(Money)
    # Alarm texts the tenant turned off from their phone ("alarm1,alarm2"); see sms_policy.MUTABLE.
    sms_muted: Mapped[str] = mapped_column(String(32), default="", server_default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    links: Mapped[list[AccountMeter]] = relationship(back_populates="account",
                                                     order_by="AccountMeter.id")
    wallet: Mapped[LedgerAccount | None] = relationship(viewonly=True, lazy="selectin")

    __table_args__ = (UniqueConstraint("site_id", "number"),)

    def credit_cap_within(self, site_cap: Decimal) -> Decimal:
        """The stored-credit cap that applies: the account's own, else its site's."""
        return site_cap if self.credit_cap is None else self.credit_cap

    @property
    def meters(self) -> list[Meter]:
        """The meters attached now."""
        return [link.meter for link in self.links if link.detached_at is None]


class AccountMeter(Base):
    """A meter attached to an account for a span of time; history is kept."""

    __tablename__ = "account_meters"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("tenant_accounts.id"), index=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"), index=True)
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    detached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[TenantAccount] = relationship(back_populates="links")
    meter: Mapped[Meter] = relationship()

    # A meter pays into one account at a time.
    __table_args__ = (Index("ux_account_meters_current", "meter_id", unique=True,
                            postgresql_where=text("detached_at IS NULL"),
                            sqlite_where=text("detached_at IS NULL")),)


class MeterSwap(Base):
    """An old meter replaced by a new one (换表): the account, and its balance, carry on."""

    __tablename__ = "meter_swaps"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("tenant_accounts.id"), index=True)
    old_meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"))
    new_meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"))
    # Together they join the two meters' registers into one usage history.
    old_final_reading: Mapped[Decimal] = mapped_column(Energy)
    new_start_reading: Mapped[Decimal] = mapped_column(Energy)
    reason: Mapped[str] = mapped_column(String(255), default="")
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    swapped_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
