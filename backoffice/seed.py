"""The demo site: two buildings, three gateways, 90 meters on the simulator's ports, and 60
tenants with opening balances sold over the counter."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.enums import ControlMode
from shared_models.models import Meter, Site
from shared_models.models.ledger import Channel
from shared_models.services import accounts, registry, shifts

DEMO_CODE = "DEMO"
SIMULATOR_BASE_PORT = 15020
# (gateway name, building, floors on its bus)
GATEWAYS = (("GW-A1", "A栋 Tower A", (1, 2, 3)), ("GW-A2", "A栋 Tower A", (4, 5, 6)),
            ("GW-B1", "B栋 Tower B", (1, 2, 3)))
UNITS_PER_FLOOR = 10
TENANTS = 60  # the other 30 meters stay "not opened", as in a building still letting
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"


def seed_demo(db: Session, operator_id: int) -> bool:
    """Create the demo site unless it exists; returns whether anything was created."""
    if db.scalar(select(Site.id).where(Site.code == DEMO_CODE)):
        return False
    site = registry.save_site(db, {"code": DEMO_CODE, "name": "海湾花园 Harbour View",
                                   "timezone": "Asia/Shanghai", "poll_interval_s": 60,
                                   "default_price": Decimal("0.6200"), "sms_sender": "Wattkeeper"})
    buildings = {}
    serial = 0
    for index, (gateway_name, building_name, floors) in enumerate(GATEWAYS):
        if building_name not in buildings:
            buildings[building_name] = registry.save_building(
                db, {"site_id": site.id, "name": building_name})
        building = buildings[building_name]
        gateway = registry.save_gateway(db, {
            "site_id": site.id, "name": gateway_name, "host": "127.0.0.1",
            "port": SIMULATOR_BASE_PORT + index, "bus_count": 1})
        bus = gateway.buses[0]
        address = 0
        for floor_number in floors:
            floor = registry.save_floor(db, {"building_id": building.id,
                                             "name": f"{floor_number}F"})
            for room in range(1, UNITS_PER_FLOOR + 1):
                unit = registry.save_unit(db, {"floor_id": floor.id,
                                               "name": f"{floor_number}{room:02d}"})
                address += 1
                serial += 1
                registry.save_meter(db, {
                    "bus_id": bus.id, "address": address, "serial_number": f"WK{serial:010d}",
                    "unit_id": unit.id,
                    "control_mode": ControlMode.LOCAL if serial % 3 == 0 else ControlMode.REMOTE})
    _seed_tenants(db, site, operator_id)
    return True


def _seed_tenants(db: Session, site: Site, operator_id: int) -> None:
    """Open accounts on the first meters, each paid in cash in one shift of the admin."""
    shift = shifts.open_shift(db, operator_id, site.id)
    meters = db.scalars(select(Meter).where(Meter.site_id == site.id).order_by(Meter.id)
                        .limit(TENANTS))
    for n, meter in enumerate(meters):
        accounts.open_account(db, {
            "site_id": site.id, "meter_ids": [meter.id], "unit_id": meter.unit_id,
            "tenant_name": f"{SURNAMES[n % len(SURNAMES)]}先生 Tenant {n + 1}",
            "phone": f"1380000{n + 1:04d}",
            "opening_balance": Decimal(50 + 10 * (n % 10)), "opening_channel": Channel.CASH,
        }, operator_id=operator_id)
    shifts.close_shift(db, shift, operator_id, may_close_others=False)
