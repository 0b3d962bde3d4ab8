"""The demo site: two buildings, three gateways, 90 meters, on the simulator's ports."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.enums import ControlMode
from shared_models.models import Site
from shared_models.services import registry

DEMO_CODE = "DEMO"
SIMULATOR_BASE_PORT = 15020
# (gateway name, building, floors on its bus)
GATEWAYS = (("GW-A1", "A栋 Tower A", (1, 2, 3)), ("GW-A2", "A栋 Tower A", (4, 5, 6)),
            ("GW-B1", "B栋 Tower B", (1, 2, 3)))
UNITS_PER_FLOOR = 10


def seed_demo(db: Session) -> bool:
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
    return True
