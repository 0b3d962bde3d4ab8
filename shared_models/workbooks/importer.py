"""Import a registry workbook: check everything first, then write it all in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models import registry
from shared_models.audit import jsonable
from shared_models.models import Building, Bus, Floor, Meter, Unit
from shared_models.workbooks.layout import SHEETS
from shared_models.workbooks.plan import Plan, make_plan
from shared_models.workbooks.rows import Row, RowError

PREVIEW_ROWS = 20
METER_FIELDS = ("serial_number", "address", "model", "phases", "ct_ratio", "control_mode")
SHEET_ORDER = {name: index for index, name in enumerate(SHEETS)}
COLUMN_ORDER = {(sheet, column.name): index
                for sheet, columns in SHEETS.items() for index, column in enumerate(columns)}
_PLACE_MODELS = ((Building, "site_id"), (Floor, "building_id"), (Unit, "floor_id"))


@dataclass
class ImportResult:
    """Errors (then nothing was written), or what was (or, in a dry run, would be) created."""

    errors: list[RowError]
    counts: dict[str, int] = field(default_factory=dict)
    preview: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def import_registry(db: Session, gateways: list[Row], meters: list[Row], *,
                    site_ids: frozenset[int] | None, dry_run: bool,
                    errors: list[RowError] | None = None,
                    broken: set[tuple[str, str]] | frozenset = frozenset()) -> ImportResult:
    """Check the rows (plus `errors` found earlier, e.g. bad cell values) and, when there is
    no error and it is not a dry run, create everything. The caller commits, or rolls back
    when any error is returned."""
    plan = make_plan(db, gateways, meters, site_ids=site_ids, broken=broken, lock=not dry_run)
    found = sorted([*(errors or ()), *plan.errors], key=_workbook_order)
    if found:
        return ImportResult(found)
    counts = _counts(plan)
    if dry_run:
        return ImportResult([], counts, _preview(plan))
    _write(db, plan)
    return ImportResult([], counts)


def _workbook_order(error: RowError) -> tuple[int, int, int]:
    # Errors read like the workbook: sheet by sheet, row by row, left to right.
    return (SHEET_ORDER.get(error.sheet, len(SHEET_ORDER)), error.row or 0,
            COLUMN_ORDER.get((error.sheet, error.column), -1))


def _counts(plan: Plan) -> dict[str, int]:
    return {
        "gateways": len(plan.gateways),
        "buses": sum(row.values.get("bus_count", 1) for row in plan.gateways.values()),
        "meters": len(plan.meters),
        "buildings": len(plan.new_at(1)),
        "floors": len(plan.new_at(2)),
        "units": len(plan.new_at(3)),
    }


def _preview(plan: Plan) -> dict[str, list[dict[str, Any]]]:
    def rows(items: list[Row]) -> list[dict[str, Any]]:
        return [{"row": row.number, **jsonable(row.values)} for row in items[:PREVIEW_ROWS]]

    return {"gateways": rows(list(plan.gateways.values())),
            "meters": rows([meter.row for meter in plan.meters])}


def _write(db: Session, plan: Plan) -> None:
    """Gateways through the registry service (few); places and meters added in bulk, as the
    plan already applied the registry rules to them. Every flush is captured by the audit log."""
    bus_ids: dict[Any, int] = {}
    created = {}
    for (site_id, name), row in plan.gateways.items():
        values = {key: value for key, value in row.values.items() if key != "site_code"}
        created[registry.save_gateway(db, {**values, "site_id": site_id}).id] = (site_id, name)
    if created:
        for gateway_id, number, bus_id in db.execute(
                select(Bus.gateway_id, Bus.number, Bus.id).where(Bus.gateway_id.in_(list(created)))):
            bus_ids[("new", *created[gateway_id], number)] = bus_id

    place_ids = dict(plan.places)
    for level, (model, parent) in enumerate(_PLACE_MODELS, start=1):
        new = {path: model(**{parent: path[0] if level == 1 else place_ids[path[:-1]],
                              "name": path[-1]}) for path in plan.new_at(level)}
        if new:
            db.add_all(new.values())
            db.flush()
            place_ids.update({path: obj.id for path, obj in new.items()})

    db.add_all([Meter(site_id=meter.site_id, bus_id=bus_ids.get(meter.bus, meter.bus),
                      unit_id=place_ids[meter.place] if _is_unit(meter.place) else None,
                      **{name: meter.row.values[name] for name in METER_FIELDS
                         if name in meter.row.values})
                for meter in plan.meters])
    db.flush()


def _is_unit(place: tuple | None) -> bool:
    # (site, building, floor, unit): a meter hangs in a unit, never directly in a building.
    return place is not None and len(place) == 4
