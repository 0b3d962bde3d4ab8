"""What the meters told us: readings, each meter's live state, and the alarms raised on them."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from shared_models.base import Base
from shared_models.enums import db_enum
from shared_models.types import Energy, Money, Remainder, UTCDateTime, utcnow


class ReadingQuality(enum.StrEnum):
    """How far a reading can be trusted; only good and catch-up readings are billed."""

    GOOD = "good"
    CATCH_UP = "catch_up"  # first reading after a gap: its consumption is spread and estimated
    CLOCK_DRIFT = "clock_drift"  # the meter's clock is off by more than the allowed skew
    REGRESSED = "regressed"  # total energy went backwards: kept for the record, never billed


class Reading(Base):
    """One hot-block read of one meter. Append-only: never updated or deleted."""

    __tablename__ = "readings"
    __audited__ = False  # high volume; the table itself is the record

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the worker's clock, UTC
    meter_clock: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total_energy: Mapped[Decimal] = mapped_column(Energy)  # kWh
    energy_sharp: Mapped[Decimal] = mapped_column(Energy)  # 尖
    energy_peak: Mapped[Decimal] = mapped_column(Energy)  # 峰
    energy_flat: Mapped[Decimal] = mapped_column(Energy)  # 平
    energy_valley: Mapped[Decimal] = mapped_column(Energy)  # 谷
    power_w: Mapped[int] = mapped_column(Integer, default=0)
    balance: Mapped[Decimal] = mapped_column(Money)  # the meter's own wallet (local mode), else 0
    purchase_count: Mapped[int] = mapped_column(Integer, default=0)
    status_bits: Mapped[int] = mapped_column(Integer, default=0)
    quality: Mapped[ReadingQuality] = mapped_column(db_enum(ReadingQuality, "reading_quality"),
                                                    default=ReadingQuality.GOOD)

    __table_args__ = (Index("ix_readings_meter_id_read_at", "meter_id", "read_at"),)


class MeterState(Base):
    """The newest known state of one meter and the worker's bookkeeping for it.

    One row per meter, rewritten by every poll, so it is not audited; the readings and alarms
    keep the history.
    """

    __tablename__ = "meter_states"
    __audited__ = False

    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"), primary_key=True)
    last_reading_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    last_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Polls failed in a row; 3 make the meter offline. Backoff doubles from 30 s to 5 min.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    online: Mapped[bool] = mapped_column(Boolean, default=True)
    relay_open: Mapped[bool | None] = mapped_column(Boolean)
    status_bits: Mapped[int] = mapped_column(Integer, default=0)
    # When relay_open and status_bits were read: by a poll, or later by a command's read-back.
    relay_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    balance: Mapped[Decimal | None] = mapped_column(Money)  # as the meter reported it
    purchase_count: Mapped[int | None] = mapped_column(Integer)
    # The last command sequence number handed out for this meter (U16, wraps after 65535).
    command_sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Settlement cursor: readings up to this id have been billed or booked.
    settled_reading_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    # Remote-mode billing (settlement): the exact cost not yet posted, below half a cent either
    # way, for the account it belongs to; energy up to `billed_until` is in it.
    cost_carry: Mapped[Decimal] = mapped_column(Remainder, default=Decimal(0), server_default="0")
    carry_account_id: Mapped[int | None] = mapped_column(ForeignKey("tenant_accounts.id"))
    billed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AlarmKind(enum.StrEnum):
    ALARM1 = "alarm1"  # balance below the first threshold (一级告警)
    ALARM2 = "alarm2"  # balance below the second threshold (二级告警)
    ARREARS = "arrears"  # 欠费
    OVERLOAD = "overload"
    LOST_COMM = "lost_comm"  # a meter missed 3 polls in a row
    GATEWAY_LOST = "gateway_lost"  # a gateway cannot be reached, or none of its meters answer
    RELAY_DRIFT = "relay_drift"  # the relay differs from what the account requires


class Alarm(Base):
    """An alarm raised on a meter, an account or a gateway; acknowledged and cleared later.

    At most one alarm of a kind is active (not cleared) per subject; raising it again while
    it is active changes nothing, so the history shows one row per episode.
    """

    __tablename__ = "alarms"
    __audited__ = False  # raised and cleared by the worker; acknowledgements are logged explicitly

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[AlarmKind] = mapped_column(db_enum(AlarmKind, "alarm_kind"))
    # "meter:<id>", "account:<id>" or "gateway:<id>": the subject, for the one-active rule.
    subject: Mapped[str] = mapped_column(String(48))
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("tenant_accounts.id"), index=True)
    gateway_id: Mapped[int | None] = mapped_column(ForeignKey("gateways.id"))
    detail: Mapped[str] = mapped_column(String(255), default="")
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ux_alarms_active", "kind", "subject", unique=True,
                            postgresql_where=text("cleared_at IS NULL"),
                            sqlite_where=text("cleared_at IS NULL")),)
