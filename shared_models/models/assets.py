"""Metering assets (电能计量资产): models, arrival batches, sampling, verification, events, scrapping.

A `MeterAsset` is the physical meter from its arrival to its scrapping; while it is installed it
is also a registry `Meter` (its place on a bus), linked by `meter_id`. The account side of a
meter (opened, closed) stays on `Meter.status`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from shared_models.base import Base
from shared_models.enums import AssetState, db_enum
from shared_models.types import Energy, UTCDateTime, utcnow

DEFAULT_VALIDITY_YEARS = 8  # electronic billing meters are replaced at 8 years


class BatchState(enum.StrEnum):
    RECEIVED = "received"  # waiting for its acceptance sample
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # sent back to the supplier


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"


class EventKind(enum.StrEnum):
    """What happened to an asset; each kind is one move of the state machine."""

    ARRIVED = "arrived"
    REGISTERED = "registered"  # found on a bus without an arrival record (before this module)
    VERIFIED = "verified"
    FAILED_VERIFICATION = "failed_verification"
    RETURNED = "returned"
    DISPATCHED = "dispatched"
    RECALLED = "recalled"
    INSTALLED = "installed"
    COMMISSIONED = "commissioned"  # an installed meter put on an account by a swap (投运)
    REMOVED = "removed"
    SENT_TO_REPAIR = "sent_to_repair"
    SCRAPPED = "scrapped"


class ScrapState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class MeterModel(Base):
    """A meter model's metering facts: how long a verification stays valid (8 years for
    electronic billing meters unless the model says otherwise)."""

    __tablename__ = "meter_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    manufacturer: Mapped[str] = mapped_column(String(120), default="")
    accuracy_class: Mapped[str] = mapped_column(String(8), default="2")
    validity_years: Mapped[int] = mapped_column(Integer, default=DEFAULT_VALIDITY_YEARS)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("validity_years BETWEEN 1 AND 30", name="validity_years"),)


class ArrivalBatch(Base):
    """Meters received together from a supplier (到货批次)."""

    __tablename__ = "arrival_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    supplier: Mapped[str] = mapped_column(String(120))
    model: Mapped[str] = mapped_column(String(60))
    quantity: Mapped[int] = mapped_column(Integer)
    arrived_on: Mapped[date] = mapped_column(Date)
    state: Mapped[BatchState] = mapped_column(db_enum(BatchState, "batch_state"),
                                              default=BatchState.RECEIVED)
    note: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("quantity >= 1", name="quantity_positive"),)


class AcceptanceSample(Base):
    """An acceptance sampling of a batch (抽检): how many were tested, how many failed."""

    __tablename__ = "acceptance_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("arrival_batches.id"), index=True)
    sample_size: Mapped[int] = mapped_column(Integer)
    passed: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[Outcome] = mapped_column(db_enum(Outcome, "sample_outcome"))
    note: Mapped[str] = mapped_column(String(255), default="")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("sample_size >= 1", name="sample_size_positive"),
        CheckConstraint("passed >= 0 AND failed >= 0 AND passed + failed = sample_size",
                        name="sample_counts"),
    )


class MeterAsset(Base):
    """One physical meter, wherever it is."""

    __tablename__ = "meter_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial_number: Mapped[str] = mapped_column(String(32), unique=True)
    model: Mapped[str] = mapped_column(String(60), index=True)
    state: Mapped[AssetState] = mapped_column(db_enum(AssetState, "asset_state"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("arrival_batches.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    # The registry meter it is (or last was) while on a bus.
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id"), unique=True)
    installed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_on: Mapped[date | None] = mapped_column(Date)  # last passed verification
    next_due: Mapped[date | None] = mapped_column(Date)  # from that certificate
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Verification(Base):
    """A verification (检定) of an asset and its certificate."""

    __tablename__ = "meter_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("meter_assets.id"), index=True)
    verified_on: Mapped[date] = mapped_column(Date)
    laboratory: Mapped[str] = mapped_column(String(120))
    certificate_number: Mapped[str] = mapped_column(String(60))
    result: Mapped[Outcome] = mapped_column(db_enum(Outcome, "verification_result"))
    # The largest basic error measured, in percent (signed, as the certificate prints it).
    error_percent: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    accuracy_class: Mapped[str] = mapped_column(String(8))
    seals: Mapped[str] = mapped_column(String(120), default="")
    next_due: Mapped[date | None] = mapped_column(Date)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AssetEvent(Base):
    """One move of an asset: from which state to which, where, with the reading and seals of an
    install or a removal. Never changed afterwards."""

    __tablename__ = "asset_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("meter_assets.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(db_enum(EventKind, "asset_event_kind"))
    from_state: Mapped[AssetState | None] = mapped_column(db_enum(AssetState, "asset_from_state"))
    to_state: Mapped[AssetState] = mapped_column(db_enum(AssetState, "asset_to_state"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id"))
    swap_id: Mapped[int | None] = mapped_column(ForeignKey("meter_swaps.id"), index=True)
    reading: Mapped[Decimal | None] = mapped_column(Energy)
    seals: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(String(255), default="")
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScrapRequest(Base):
    """Scrapping an asset (报废) asked by one person, decided by another."""

    __tablename__ = "scrap_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("meter_assets.id"), index=True)
    reason: Mapped[str] = mapped_column(String(255))
    state: Mapped[ScrapState] = mapped_column(db_enum(ScrapState, "scrap_state"),
                                              default=ScrapState.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
