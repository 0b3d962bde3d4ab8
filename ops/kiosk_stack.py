"""Everything a kiosk talks to, started for the kiosk's end-to-end tests and its benchmark: the
sandbox gateway (a process), a scratch database, the back office served over HTTP in a thread,
an RQ worker (a process) charging payment codes, a site with tenants, and a registered kiosk."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARTED = re.compile(r"sandbox payment gateway at (\S+) \(payments config: (.+)\)")


@dataclass
class KioskStack:
    api_url: str
    token: str
    sandbox_url: str
    database_url: str
    redis_url: str
    payments_toml: Path
    site_code: str
    accounts: list[dict] = field(default_factory=list)  # number, id, phone, serial
    _stop: list = field(default_factory=list, repr=False)
    sessions: object = None
    staff_token: str = ""

    def stop(self) -> None:
        for stop in reversed(self._stop):
            stop()
        self._stop.clear()


@dataclass
class _Sandbox:
    url: str
    payments_toml: Path
    process: subprocess.Popen

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(10)
        self.process.stdout.close()


def _start_sandbox(instance: Path, time_scale: float) -> _Sandbox:
    """The sandbox gateway on a free port; its first line says where and its payments file."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ops.sandbox_gateway", "--port", "0", "--instance", str(instance),
         "--time-scale", str(time_scale)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
        start_new_session=True)
    found = STARTED.search(process.stdout.readline())
    if not found:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
        process.stdout.close()
        raise RuntimeError("the sandbox gateway did not start")
    return _Sandbox(found.group(1), Path(found.group(2)), process)


def _serve(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join(10)
        server.server_close()

    return f"http://127.0.0.1:{server.server_port}", stop


def _seed(sessions, tenants: int) -> tuple[str, str, list[dict]]:
    from backoffice.auth import kiosks
    from backoffice.auth.accounts import issue_token, save_operator
    from shared_models import registry
    from shared_models.sales import accounts

    with sessions() as db:
        site = registry.save_site(db, {"code": "KSK", "name": "示范小区 Kiosk Court"})
        gateway = registry.save_gateway(db, {"site_id": site.id, "name": "G", "host": "127.0.0.1",
                                             "bus_count": 1})
        made = []
        for n in range(1, tenants + 1):
            meter = registry.save_meter(db, {"bus_id": gateway.buses[0].id, "address": n,
                                             "serial_number": f"WK{n:010d}"})
            account = accounts.open_account(db, {"site_id": site.id, "tenant_name": f"李先生 Tenant {n}",
                                                 "phone": f"1380000{n:04d}", "meter_ids": [meter.id]},
                                            operator_id=None)
            made.append({"id": account.id, "number": account.number, "phone": account.phone,
                         "serial": meter.serial_number})
        _device, token = kiosks.register(db, site.id, "大堂一号 Lobby 1")
        staff = save_operator(db, {"username": "kiosk-staff", "password": "correct horse battery",
                                   "role": "finance", "all_sites": True})
        _t, staff_token = issue_token(db, staff.id, "kiosk tests", 1)
        db.commit()
    return token, staff_token, made


def start(work: Path, database_server: str | None, redis_url: str, *, tenants: int = 4,
          time_scale: float = 0.01) -> KioskStack:
    from redis import Redis
    from rq import Queue
    from rq.serializers import JSONSerializer

    from backoffice import create_app
    from ops.scratch import ScratchDatabases
    from shared_models.db import make_engine, make_session_factory

    stops = []
    try:
        sandbox = _start_sandbox(work / "sandbox", time_scale)
        stops.append(sandbox.stop)
        databases = ScratchDatabases(database_server, work / "db", "kiosk")
        database_url = databases.create()
        stops.append(databases.drop_all)
        engine = make_engine(database_url)
        stops.append(engine.dispose)
        sessions = make_session_factory(engine)
        token, staff_token, made = _seed(sessions, tenants)
        app = create_app({"DATABASE_URL": database_url, "SESSION_FACTORY": sessions, "REDIS_URL": redis_url,
                          "SECRET_KEY": "kiosk-stack", "PAYMENTS_FILE": str(sandbox.payments_toml)})
        api_url, stop_api = _serve(app)
        stops.append(stop_api)
        with Redis.from_url(redis_url) as connection:
            # Jobs other runs left would charge codes for order ids of another database.
            Queue("payments", connection=connection, serializer=JSONSerializer).empty()
        worker_log = (work / "worker.log").open("wb")
        stops.append(worker_log.close)
        worker = subprocess.Popen(
            [sys.executable, "-m", "rq.cli", "worker", "--url", redis_url, "--serializer",
             "rq.serializers.JSONSerializer", "--worker-class", "rq.SimpleWorker", "payments"],
            cwd=ROOT, stdout=worker_log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                 "WATTKEEPER_PAYMENTS": str(sandbox.payments_toml)})

        def stop_worker():
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(5)

        stops.append(stop_worker)
    except BaseException:
        for stop in reversed(stops):
            stop()
        raise
    return KioskStack(api_url, token, sandbox.url, database_url, redis_url, sandbox.payments_toml, "KSK",
                      made, stops, sessions, staff_token)


def balance(stack: KioskStack, account_id: int) -> Decimal:
    import requests

    response = requests.get(f"{stack.api_url}/api/v1/accounts/{account_id}", timeout=30,
                            headers={"Authorization": f"Bearer {stack.staff_token}"})
    response.raise_for_status()
    return Decimal(response.json()["balance"])
