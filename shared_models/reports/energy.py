"""Energy report (用电量统计): kWh used over a range of local days, per meter, account or building.

The list is a select of the subjects (meters, accounts or buildings in the caller's sites);
each row's energy is computed for the rows asked for only (a page, or the export's stream),
from two register values per meter at the site's local midnights (`metering.energy`). Meter
rows count each meter's own history and a building adds up its meters', so a swap (换表) is
neither lost nor counted twice; an account's row counts its meters while they were attached.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from shared_models.metering.energy import range_energy
from shared_models.models import AccountMeter, Building, Floor, Meter, Site, TenantAccount, Unit
from shared_models.scope import within_sites


class EnergyBy(enum.StrEnum):
    METER = "meter"
    ACCOUNT = "account"
    BUILDING = "building"


COLUMNS = {
    EnergyBy.METER: ("site_code", "building", "unit", "serial_number", "account_number",
                     "tenant_name", "energy", "meter_id"),
    EnergyBy.ACCOUNT: ("site_code", "building", "unit", "account_number", "tenant_name", "meters",
                       "energy", "account_id"),
    EnergyBy.BUILDING: ("site_code", "building", "meters", "energy", "building_id"),
}


def _meter_count(building_id):
    return (select(func.count(Meter.id)).join(Unit, Unit.id == Meter.unit_id)
            .join(Floor, Floor.id == Unit.floor_id).where(Floor.building_id == building_id)
            .scalar_subquery())


def subjects(by: EnergyBy, *, site_ids: Collection[int] | None = None,
             site_id: int | None = None, building_id: int | None = None) -> Select:
    """The report's rows before their energy, as mappings in a stable order."""
    if by is EnergyBy.BUILDING:
        stmt = (select(Building.id.label("building_id"), Building.name.label("building"),
                       Building.site_id, Site.code.label("site_code"), Site.timezone,
                       _meter_count(Building.id).label("meters"))
                .join(Site, Site.id == Building.site_id).order_by(Site.code, Building.name, Building.id))
        site_column, building_column = Building.site_id, Building.id
    elif by is EnergyBy.ACCOUNT:
        meters = (select(func.count(AccountMeter.meter_id))
                  .where(AccountMeter.account_id == TenantAccount.id, AccountMeter.detached_at.is_(None))
                  .scalar_subquery())
        stmt = (select(TenantAccount.id.label("account_id"),
                       TenantAccount.number.label("account_number"), TenantAccount.tenant_name,
                       TenantAccount.site_id, Site.code.label("site_code"), Site.timezone,
                       Building.name.label("building"), Unit.name.label("unit"),
                       meters.label("meters"))
                .join(Site, Site.id == TenantAccount.site_id)
                .outerjoin(Unit, Unit.id == TenantAccount.unit_id)
                .outerjoin(Floor, Floor.id == Unit.floor_id)
                .outerjoin(Building, Building.id == Floor.building_id)
                .order_by(TenantAccount.id))
        site_column, building_column = TenantAccount.site_id, Building.id
    else:
        link = and_(AccountMeter.meter_id == Meter.id, AccountMeter.detached_at.is_(None))
        stmt = (select(Meter.id.label("meter_id"), Meter.serial_number, Meter.site_id,
                       Site.code.label("site_code"), Site.timezone,
                       Building.name.label("building"), Unit.name.label("unit"),
                       TenantAccount.id.label("account_id"),
                       TenantAccount.number.label("account_number"), TenantAccount.tenant_name)
                .join(Site, Site.id == Meter.site_id)
                .outerjoin(Unit, Unit.id == Meter.unit_id)
                .outerjoin(Floor, Floor.id == Unit.floor_id)
                .outerjoin(Building, Building.id == Floor.building_id)
                .outerjoin(AccountMeter, link)
                .outerjoin(TenantAccount, TenantAccount.id == AccountMeter.account_id)
                .order_by(Meter.id))
        site_column, building_column = Meter.site_id, Building.id
    stmt = within_sites(stmt, site_column, site_ids)
    if site_id is not None:
        stmt = stmt.where(site_column == site_id)
    if building_id is not None:
        stmt = stmt.where(building_column == building_id)
    return stmt


def _building_meters(db: Session, building_id: int) -> list[int]:
    return list(db.scalars(select(Meter.id).join(Unit, Unit.id == Meter.unit_id)
                           .join(Floor, Floor.id == Unit.floor_id)
                           .where(Floor.building_id == building_id).order_by(Meter.id)))


def with_energy(db: Session, by: EnergyBy, rows: Iterable[Any], first: date,
                last: date) -> Iterator[dict[str, Any]]:
    """Each subject row with its `energy` (kWh) over the local days first..last."""
    for row in rows:
        row = dict(row)
        zone = row.pop("timezone")
        if by is EnergyBy.BUILDING:
            energy = range_energy(db, zone, first, last,
                                  meter_ids=_building_meters(db, row["building_id"]))
        elif by is EnergyBy.ACCOUNT:
            energy = range_energy(db, zone, first, last, account_id=row["account_id"])
        else:
            energy = range_energy(db, zone, first, last, meter_ids=[row["meter_id"]])
        yield {**row, "energy": energy}


def sheet_rows(db: Session, by: EnergyBy, stmt: Select, first: date,
               last: date) -> Iterator[tuple[Any, ...]]:
    """The export's rows, from the same select as the screen, streamed."""
    rows = db.execute(stmt.execution_options(yield_per=200)).mappings()
    for row in with_energy(db, by, rows, first, last):
        yield tuple("" if row.get(name) is None else row[name] for name in COLUMNS[by])
