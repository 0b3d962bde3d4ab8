"""The demo site: two buildings, three gateways, 90 meters on the simulator's ports, 60
tenants with opening balances sold over the counter, and the first tenant's supply contract;
then a little of a day's work, so that every screen of the console has something to show."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models import registry
from shared_models.assets import arrivals, verification
from shared_models.assets import lifecycle as asset_lifecycle
from shared_models.assets.rotation import add_years
from shared_models.contracts import lifecycle, templates
from shared_models.enums import ControlMode
from shared_models.ledger.books import wallet_of
from shared_models.models import AccountMeter, Meter, MeterAsset, Site, TenantAccount
from shared_models.models.ledger import Channel
from shared_models.sales import accounts, sales, shifts
from shared_models.tariffs import store

DEMO_CODE = "DEMO"
SIMULATOR_BASE_PORT = 15020
# (gateway name, building, floors on its bus)
GATEWAYS = (("GW-A1", "A栋 Tower A", (1, 2, 3)), ("GW-A2", "A栋 Tower A", (4, 5, 6)),
            ("GW-B1", "B栋 Tower B", (1, 2, 3)))
UNITS_PER_FLOOR = 10
TENANTS = 60  # the other 30 meters stay "not opened", as in a building still letting
# What the last remote-mode tenants have left after moving-out refunds: two in arrears, two
# below alarm 2 and three below alarm 1 (the site's defaults: 20.00 and 5.00).
LEFT_AFTER_REFUNDS = ("0", "0", "3", "3", "12", "12", "12")
# Refunds above this wait for a second person; the demo holds one back.
REFUND_APPROVAL_THRESHOLD = Decimal("130.00")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
# A commercial time-of-use tariff (一般工商业分时电价) in the shape of east China's:
# valley 23:00-07:00, peak mornings and evenings, sharp (尖峰) 19:00-21:00 in July and August.
_DAY = [["23:00", "07:00", "valley"], ["07:00", "08:00", "flat"], ["08:00", "11:00", "peak"],
        ["11:00", "18:00", "flat"], ["18:00", "23:00", "peak"]]
_SUMMER = [["23:00", "07:00", "valley"], ["07:00", "08:00", "flat"], ["08:00", "11:00", "peak"],
           ["11:00", "18:00", "flat"], ["18:00", "19:00", "peak"], ["19:00", "21:00", "sharp"],
           ["21:00", "23:00", "peak"]]
DEMO_TARIFF = {
    "name": "工商业分时 Commercial TOU",
    "prices": {"sharp": "1.2866", "peak": "1.0722", "flat": "0.6433", "valley": "0.2895"},
    "time_of_use": {"day_plan": _DAY,
                    "seasons": [{"name": "summer", "from": "07-01", "to": "08-31",
                                 "day_plan": _SUMMER}]},
}


def seed_demo(db: Session, operator_id: int, *, modbus_base_port: int = SIMULATOR_BASE_PORT) -> bool:
    """Create the demo site unless it exists; returns whether anything was created. The gateways
    answer on consecutive ports from `modbus_base_port` (each demo of `ops.demo` has its own)."""
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
            "port": modbus_base_port + index, "bus_count": 1})
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
    _seed_tariff(db, site, operator_id)
    _seed_tenants(db, site, operator_id)
    _seed_contract(db, site, operator_id)
    _seed_assets(db, site, operator_id)
    return True


def _seed_tariff(db: Session, site: Site, operator_id: int) -> None:
    """Publish the time-of-use tariff from today as the site's default plan."""
    plan = store.create_plan(db, site.id, "TOU-C", "工商业分时电价 Commercial TOU")
    today = datetime.now(ZoneInfo(site.timezone)).date()
    draft = store.add_version(db, plan.id, today, DEMO_TARIFF, operator_id=operator_id,
                                note="demo")
    store.publish_version(db, draft.id, operator_id)
    store.set_site_default(db, site.id, plan.id)


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


