"""Rules of the site and device registry that the real world imposes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models.enums import Framing, MeterStatus
from shared_models.errors import Conflict, InvalidValue, NotFound, RuleViolation
from shared_models.models import Building, Bus, Floor, Gateway, Meter, Site, Unit
from shared_models.models.registry import MAX_METERS_PER_BUS

# What each table's rows are called in messages ("No such bus."), translated at the edge.
NAMES: dict[str, str] = {
    "sites": "site", "buildings": "building", "floors": "floor", "units": "unit",
    "gateways": "gateway", "buses": "bus", "meters": "meter",
    "tenant_accounts": "account", "account_meters": "meter of an account",
    "meter_swaps": "meter swap", "site_counters": "site counter",
    "shifts": "shift", "sales": "sale", "operators": "operator", "api_tokens": "token",
    "ledger_accounts": "ledger account", "ledger_transactions": "ledger transaction",
    "ledger_postings": "ledger posting", "command_batches": "command batch",
    "commands": "command", "idempotency_records": "idempotency record",
    "readings": "reading", "meter_states": "meter state", "alarms": "alarm",
    "tariff_plans": "tariff plan", "tariff_plan_versions": "tariff version",
    "tariff_assignments": "tariff assignment", "audit_log": "log entry",
    "sms_messages": "SMS", "sms_settings": "SMS settings", "audit_head": "log head",
    "login_lockouts": "login lockout", "staff_sessions": "staff session",
    "payment_orders": "payment order", "payment_events": "payment event",
    "payment_refunds": "refund", "reconciliation_runs": "reconciliation run",
    "reconciliation_breaks": "reconciliation break", "reconciliation_holds": "held payment",
    "tenant_sign_in_codes": "sign-in code", "tenant_sessions": "tenant session",
    "tenant_idempotency_records": "tenant idempotency record",
    "bill_runs": "bill run", "bills": "bill", "bill_meters": "meter of a bill",
    "bill_lines": "bill line",
    "contract_templates": "contract template", "contract_template_versions": "template version",
    "supply_contracts": "contract", "supply_contract_changes": "contract change",
    "supply_contract_documents": "signed contract",
    "contract_settings": "contract settings",
    "tenant_wechat_bindings": "WeChat sign-in",
    "meter_models": "meter model", "arrival_batches": "arrival batch",
    "acceptance_samples": "acceptance sample", "meter_assets": "metering asset",
    "meter_verifications": "verification", "asset_events": "asset event",
    "scrap_requests": "scrap request",
}


def name_of(model: type) -> str:
    """The word for a row of `model` in messages."""
    table = model.__tablename__
    return NAMES.get(table, table.replace("_", " "))


def not_found(model: type, field: str | None = None) -> NotFound:
    """The answer for an id that names nothing: a 404, or with the request `field` the id came
    in, a 422 naming that field."""
    return NotFound("No such {what}.", field=field, what=name_of(model))


def get(db: Session, model: type, obj_id: int, *, lock: bool = False, field: str | None = None,
        site_id: int | None = None):
    """The row `obj_id` of `model`. `field` names the request field the id came from; with
    `site_id`, a row of another site is answered exactly as one that does not exist."""
    stmt = select(model).where(model.id == obj_id)
    if site_id is not None:
        stmt = stmt.where(model.site_id == site_id)
    if lock:
        stmt = stmt.with_for_update()
    obj = db.scalar(stmt)
    if obj is None:
        raise not_found(model, field)
    return obj


def apply(obj: object, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(obj, name, value)


def check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidValue("Unknown timezone {name}.", field="timezone", name=name) from exc


# Limits and thresholds of a site (and of an account, for the alarms) are never below zero.
SITE_LIMITS = ("default_price", "alarm1_threshold", "alarm2_threshold", "overdraft_limit",
               "credit_cap", "refund_approval_threshold")


def check_not_negative(values: dict[str, Any], names: Iterable[str]) -> None:
    """Refuse a negative value for any of `names` present in `values`."""
    for name in names:
        value = values.get(name)
        if value is not None and value < 0:
            raise InvalidValue("{name} must not be negative.", field=name, name=name)


def save_site(db: Session, values: dict[str, Any], site: Site | None = None) -> Site:
    check_not_negative(values, SITE_LIMITS)
    if "timezone" in values:
        check_timezone(values["timezone"])
    code = values.get("code")
    if code is not None and db.scalar(select(Site.id).where(Site.code == code,
                                                            Site.id != (site.id if site else -1))):
        raise Conflict("Site code {code} is already used.", field="code", code=code)
    site = site or Site()
    apply(site, values)
    if site.alarm2_threshold is not None and site.alarm1_threshold is not None \
            and site.alarm2_threshold > site.alarm1_threshold:
        raise RuleViolation("Alarm threshold 2 must not exceed alarm threshold 1.",
                            field="alarm2_threshold")
    db.add(site)
    db.flush()
    return site


def check_name_free(name: str, taken: bool) -> None:
    """Siblings (buildings of a site, gateways of a site...) have distinct names."""
    if taken:
        raise Conflict("The name {name} is already used here.", field="name", name=name)


def _unique_name(db: Session, model: type, parent_col, parent_id: int, name: str, obj) -> None:
    clash = db.scalar(select(model.id).where(parent_col == parent_id, model.name == name,
                                             model.id != (obj.id if obj else -1)))
    check_name_free(name, bool(clash))


def _save_place(db: Session, model: type, parent_model: type, parent_field: str,
                values: dict[str, Any], obj):
    """Buildings, floors and units: a parent that exists and a name unique under it."""
    obj = obj or model()
    parent_id = values.get(parent_field, getattr(obj, parent_field))
    get(db, parent_model, parent_id, field=parent_field)
    _unique_name(db, model, getattr(model, parent_field), parent_id, values.get("name", obj.name), obj)
    apply(obj, values)
    db.add(obj)
    db.flush()
    return obj


def save_building(db: Session, values: dict[str, Any], obj: Building | None = None) -> Building:
    return _save_place(db, Building, Site, "site_id", values, obj)


def save_floor(db: Session, values: dict[str, Any], obj: Floor | None = None) -> Floor:
    return _save_place(db, Floor, Building, "building_id", values, obj)


def save_unit(db: Session, values: dict[str, Any], obj: Unit | None = None) -> Unit:
    return _save_place(db, Unit, Floor, "floor_id", values, obj)


def check_link(framing: Framing, host: str | None, serial_device: str | None) -> None:
    """A gateway is reached through its serial device or its host, depending on the framing."""
    if framing == Framing.SERIAL and not serial_device:
        raise InvalidValue("A serial gateway needs its serial device.", field="serial_device")
    if framing != Framing.SERIAL and not host:
        raise InvalidValue("A TCP gateway needs its host.", field="host")


def save_gateway(db: Session, values: dict[str, Any], obj: Gateway | None = None) -> Gateway:
    """Create or change a gateway; `bus_count` adds buses on consecutive TCP ports."""
    values = dict(values)
    bus_count = values.pop("bus_count", None)
    obj = obj or Gateway()
    site_id = values.get("site_id", obj.site_id)
    get(db, Site, site_id, field="site_id")
    _unique_name(db, Gateway, Gateway.site_id, site_id, values.get("name", obj.name), obj)
    if obj.id is not None and "site_id" in values and values["site_id"] != obj.site_id:
        if db.scalar(select(func.count(Meter.id)).join(Bus).where(Bus.gateway_id == obj.id)):
            raise RuleViolation("A gateway with meters cannot move to another site.",
                                field="site_id")
    apply(obj, values)
    check_link(obj.framing or Framing.MODBUS_TCP, obj.host, obj.serial_device)
    db.add(obj)
    db.flush()
    if bus_count is not None:
        set_bus_count(db, obj, bus_count)
    return obj


def set_bus_count(db: Session, gateway: Gateway, count: int) -> None:
    """Grow or shrink the buses of a gateway; a bus with meters is never removed."""
    buses = list(db.scalars(select(Bus).where(Bus.gateway_id == gateway.id).order_by(Bus.number)))
    port = gateway.port or 502
    for number in range(len(buses) + 1, count + 1):
        db.add(Bus(gateway_id=gateway.id, number=number, port=port + number - 1))
    for bus in buses[count:]:
        if db.scalar(select(func.count(Meter.id)).where(Meter.bus_id == bus.id)):
            raise RuleViolation("Bus {number} still has meters.", field="bus_count",
                                number=bus.number)
        db.delete(bus)
    db.flush()


def check_serial_free(serial: str, taken: bool) -> None:
    """A serial number identifies one meter across every site."""
    if taken:
        raise Conflict("Serial number {serial} is already registered.", field="serial_number",
                       serial=serial)


def check_address_free(address: int, taken: bool) -> None:
    """Two meters answering the same Modbus address on one bus would garble each other."""
    if taken:
        raise Conflict("Address {address} is already used on this bus.", field="address",
                       address=address)


def check_bus_room(on_bus: int) -> None:
    """`on_bus` meters are already on the bus; one more must fit the RS485 load limit."""
    if on_bus >= MAX_METERS_PER_BUS:
        raise RuleViolation("A bus carries at most {limit} meters.", field="bus_id",
                            limit=MAX_METERS_PER_BUS)


def save_meter(db: Session, values: dict[str, Any], obj: Meter | None = None) -> Meter:
    """Create or change a meter, holding the bus row so two requests cannot overfill it."""
    obj = obj or Meter()
    bus_id = values.get("bus_id", obj.bus_id)
    address = values.get("address", obj.address)
    serial = values.get("serial_number", obj.serial_number)
    bus = get(db, Bus, bus_id, lock=True, field="bus_id")
    site_id = bus.gateway.site_id
    other = obj.id if obj.id is not None else -1
    check_serial_free(serial, bool(db.scalar(
        select(Meter.id).where(Meter.serial_number == serial, Meter.id != other))))
    check_address_free(address, bool(db.scalar(
        select(Meter.id).where(Meter.bus_id == bus_id, Meter.address == address, Meter.id != other))))
    if obj.bus_id != bus_id:
        check_bus_room(db.scalar(select(func.count(Meter.id)).where(Meter.bus_id == bus_id)) or 0)
    unit_id = values.get("unit_id", obj.unit_id)
    if unit_id is not None:
        unit = get(db, Unit, unit_id, field="unit_id")
        if unit.floor.building.site_id != site_id:
            raise RuleViolation("The unit belongs to another site.", field="unit_id")
    apply(obj, values)
    obj.site_id = site_id
    db.add(obj)
    db.flush()
    return obj


class MeterPlacement:
    """Serials and bus addresses in use, loaded in a few queries, so that many new meters go
    through the checks of `save_meter` without a query each (workbook imports).

    Buses are keys: a bus id for an existing bus, any other hashable for a bus not yet created.
    """

    CHUNK = 500  # bound parameters per IN list (SQLite and drivers have limits)

    def __init__(self, db: Session, serials: Iterable[str], bus_ids: Iterable[int], *,
                 lock: bool = False) -> None:
        serials, bus_ids = sorted(set(serials)), sorted(set(bus_ids))
        self.serials: set[str] = set()
        self.addresses: dict[Hashable, set[int]] = defaultdict(set)
        for part in _chunks(bus_ids, self.CHUNK):
            if lock:  # like save_meter: hold the buses so a concurrent writer cannot overfill them
                db.execute(select(Bus.id).where(Bus.id.in_(part)).with_for_update())
            for bus_id, address in db.execute(
                    select(Meter.bus_id, Meter.address).where(Meter.bus_id.in_(part))):
                self.addresses[bus_id].add(address)
        for part in _chunks(serials, self.CHUNK):
            self.serials.update(db.scalars(
                select(Meter.serial_number).where(Meter.serial_number.in_(part))))

    def place(self, serial: str, bus: Hashable, address: int) -> None:
        """Check one new meter as `save_meter` would, then count it as placed."""
        used = self.addresses[bus]
        check_serial_free(serial, serial in self.serials)
        check_address_free(address, address in used)
        check_bus_room(len(used))
        self.serials.add(serial)
        used.add(address)


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def delete(db: Session, obj: object) -> None:
    """Delete a registry row that nothing depends on any more."""
    if isinstance(obj, Meter) and obj.status != MeterStatus.NOT_OPENED:
        raise RuleViolation("Only a meter that was never opened can be deleted; scrap it instead.")
    if isinstance(obj, Gateway):
        if any(bus.meters for bus in obj.buses):
            raise RuleViolation("The gateway still has meters.")
        for bus in obj.buses:
            db.delete(bus)
    try:
        with db.begin_nested():
            db.delete(obj)
    except IntegrityError as exc:  # something still points at it
        raise RuleViolation("This entry is still in use and cannot be deleted.") from exc


def site_of(obj: object) -> int:
    """The site a registry row belongs to (what operator scoping is checked against)."""
    if isinstance(obj, Site):
        return obj.id
    if isinstance(obj, Floor):
        return obj.building.site_id
    if isinstance(obj, Unit):
        return obj.floor.building.site_id
    if isinstance(obj, Bus):
        return obj.gateway.site_id
    return obj.site_id
