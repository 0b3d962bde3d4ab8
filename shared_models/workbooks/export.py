"""The registry as workbook rows, read from the database in batches (constant memory)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from shared_models.models import Building, Bus, Floor, Gateway, Meter, Site, Unit
from shared_models.scope import within_sites
from shared_models.workbooks import layout

BATCH = 1000


def gateway_rows(db: Session, site_ids: Sequence[int] | None) -> Iterator[tuple[Any, ...]]:
    """Rows of the Gateways sheet, in its column order; `site_ids` None means every site."""
    bus_count = (select(func.count(Bus.id)).where(Bus.gateway_id == Gateway.id)
                 .correlate(Gateway).scalar_subquery())
    stmt = (select(Site.code, Gateway.name, Gateway.host, Gateway.port, Gateway.framing,
                   Gateway.serial_device, Gateway.baud, Gateway.parity, Gateway.stop_bits,
                   Gateway.timeout_ms, bus_count)
            .join(Site, Gateway.site_id == Site.id).order_by(Site.code, Gateway.name))
    return _stream(db, within_sites(stmt, Gateway.site_id, site_ids), len(layout.GATEWAY_COLUMNS))


def meter_rows(db: Session, site_ids: Sequence[int] | None) -> Iterator[tuple[Any, ...]]:
    """Rows of the Meters sheet, in its column order."""
    stmt = (select(Meter.serial_number, Site.code, Gateway.name, Bus.number, Meter.address,
                   Meter.model, Meter.phases, Meter.ct_ratio, Meter.control_mode,
                   Building.name, Floor.name, Unit.name)
            .join(Site, Meter.site_id == Site.id)
            .join(Bus, Meter.bus_id == Bus.id).join(Gateway, Bus.gateway_id == Gateway.id)
            .outerjoin(Unit, Meter.unit_id == Unit.id).outerjoin(Floor, Unit.floor_id == Floor.id)
            .outerjoin(Building, Floor.building_id == Building.id)
            .order_by(Site.code, Gateway.name, Bus.number, Meter.address))
    return _stream(db, within_sites(stmt, Meter.site_id, site_ids), len(layout.METER_COLUMNS))


def _stream(db: Session, stmt: Select, width: int) -> Iterator[tuple[Any, ...]]:
    assert len(stmt.selected_columns) == width, "the select must match the sheet's columns"
    for row in db.execute(stmt.execution_options(yield_per=BATCH)):
        # Enumerations are written as the values the import accepts.
        yield tuple(getattr(value, "value", value) for value in row)
