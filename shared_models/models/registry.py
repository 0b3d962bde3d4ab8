"""The site and device registry: sites, buildings, floors, units, gateways, buses, meters."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared_models.base import Base
from shared_models.enums import ControlMode, Framing, MeterStatus, Parity, db_enum
from shared_models.types import Money, Price, UTCDateTime, utcnow

MAX_METERS_PER_BUS = 32  # RS485 unit-load limit of one bus segment


class Site(Base):
    """A property project: the unit of configuration, scoping and reporting."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    poll_interval_s: Mapped[int] = mapped_column(Integer, default=1800)
    default_price: Mapped[Decimal] = mapped_column(Price, default=Decimal("0.6000"))
    alarm1_threshold: Mapped[Decimal] = mapped_column(Money, default=Decimal("20.00"))
    alarm2_threshold: Mapped[Decimal] = mapped_column(Money, default=Decimal("5.00"))
    overload_limit_w: Mapped[int] = mapped_column(Integer, default=8000)
    overdraft_limit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    credit_cap: Mapped[Decimal] = mapped_column(Money, default=Decimal("5000.00"))
    # A refund (退电) above this needs a second operator's approval.
    refund_approval_threshold: Mapped[Decimal] = mapped_column(Money, default=Decimal("500.00"))
    sms_sender: Mapped[str] = mapped_column(String(32), default="")
    # Online payments (tenants' phones and kiosks): the smallest and largest single payment,
    # and how long an unpaid order stays open before it is closed at the gateway.
    online_min_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("1.00"))
    online_max_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("2000.00"))
    order_expiry_s: Mapped[int] = mapped_column(Integer, default=7200)
    # Whether tenants may switch their own supply off and on from their phones.
    tenant_supply_control: Mapped[bool] = mapped_column(Boolean, default=True,
                                                        server_default=true())
    # Postpaid billing (抄核收): the day of the month the period ends (local midnight), the days
    # from release to a bill's due date, and the review thresholds (percent) for a change
    # against the last 3 months and for the estimated (catch-up) share of a bill's energy.
    bill_cutoff_day: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    bill_due_days: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    bill_change_pct: Mapped[int] = mapped_column(Integer, default=50, server_default="50")
    bill_estimated_pct: Mapped[int] = mapped_column(Integer, default=20, server_default="20")
    # Whether a tenant who signed in once by SMS inside WeChat is then signed in by WeChat.
    tenant_wechat_sign_in: Mapped[bool] = mapped_column(Boolean, default=False,
                                                        server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    buildings: Mapped[list[Building]] = relationship(back_populates="site")
    gateways: Mapped[list[Gateway]] = relationship(back_populates="site")

    __table_args__ = (
        CheckConstraint("poll_interval_s >= 60", name="poll_interval_min"),
    )


class Building(Base):
    __tablename__ = "buildings"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))

    site: Mapped[Site] = relationship(back_populates="buildings")
    floors: Mapped[list[Floor]] = relationship(back_populates="building")

    __table_args__ = (UniqueConstraint("site_id", "name"),)


class Floor(Base):
    __tablename__ = "floors"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))

    building: Mapped[Building] = relationship(back_populates="floors")
    units: Mapped[list[Unit]] = relationship(back_populates="floor")

    __table_args__ = (UniqueConstraint("building_id", "name"),)


class Unit(Base):
    """A lettable room or shop, where meters are installed."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    floor_id: Mapped[int] = mapped_column(ForeignKey("floors.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))

    floor: Mapped[Floor] = relationship(back_populates="units")

    __table_args__ = (UniqueConstraint("floor_id", "name"),)


class Gateway(Base):
    """A communication manager (通讯管理机) exposing RS485 buses."""

    __tablename__ = "gateways"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    host: Mapped[str] = mapped_column(String(255), default="")
    port: Mapped[int] = mapped_column(Integer, default=502)
    framing: Mapped[Framing] = mapped_column(db_enum(Framing, "framing"), default=Framing.MODBUS_TCP)
    serial_device: Mapped[str] = mapped_column(String(255), default="")
    baud: Mapped[int] = mapped_column(Integer, default=9600)
    parity: Mapped[Parity] = mapped_column(db_enum(Parity, "parity"), default=Parity.EVEN)
    stop_bits: Mapped[int] = mapped_column(Integer, default=1)
    timeout_ms: Mapped[int] = mapped_column(Integer, default=400)

    site: Mapped[Site] = relationship(back_populates="gateways")
    buses: Mapped[list[Bus]] = relationship(back_populates="gateway", order_by="Bus.number")

    __table_args__ = (
        UniqueConstraint("site_id", "name"),
        CheckConstraint("port BETWEEN 1 AND 65535", name="port_range"),
        CheckConstraint("timeout_ms BETWEEN 50 AND 60000", name="timeout_range"),
    )


class Bus(Base):
    """One RS485 line of a gateway; gateways usually expose each line on its own TCP port."""

    __tablename__ = "buses"

    id: Mapped[int] = mapped_column(primary_key=True)
    gateway_id: Mapped[int] = mapped_column(ForeignKey("gateways.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    port: Mapped[int] = mapped_column(Integer)

    gateway: Mapped[Gateway] = relationship(back_populates="buses")
    meters: Mapped[list[Meter]] = relationship(back_populates="bus")

    __table_args__ = (UniqueConstraint("gateway_id", "number"),)


class Meter(Base):
    """A prepaid meter at a Modbus address on one bus, installed in a unit."""

    __tablename__ = "meters"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    serial_number: Mapped[str] = mapped_column(String(32), unique=True)
    bus_id: Mapped[int] = mapped_column(ForeignKey("buses.id"), index=True)
    address: Mapped[int] = mapped_column(Integer)  # Modbus unit id on its bus, 1-247
    model: Mapped[str] = mapped_column(String(60), default="WK-PM1")
    phases: Mapped[int] = mapped_column(Integer, default=1)
    ct_ratio: Mapped[int] = mapped_column(Integer, default=1)
    control_mode: Mapped[ControlMode] = mapped_column(
        db_enum(ControlMode, "control_mode"), default=ControlMode.REMOTE
    )
    status: Mapped[MeterStatus] = mapped_column(
        db_enum(MeterStatus, "meter_status"), default=MeterStatus.NOT_OPENED, index=True
    )
    key_version: Mapped[int] = mapped_column(Integer, default=1)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bus: Mapped[Bus] = relationship(back_populates="meters")
    unit: Mapped[Unit | None] = relationship()

    __table_args__ = (
        UniqueConstraint("bus_id", "address"),
        CheckConstraint("address BETWEEN 1 AND 247", name="address_range"),
        CheckConstraint("phases IN (1, 3)", name="phases"),
        CheckConstraint("ct_ratio >= 1", name="ct_ratio"),
    )
