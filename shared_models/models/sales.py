"""Counter sales (售电): operator shifts, sale documents with receipts, and per-site counters."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from shared_models.base import Base
from shared_models.enums import db_enum
from shared_models.models.ledger import Channel
from shared_models.types import Money, UTCDateTime, utcnow


class SaleKind(enum.StrEnum):
    RECHARGE = "recharge"  # 售电
    REFUND = "refund"  # 退电
    REVERSAL = "reversal"  # 冲正


class SaleStatus(enum.StrEnum):
    COMPLETED = "completed"
    PENDING = "pending"  # a refund awaiting a second operator's approval
    REJECTED = "rejected"
    REVERSED = "reversed"  # a recharge taken back by a reversal


class SiteCounter(Base):
    """A gapless sequence per site (receipt numbers, account numbers), taken under a row lock."""

    __tablename__ = "site_counters"
    __audited__ = False

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Shift(Base):
    """An operator's turn at the counter of one site, from opening to the cash count."""

    __tablename__ = "shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # One open shift per operator and site.
    __table_args__ = (Index("ux_shifts_open", "operator_id", "site_id", unique=True,
                            postgresql_where=text("closed_at IS NULL"),
                            sqlite_where=text("closed_at IS NULL")),)


class Sale(Base):
    """A counter document: a recharge, a refund or a reversal, with its receipt number."""

    __tablename__ = "sales"
    # Not copied into the system log: with its ledger transaction a sale is its own record
    # (approvals, rejections and reprints are logged as events), and the log's chain lock
    # would otherwise serialise every sale of every site.
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("tenant_accounts.id"), index=True)
    kind: Mapped[SaleKind] = mapped_column(db_enum(SaleKind, "sale_kind"))
    channel: Mapped[Channel] = mapped_column(db_enum(Channel, "payment_channel"))
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[SaleStatus] = mapped_column(db_enum(SaleStatus, "sale_status"))
    receipt_number: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(255), default="")
    # Both empty for money a gateway brought in (an online payment has no till and no shift).
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"), index=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    # The posting that made it (for a pending refund: the hold on the wallet) ...
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"))
    # ... and, for a refund that needed approval, the payout or the release of the hold.
    settled_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), unique=True)
    balance_after: Mapped[Decimal] = mapped_column(Money)
    reprint_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("site_id", "receipt_number"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )
