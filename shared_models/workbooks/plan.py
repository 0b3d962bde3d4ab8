"""Check a whole registry workbook against the database in a few queries, before writing."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models import registry
from shared_models.enums import Framing
from shared_models.errors import Conflict, InvalidValue, NotFound, WattkeeperError
from shared_models.models import Building, Bus, Floor, Gateway, Site, Unit
from shared_models.workbooks.rows import Row, RowError

PLACE_LEVELS = ("building", "floor", "unit")


@dataclass
class PlannedMeter:
    row: Row
    site_id: int
    bus: Hashable  # an existing bus id, or ("new", site_id, gateway name, bus number)
    place: tuple | None  # (site_id, building[, floor[, unit]])


@dataclass
class Plan:
    """What a workbook would create, or why it cannot: the result of `make_plan`."""

    errors: list[RowError] = field(default_factory=list)
    gateways: dict[tuple[int, str], Row] = field(default_factory=dict)  # new, by (site, name)
    meters: list[PlannedMeter] = field(default_factory=list)
    places: dict[tuple, int] = field(default_factory=dict)  # existing place ids by path
    new_places: dict[tuple, None] = field(default_factory=dict)  # ordered set of new paths

    def new_at(self, level: int) -> list[tuple]:
        """New places of one depth (1 buildings, 2 floors, 3 units), parents first."""
        return [path for path in self.new_places if len(path) == level + 1]


def make_plan(db: Session, gateways: list[Row], meters: list[Row], *,
              site_ids: frozenset[int] | None, broken: Iterable[tuple[str, str]] = (),
              lock: bool = False) -> Plan:
    """Resolve references and apply the registry rules to every row, reading in bulk.

    `site_ids` limits the caller to their sites (None: all). `broken` are (site code, gateway
    name) of gateway rows already refused, so meters on them are not reported a second time.
    """
    plan = Plan()
    sites = _sites(db, {row.values["site_code"] for row in [*gateways, *meters]}, site_ids)
    existing = _gateways(db, sites.values())
    failed = set(broken)
    firsts: dict[Any, int] = {}

    for row in gateways:
        values = row.values
        code, name = values["site_code"], values["name"]
        try:
            site_id = _site(sites, code)
            first = firsts.setdefault(("gateway", site_id, name), row.number)
            if first != row.number:
                raise Conflict("Duplicate of row {row} in this workbook.", field="name", row=first)
            registry.check_name_free(name, (site_id, name) in existing)
            registry.check_link(values.get("framing", Framing.MODBUS_TCP), values.get("host"),
                                values.get("serial_device"))
        except WattkeeperError as exc:
            plan.errors.append(RowError.of(row, "site_code", exc))
            failed.add((code, name))
            continue
        plan.gateways[(site_id, name)] = row

    buses = _buses(db, existing.values())
    placement = registry.MeterPlacement(
        db, (row.values["serial_number"] for row in meters), buses.values(), lock=lock)
    _load_places(db, plan, sites.values(), meters)
    for row in meters:
        values = row.values
        code, gateway = values["site_code"], values["gateway"]
        if (code, gateway) in failed and (sites.get(code), gateway) not in existing:
            continue
        try:
            site_id = _site(sites, code)
            bus = _bus(plan, existing, buses, site_id, gateway, values["bus"])
            first = firsts.setdefault(("serial", values["serial_number"]), row.number)
            if first != row.number:
                raise Conflict("Duplicate of row {row} in this workbook.", field="serial_number",
                               row=first)
            place = _place(values, site_id)
            placement.place(values["serial_number"], bus, values["address"])
        except WattkeeperError as exc:
            plan.errors.append(RowError.of(row, None, exc))
            continue
        plan.meters.append(PlannedMeter(row, site_id, bus, place))
        _note_place(plan, place)
    return plan


def _sites(db: Session, codes: set[str], allowed: frozenset[int] | None) -> dict[str, int]:
    found = db.execute(select(Site.code, Site.id).where(Site.code.in_(codes))) if codes else ()
    # A site outside the caller's scope reads as unknown, as everywhere else (no probing).
    return {code: site_id for code, site_id in found if allowed is None or site_id in allowed}


def _site(sites: dict[str, int], code: str) -> int:
    if code not in sites:
        raise NotFound("No such {what}.", field="site_code", what="site")
    return sites[code]


def _gateways(db: Session, site_ids: Iterable[int]) -> dict[tuple[int, str], int]:
    site_ids = list(site_ids)
    if not site_ids:
        return {}
    stmt = select(Gateway.site_id, Gateway.name, Gateway.id).where(Gateway.site_id.in_(site_ids))
    return {(site_id, name): gateway_id for site_id, name, gateway_id in db.execute(stmt)}


def _buses(db: Session, gateway_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    gateway_ids = list(gateway_ids)
    if not gateway_ids:
        return {}
    stmt = select(Bus.gateway_id, Bus.number, Bus.id).where(Bus.gateway_id.in_(gateway_ids))
    return {(gateway_id, number): bus_id for gateway_id, number, bus_id in db.execute(stmt)}


def _bus(plan: Plan, existing: dict, buses: dict, site_id: int, gateway: str,
         number: int) -> Hashable:
    if (site_id, gateway) in existing:
        bus_id = buses.get((existing[site_id, gateway], number))
        if bus_id is None:
            raise NotFound("No such {what}.", field="bus", what="bus")
        return bus_id
    new = plan.gateways.get((site_id, gateway))
    if new is None:
        raise NotFound("No such {what}.", field="gateway", what="gateway")
    if not 1 <= number <= new.values.get("bus_count", 1):
        raise NotFound("No such {what}.", field="bus", what="bus")
    return ("new", site_id, gateway, number)


def _place(values: dict[str, Any], site_id: int) -> tuple | None:
    names = [values.get(level) or "" for level in PLACE_LEVELS]
    for depth in (1, 2):
        if names[depth] and not names[depth - 1]:
            raise InvalidValue("A floor needs its building and a unit its floor.",
                               field=PLACE_LEVELS[depth])
    given = [name for name in names if name]
    return (site_id, *given) if given else None


def _note_place(plan: Plan, place: tuple | None) -> None:
    if place is None:
        return
    for depth in range(2, len(place) + 1):
        path = place[:depth]
        if path not in plan.places:
            plan.new_places.setdefault(path, None)


def _load_places(db: Session, plan: Plan, site_ids: Iterable[int], meters: list[Row]) -> None:
    """Existing buildings named in the workbook, their floors and units, by name path."""
    names = {row.values["building"] for row in meters if row.values.get("building")}
    site_ids = list(site_ids)
    if not names or not site_ids:
        return
    buildings = {item.id: (item.site_id, item.name) for item in db.execute(
        select(Building.id, Building.site_id, Building.name)
        .where(Building.site_id.in_(site_ids), Building.name.in_(names)))}
    floors = {item.id: (*buildings[item.building_id], item.name) for item in db.execute(
        select(Floor.id, Floor.building_id, Floor.name)
        .where(Floor.building_id.in_(list(buildings))))} if buildings else {}
    units = {item.id: (*floors[item.floor_id], item.name) for item in db.execute(
        select(Unit.id, Unit.floor_id, Unit.name).where(Unit.floor_id.in_(list(floors))))
    } if floors else {}
    for found in (buildings, floors, units):
        plan.places.update({path: place_id for place_id, path in found.items()})
