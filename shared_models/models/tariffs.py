"""Stored tariffs (电价方案): plans per site, their dated versions, and where each plan applies."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared_models.base import Base
from shared_models.enums import db_enum
from shared_models.types import UTCDateTime, utcnow


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"  # editable, priced only by dry runs
    PUBLISHED = "published"  # in force from its effective date; the database refuses changes


class TariffPlan(Base):
    """A named tariff of one site (e.g. "Commercial TOU"); its prices live in its versions."""

    __tablename__ = "tariff_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[TariffPlanVersion]] = relationship(
        back_populates="plan", order_by="TariffPlanVersion.effective_from")

    __table_args__ = (UniqueConstraint("site_id", "code"),)


class TariffPlanVersion(Base):
    """One version of a plan: the engine's Tariff as JSON (Tariff.to_dict), in force from local
    midnight of `effective_from` until the next published version of the plan starts."""

    __tablename__ = "tariff_plan_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("tariff_plans.id"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)  # a local date of the plan's site
    tariff: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[VersionStatus] = mapped_column(db_enum(VersionStatus, "tariff_version_status"),
                                                  default=VersionStatus.DRAFT)
    note: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[TariffPlan] = relationship(back_populates="versions")

    @property
    def site_id(self) -> int:
        """The plan's site, which scopes the version."""
        return self.plan.site_id

    # Two published versions of one plan never start on the same day.
    __table_args__ = (Index("ux_tariff_plan_versions_published", "plan_id", "effective_from",
                            unique=True, postgresql_where=text("status = 'published'"),
                            sqlite_where=text("status = 'published'")),)


class TariffAssignment(Base):
    """Where a plan applies: one meter, one account, or (both empty) the whole site by default.

    The meter's own plan beats its account's, which beats the site default.
    """

    __tablename__ = "tariff_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("tariff_plans.id"), index=True)
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id"), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("tenant_accounts.id"), unique=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("meter_id IS NULL OR account_id IS NULL", name="one_target"),
        Index("ux_tariff_assignments_site_default", "site_id", unique=True,
              postgresql_where=text("meter_id IS NULL AND account_id IS NULL"),
              sqlite_where=text("meter_id IS NULL AND account_id IS NULL")),
    )
