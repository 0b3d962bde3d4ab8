"""The double-entry ledger: accounts per site, immutable transactions and their postings.

Sign convention: a posting's amount is money moving into its account (negative: out of it),
so every account's balance is the plain SUM of its postings and a transaction sums to zero.
A tenant wallet's balance is what the tenant has in credit; a clearing account runs negative
by what its channel has brought in; energy revenue runs positive by what has been consumed.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared_models.base import Base
from shared_models.enums import db_enum
from shared_models.types import Money, UTCDateTime, utcnow


class AccountKind(enum.StrEnum):
    WALLET = "wallet"  # one per tenant account: the tenant's prepaid credit
    CLEARING = "clearing"  # one per payment channel
    ENERGY_REVENUE = "energy_revenue"
    REFUNDS_PAYABLE = "refunds_payable"  # refunds awaiting approval or payout
    METER_HELD = "meter_held"  # money held by meters that keep their own wallet (本地费控)
    SUSPENSE = "suspense"  # money not yet understood, cleared by hand
    # Postpaid accounts, one of each per tenant account (code "<kind>:<account number>"):
    UNBILLED = "unbilled"  # 应收未出账: consumption booked, not yet on a released bill
    RECEIVABLE = "receivable"  # 应收电费: released bills not yet paid


class Channel(enum.StrEnum):
    CASH = "cash"
    BANK_CARD = "bank_card"
    TRANSFER = "transfer"
    ALIPAY = "alipay"
    WECHAT = "wechat"
    UNIONPAY = "unionpay"


COUNTER_CHANNELS = (Channel.CASH, Channel.BANK_CARD, Channel.TRANSFER)


class TransactionKind(enum.StrEnum):
    OPENING = "opening"  # a balance carried over when an account is opened
    SALE = "sale"  # 售电
    REFUND = "refund"  # 退电
    REVERSAL = "reversal"  # 冲正
    CONSUMPTION = "consumption"
    TRANSFER = "transfer"  # between the ledger's own accounts (wallet to meter, release a hold)
    CLOSING = "closing"
    ADJUSTMENT = "adjustment"


class LedgerAccount(Base):
    """An account of the ledger; only wallets keep a running balance, checked by `verify`."""

    __tablename__ = "ledger_accounts"
    __audited__ = False  # the ledger is its own immutable record

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[AccountKind] = mapped_column(db_enum(AccountKind, "ledger_account_kind"))
    channel: Mapped[Channel | None] = mapped_column(db_enum(Channel, "payment_channel"))
    tenant_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenant_accounts.id"), unique=True)
    # "wallet:<account number>", "clearing:cash", "energy_revenue"... readable in statements.
    code: Mapped[str] = mapped_column(String(64))
    # Wallets only: updated under a row lock with each posting; NULL for hot accounts,
    # whose balances are always derived from their postings.
    balance: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("site_id", "code"),)


class LedgerTransaction(Base):
    """One movement of money: two or more postings that sum to zero. Never changed."""

    __tablename__ = "ledger_transactions"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[TransactionKind] = mapped_column(db_enum(TransactionKind, "ledger_transaction_kind"))
    reason: Mapped[str] = mapped_column(String(255), default="")
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    # Idempotency-Key, gateway trade number, meter purchase count...: posted at most once.
    external_key: Mapped[str | None] = mapped_column(String(255))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    postings: Mapped[list[Posting]] = relationship(back_populates="transaction",
                                                   order_by="Posting.id")

    __table_args__ = (UniqueConstraint("site_id", "external_key"),)


class Posting(Base):
    """Money into (positive) or out of (negative) one account, as part of a transaction."""

    __tablename__ = "ledger_postings"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[Decimal] = mapped_column(Money)

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="postings")
    account: Mapped[LedgerAccount] = relationship()

    __table_args__ = (Index("ix_ledger_postings_account_id_id", "account_id", "id"),)