def _seed_contract(db: Session, site: Site, operator_id: int) -> None:
    """The standard low-voltage contract as the site's template, and the first account's
    contract drawn from it, signed and in force (its PDF at /api/v1/contracts/1/pdf). The seed
    drafts it as the system, so the admin is the second person who approves it."""
    template = templates.create_template(db, site_id=site.id, name="低压供用电合同 Low voltage")
    version = templates.add_version(db, template.id, {}, operator_id=operator_id)
    templates.publish(db, version.id, operator_id=operator_id)
    account = db.scalar(select(TenantAccount).where(TenantAccount.site_id == site.id)
                        .order_by(TenantAccount.id).limit(1))
    today = datetime.now(ZoneInfo(site.timezone)).date()
    contract = lifecycle.draft_from_template(
        db, account_id=account.id, template_version_id=version.id,
        values={"supplier": site.name, "capacity_kw": "8"}, starts_on=today,
        ends_on=today + timedelta(days=5 * 365), operator_id=None)
    lifecycle.approve(db, contract.id, operator_id=operator_id)
    lifecycle.sign(db, contract.id, signed_on=today, signers=["物业经理 Manager", account.tenant_name],
                   operator_id=operator_id)


def _seed_assets(db: Session, site: Site, operator_id: int) -> None:
    """Spare meters: a batch of four accepted and verified, two of them dispatched to the site;
    and the first three tenants' meters installed eight years ago less a few weeks, so the
    rotation plan has meters falling due that a spare can replace."""
    batch = arrivals.receive(db, {
        "number": "DEMO-2026-01", "supplier": "华立 Holley", "model": "WK-PM1", "quantity": 4,
        "arrived_on": datetime.now(ZoneInfo(site.timezone)).date() - timedelta(days=30),
        "serials": [f"WK9{n:09d}" for n in range(1, 5)]}, operator_id=operator_id)
    arrivals.sample(db, batch.id, {"passed": 2, "failed": 0}, operator_id=operator_id)
    spares = db.scalars(select(MeterAsset.id).where(MeterAsset.batch_id == batch.id)
                        .order_by(MeterAsset.id)).all()
    for n, asset_id in enumerate(spares):
        verification.verify(db, asset_id, {
            "verified_on": batch.arrived_on, "laboratory": "市计量检定所 City metrology lab",
            "certificate_number": f"JD-DEMO-{n + 1:04d}", "result": "passed",
            "error_percent": "0.150", "accuracy_class": "2", "seals": f"QF-{n + 1:04d}",
            "next_due": add_years(batch.arrived_on, 8)},
            operator_id=operator_id)
        if n < 2:
            asset_lifecycle.dispatch(db, asset_id, site.id, operator_id=operator_id)
    aged = datetime.now(ZoneInfo("UTC")) - timedelta(days=8 * 365)
    meters = db.scalars(select(Meter.id).where(Meter.site_id == site.id).order_by(Meter.id)
                        .limit(3)).all()
    for weeks, meter_id in zip((3, 6, 9), meters, strict=True):
        asset = asset_lifecycle.asset_of_meter(db, meter_id, operator_id=operator_id)
        asset.installed_at = aged + timedelta(weeks=weeks)
    db.flush()


def seed_demo_activity(db: Session, operator_id: int) -> None:
    """Refunds to tenants moving out, all through the one crediting path in one shift: some
    tenants left low or dry (alarm 1, alarm 2, arrears; the worker trips the dry ones), and one
    refund above the site's threshold held for a second person's approval. The last tenants
    are chosen, so the first accounts the README and the kiosk name keep their balances."""
    site = db.scalar(select(Site).where(Site.code == DEMO_CODE))
    site.refund_approval_threshold = REFUND_APPROVAL_THRESHOLD
    remote = list(db.scalars(
        select(AccountMeter.account_id).join(Meter, Meter.id == AccountMeter.meter_id)
        .where(Meter.site_id == site.id, Meter.control_mode == ControlMode.REMOTE,
               AccountMeter.detached_at.is_(None)).order_by(Meter.id.desc())))
    shift = shifts.open_shift(db, operator_id, site.id)
    for account_id, left in zip(remote, LEFT_AFTER_REFUNDS, strict=False):
        balance = wallet_of(db, account_id).balance
        sales.refund(db, account_id=account_id, amount=balance - Decimal(left),
                     channel=Channel.CASH, operator_id=operator_id, reason="退租 moving out")
    held = next(account_id for account_id in remote[len(LEFT_AFTER_REFUNDS):]
                if wallet_of(db, account_id).balance > REFUND_APPROVAL_THRESHOLD)
    sales.refund(db, account_id=held, amount=wallet_of(db, held).balance - Decimal(5),
                 channel=Channel.CASH, operator_id=operator_id, reason="退租 moving out")
    shifts.close_shift(db, shift, operator_id, may_close_others=False)
