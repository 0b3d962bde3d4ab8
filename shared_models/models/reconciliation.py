"""Daily reconciliation: a gateway's bill against our orders, the clearing postings and meters.

A run is one (site, channel, business day in the site's time zone). It keeps the bill file it
was given exactly as it came, with its hash, so that any finding can be checked again later.
Breaks are what did not agree; they are resolved by new ledger transactions (never by editing
one), and a run made again adds only what it had not found before.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared_models.base import Base
from shared_models.enums import db_enum
from shared_models.models.ledger import Channel
from shared_models.models.payments import PaymentOrder, PaymentRefund
from shared_models.types import Money, UTCDateTime, utcnow


class RunState(enum.StrEnum):
    RUNNING = "running"  # the bill is being fetched or matched
    DONE = "done"  # matched; its breaks (if any) are in the queue
    FAILED = "failed"  # no usable bill (not published, unreadable, its totals do not add up)


class BreakKind(enum.StrEnum):
    PAID_NOT_CREDITED = "paid_not_credited"  # in the bill, not on a wallet
    CREDITED_NOT_BILLED = "credited_not_billed"  # on a wallet, not in the bill
    AMOUNT_MISMATCH = "amount_mismatch"  # in both, for different amounts
    DUPLICATE = "duplicate"  # the bill takes the same payment twice
    REFUND_MISMATCH = "refund_mismatch"  # a refund on one side only, or for another amount
    PURCHASE_COUNT_MISMATCH = "purchase_count_mismatch"  # 本地费控: pushes queued vs the meter's count


class BreakState(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"  # a compensating ledger transaction was posted
    ACCEPTED = "accepted"  # explained by a person, no money moved
    CLEARED = "cleared"  # a later run of the same day no longer finds it (a late notify credited it)


class HoldState(enum.StrEnum):
    HELD = "held"  # waiting for the next day's bill
    RELEASED = "released"  # found in the next day's bill
    BROKEN = "broken"  # not there either: a break of the next day's run


class ReconciliationRun(Base):
    """One bill of one channel for one site's business day, and what matching it found; or
    (scope "meters", no channel) the day's local-mode purchase counts, which no bill covers."""

    __tablename__ = "reconciliation_runs"
    __audited__ = False  # holds the raw bill; each run's outcome is written to the system log

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    scope: Mapped[str] = mapped_column(String(16))  # the channel's name, or "meters"
    channel: Mapped[Channel | None] = mapped_column(db_enum(Channel, "payment_channel"))
    day: Mapped[date] = mapped_column(Date)  # the business day, in the site's time zone
    state: Mapped[RunState] = mapped_column(db_enum(RunState, "reconciliation_run_state"),
                                            default=RunState.RUNNING)
    source: Mapped[str] = mapped_column(String(16), default="fetched")  # fetched or uploaded
    bill: Mapped[bytes | None] = mapped_column(LargeBinary)  # the file exactly as the gateway gave it
    bill_sha256: Mapped[str] = mapped_column(String(64), default="")
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure: Mapped[str] = mapped_column(Text, default="")
    # The bill's own totals (payments positive, refunds negative) and ours for the same day.
    bill_payments: Mapped[int] = mapped_column(Integer, default=0)
    bill_refunds: Mapped[int] = mapped_column(Integer, default=0)
    bill_paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    bill_refunded: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    bill_fees: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    our_payments: Mapped[int] = mapped_column(Integer, default=0)
    our_refunds: Mapped[int] = mapped_column(Integer, default=0)
    our_paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    our_refunded: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    matched: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    breaks: Mapped[int] = mapped_column(Integer, default=0)  # found by this run, whatever their state
    started_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("site_id", "scope", "day"),)


class ReconciliationBreak(Base):
    """One disagreement found by a run, waiting in the staff queue until it is resolved."""

    __tablename__ = "reconciliation_breaks"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_runs.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    channel: Mapped[Channel | None] = mapped_column(db_enum(Channel, "payment_channel"))
    kind: Mapped[BreakKind] = mapped_column(db_enum(BreakKind, "reconciliation_break_kind"))
    # What it is about, unique within the run: "payment:<out_trade_no>", "refund:<out_refund_no>",
    # "duplicate:<trade_no>#2", "meter:<id>"; a run made again finds the same one by it.
    reference: Mapped[str] = mapped_column(String(128))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("payment_refunds.id"))
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id"))
    out_trade_no: Mapped[str | None] = mapped_column(String(64))
    trade_no: Mapped[str | None] = mapped_column(String(64))
    # Money into the channel's clearing for this item, as the gateway and as our ledger say
    # (payments positive, refunds negative); resolving to suspense posts the difference.
    gateway_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    our_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    detail: Mapped[str] = mapped_column(String(255), default="")
    state: Mapped[BreakState] = mapped_column(db_enum(BreakState, "reconciliation_break_state"),
                                              default=BreakState.OPEN)
    action: Mapped[str] = mapped_column(String(32), default="")  # credit, suspense, accept
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(255), default="")
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[PaymentOrder | None] = relationship()
    refund: Mapped[PaymentRefund | None] = relationship()

    __table_args__ = (
        UniqueConstraint("run_id", "kind", "reference"),
        Index("ix_reconciliation_breaks_queue", "state", "site_id"),
    )


class ReconciliationHold(Base):
    """An item paid (or refunded) close to midnight and missing from its day's bill: the
    gateway may bill it the next day, so the next day's run looks for it before calling it a break."""

    __tablename__ = "reconciliation_holds"
    __audited__ = False  # bookkeeping of the runs; what becomes of it is a break (audited) or nothing

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_runs.id"), index=True)
    reference: Mapped[str] = mapped_column(String(128))  # as a break's reference
    order_id: Mapped[int | None] = mapped_column(ForeignKey("payment_orders.id"))
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("payment_refunds.id"))
    amount: Mapped[Decimal] = mapped_column(Money)  # as our ledger has it (refunds negative)
    state: Mapped[HoldState] = mapped_column(db_enum(HoldState, "reconciliation_hold_state"),
                                             default=HoldState.HELD)
    settled_run_id: Mapped[int | None] = mapped_column(ForeignKey("reconciliation_runs.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("run_id", "reference"),)
