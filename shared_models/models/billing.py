"""Postpaid bills (抄核收): a site's monthly bill run, one bill per account, and what it shows.

A bill's money moves in the ledger (unbilled -> receivable at release, prepayment from the
wallet, a linked reversal when cancelled); these rows are the document and its workflow.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared_models.base import Base
from shared_models.enums import db_enum
from shared_models.types import Energy, Money, Price, UTCDateTime, utcnow

_READING_ID = BigInteger().with_variant(Integer, "sqlite")


class BillState(enum.StrEnum):
    DRAFT = "draft"  # made by the run, not yet priced
    CALCULATED = "calculated"  # priced; flags (if any) wait for a person
    REVIEWED = "reviewed"  # checked: ready to release
    RELEASED = "released"  # a receivable with a due date (出账)
    PARTIALLY_SETTLED = "partially_settled"
    SETTLED = "settled"
    CANCELLED = "cancelled"  # by a linked reversal of its release (冲正)
    WRITTEN_OFF = "written_off"  # 核销, approved by a second person


class BillLineKind(enum.StrEnum):
    ENERGY = "energy"  # one band and tier of one meter's energy
    FIXED = "fixed"  # the tariff's monthly charge
    POWER_FACTOR = "power_factor"  # 力调电费
    ROUNDING = "rounding"  # what the interval postings (rounded once per meter) differ by


class BillRun(Base):
    """One site's bill run for one period; made once (site, period end)."""

    __tablename__ = "bill_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)  # the cut-off (local midnight)
    label: Mapped[str] = mapped_column(String(16))  # "2026-11": the month the period ends in
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))

    __table_args__ = (UniqueConstraint("site_id", "period_end"),)


class Bill(Base):
    """One postpaid account's bill for one period."""

    __tablename__ = "bills"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("bill_runs.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("tenant_accounts.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    state: Mapped[BillState] = mapped_column(db_enum(BillState, "bill_state"), default=BillState.DRAFT)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    energy_kwh: Mapped[Decimal] = mapped_column(Energy, default=Decimal("0.00"))
    estimated_kwh: Mapped[Decimal] = mapped_column(Energy, default=Decimal("0.00"))
    energy_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))  # as posted
    fixed_charge: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    power_factor_adjustment: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    charges: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))  # this period's total
    previous_balance: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))  # older bills owed
    payments: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))  # settled on this bill
    # Review (exception list): the flags found ("zero_kwh,change"), who accepted them and why.
    flags: Mapped[str] = mapped_column(String(128), default="")
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    review_note: Mapped[str] = mapped_column(String(255), default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_date: Mapped[date | None] = mapped_column(Date)
    release_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    # Cancel (冲正) and write-off (核销): who asked, why, and (write-off) who approved.
    closing_reason: Mapped[str] = mapped_column(String(255), default="")
    write_off_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meters: Mapped[list[BillMeter]] = relationship(order_by="BillMeter.meter_id", viewonly=True)
    lines: Mapped[list[BillLine]] = relationship(order_by="BillLine.position", viewonly=True)

    __table_args__ = (UniqueConstraint("run_id", "account_id"), UniqueConstraint("site_id", "number"))

    @property
    def amount_due(self) -> Decimal:
        """What is still owed on this bill."""
        return self.charges - self.payments


class BillMeter(Base):
    """One meter's readings at both ends of a bill's period; the next bill starts at the end."""

    __tablename__ = "bill_meters"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"))
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"), index=True)
    start_reading_id: Mapped[int | None] = mapped_column(_READING_ID)
    end_reading_id: Mapped[int | None] = mapped_column(_READING_ID)
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    start_total: Mapped[Decimal] = mapped_column(Energy, default=Decimal("0.00"))
    end_total: Mapped[Decimal] = mapped_column(Energy, default=Decimal("0.00"))
    kwh: Mapped[Decimal] = mapped_column(Energy, default=Decimal("0.00"))

    __table_args__ = (UniqueConstraint("bill_id", "meter_id"),)


class BillLine(Base):
    """A money line of a bill: energy by band and tier, the fixed charge, an adjustment."""

    __tablename__ = "bill_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[BillLineKind] = mapped_column(db_enum(BillLineKind, "bill_line_kind"))
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id"))
    band: Mapped[str | None] = mapped_column(String(16))  # a tariff band (tariffs.bands.Band)
    tier: Mapped[int | None] = mapped_column(Integer)
    kwh: Mapped[Decimal | None] = mapped_column(Energy)
    price: Mapped[Decimal | None] = mapped_column(Price)
    amount: Mapped[Decimal] = mapped_column(Money)

    __table_args__ = (UniqueConstraint("bill_id", "position"),)
