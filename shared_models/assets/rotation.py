"""The rotation plan (轮换): meters due for verification or replacement within a horizon."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared_models.enums import AssetState
from shared_models.models import Meter, MeterAsset, MeterModel
from shared_models.models.assets import DEFAULT_VALIDITY_YEARS


def add_years(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February into a year without one
        return start.replace(year=start.year + years, day=28)


def due_date(base: date, validity_years: int, certificate_due: date | None) -> tuple[date, str]:
    """When a meter falls due and why: its model's validity counted from its last verification
    (or installation), or its certificate's own next date when that is sooner."""
    by_age = add_years(base, validity_years)
    if certificate_due is not None and certificate_due < by_age:
        return certificate_due, "verification"
    return by_age, "replacement"


@dataclass(frozen=True)
class DueMeter:
    meter_id: int
    asset_id: int | None
    serial_number: str
    model: str
    site_id: int
    bus_id: int
    unit_id: int | None
    since: date
    due_on: date
    reason: str
    overdue: bool


def due_list(db: Session, *, today: date, horizon_days: int,
             site_ids: Iterable[int] | None = None) -> list[DueMeter]:
    """Installed meters due on or before `today + horizon_days`, soonest first. A meter whose
    model is not configured is taken as an electronic meter (8 years)."""
    years = func.coalesce(MeterModel.validity_years, DEFAULT_VALIDITY_YEARS)
    stmt = (select(Meter.id, MeterAsset.id, Meter.serial_number, Meter.model, Meter.site_id,
                   Meter.bus_id, Meter.unit_id, MeterAsset.verified_on, MeterAsset.installed_at,
                   Meter.created_at, MeterAsset.next_due, years)
            .outerjoin(MeterAsset, MeterAsset.meter_id == Meter.id)
            .outerjoin(MeterModel, MeterModel.name == Meter.model)
            .where(func.coalesce(MeterAsset.state, AssetState.INSTALLED.value)
                   == AssetState.INSTALLED.value))
    if site_ids is not None:
        stmt = stmt.where(Meter.site_id.in_(list(site_ids)))
    limit = today + timedelta(days=horizon_days)
    due = []
    for (meter_id, asset_id, serial, model, site_id, bus_id, unit_id, verified_on, installed_at,
         created_at, next_due, validity) in db.execute(stmt):
        since = verified_on or (installed_at or created_at).date()
        on, reason = due_date(since, validity, next_due)
        if on <= limit:
            due.append(DueMeter(meter_id, asset_id, serial, model, site_id, bus_id, unit_id,
                                since, on, reason, on < today))
    return sorted(due, key=lambda row: (row.due_on, row.meter_id))
