"""Benchmark: settlement of billed remote-mode meters on PostgreSQL, one bus (32 meters) a batch.

A scratch database gets one site with BENCH_BUSES buses (10) of 32 remote-mode meters, each on an
open account with money in its wallet and a time-of-use tariff (four bands, per-band rate
registers, as the demo's plan). Each round writes one reading per meter the way the poller does
(one Core insert, the meter states moved), commits, then settles bus by bus as the worker's
`settle_bus` job does (`settle_meters` on the bus's meters, commit). The first round only sets
the baselines; BENCH_WARMUP rounds (1) follow untimed, then BENCH_ROUNDS (5) are timed. Time is
wall time of the settle call and its commit; statements are counted on the engine. After the run
the ledger is verified and every wallet must have paid for exactly the energy it used.

Environment: DATABASE_URL (a PostgreSQL server, default postgresql://postgres@127.0.0.1:5432/postgres;
a scratch database is created and dropped), BENCH_BUSES, BENCH_ROUNDS, BENCH_WARMUP.
`-v` lists the statements per batch by kind; `--profile` prints the cProfile (CPU time) of the
timed rounds' settle calls (PROFILE_SORT, default tottime; top 40; PROFILE_FILTER, a regex
of the functions to list; PROFILE_OUT, a file to dump it to).
Last line: settle_ms_per_meter=<ms> statements_per_batch=<n> meters=<n>
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, event, insert, select, update

from ops.bench.counter import METERS_PER_BUS
from ops.bench.recharge import DEFAULT_SERVER
from ops.bench.recharge_profile import statement_kind
from ops.scratch import scratch_database
from shared_models.db import make_engine, make_session_factory, upgrade
from shared_models.enums import ControlMode
from shared_models.models import LedgerAccount, MeterState, Reading
from shared_models.models.metering import ReadingQuality

TOU = {  # the demo site's plan: four bands over the day
    "prices": {"sharp": "1.2000", "peak": "0.9000", "flat": "0.6000", "valley": "0.3000"},
    "time_of_use": {"day_plan": [["22:00", "06:00", "valley"], ["06:00", "08:00", "flat"],
                                 ["08:00", "11:00", "peak"], ["11:00", "18:00", "flat"],
                                 ["18:00", "19:00", "sharp"], ["19:00", "22:00", "peak"]]},
}
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the bench site's timezone (the default)
OPENING = Decimal("2000.00")
STEP = timedelta(minutes=15)  # between rounds: one poll interval of the bench site
PER_ROUND = (Decimal("0.05"), Decimal("0.10"), Decimal("0.20"), Decimal("0.05"))  # kWh per band


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def seed(url: str, buses: int, effective: date) -> tuple[int, list[list[int]]]:
    """One site, its buses full of remote-mode meters, each on an open account; the TOU plan as
    the site's default. Returns the site id and each bus's meter ids."""
    from backoffice.auth.accounts import save_operator
    from shared_models import registry
    from shared_models.audit import SYSTEM, set_actor
    from shared_models.enums import Role
    from shared_models.metering.meter_states import state_of
    from shared_models.sales import accounts
    from shared_models.tariffs import store as store

    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as db:
            set_actor(db, SYSTEM)
            site = registry.save_site(db, {"code": "SETTLE", "name": "Settle bench",
                                           "poll_interval_s": int(STEP.total_seconds())})
            gateway = registry.save_gateway(db, {"site_id": site.id, "name": "GW", "host": "127.0.0.1",
                                                 "bus_count": buses})
            opener = save_operator(db, {"username": "opener", "role": Role.ADMIN,
                                        "password": "bench password 1", "all_sites": True})
            plan = store.create_plan(db, site.id, "TOU", "time of use")
            version = store.add_version(db, plan.id, effective, TOU)
            store.publish_version(db, version.id)
            store.set_site_default(db, site.id, plan.id)
            by_bus: list[list[int]] = []
            for b, bus in enumerate(gateway.buses):
                ids = []
                for n in range(METERS_PER_BUS):
                    meter = registry.save_meter(db, {"bus_id": bus.id, "address": n + 1,
                                                     "serial_number": f"S{b:04d}{n:04d}",
                                                     "control_mode": ControlMode.REMOTE})
                    account = accounts.open_account(db, {"site_id": site.id, "tenant_name": f"T{b}-{n}",
                                                         "meter_ids": [meter.id],
                                                         "opening_balance": OPENING,
                                                         "carried_over_from": "bench"},
                                                    operator_id=opener.id)
                    for link in account.links:  # attached before the first reading
                        link.attached_at -= timedelta(days=1)
                    state_of(db, meter.id)  # the row the poller keeps for each meter it reads
                    ids.append(meter.id)
                by_bus.append(ids)
            db.commit()
            return site.id, by_bus
    finally:
        engine.dispose()


_STATE = (update(MeterState.__table__).where(MeterState.__table__.c.meter_id == bindparam("m_id"))
          .values(last_reading_id=bindparam("m_reading"), last_read_at=bindparam("m_at"),
                  online=True, relay_open=False, status_bits=0, balance=Decimal(0), purchase_count=0))


def write_round(sessions, meter_ids: list[int], n: int, at: datetime) -> None:
    """One reading per meter as the poller stores them: one insert, the states moved."""
    registers = [r * n for r in PER_ROUND]
    with sessions() as db:
        rows = [{"meter_id": m, "read_at": at, "meter_clock": at, "total_energy": sum(registers),
                 "energy_sharp": registers[0], "energy_peak": registers[1], "energy_flat": registers[2],
                 "energy_valley": registers[3], "power_w": 400, "balance": Decimal(0), "purchase_count": 0,
                 "status_bits": 0, "quality": ReadingQuality.GOOD} for m in meter_ids]
        returned = db.execute(insert(Reading.__table__).returning(Reading.id, Reading.meter_id), rows)
        db.execute(_STATE, [{"m_id": m, "m_reading": r, "m_at": at} for r, m in returned])
        db.commit()


class Statements:
    """Statements sent on an engine while counting, and how many of each kind (`-v`)."""

    def __init__(self, engine) -> None:
        self.count = 0
        self.kinds: Counter[str] = Counter()
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *_args) -> None:
        self.count += 1
        self.kinds[statement_kind(statement)] += 1


def settle_round(sessions, statements: Statements, by_bus: list[list[int]], now: datetime,
                 profiler: cProfile.Profile | None = None) -> tuple[float, float, list[int]]:
    """Settle each bus as the settle job does; returns the wall and CPU seconds (this process:
    Python and the driver, not the server) and the statements per batch."""
    from metering_worker.jobs.settlement import WORKER
    from shared_models.audit import set_actor
    from shared_models.settlement import settle_meters

    spent, cpu, counts = 0.0, 0.0, []
    for meter_ids in by_bus:
        before = statements.count
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        with sessions() as db:
            set_actor(db, WORKER)
            settle_meters(db, meter_ids, now=now)
            db.commit()
        if profiler:
            profiler.disable()
        spent += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        counts.append(statements.count - before)
    return spent, cpu, counts


def check(sessions, meters: int, rounds: int) -> list[str]:
    """The ledger verifies, and every wallet paid for its energy at the TOU prices."""
    from shared_models.ledger.verify import verify

    problems = []
    with sessions() as db:
        report = verify(db)
        problems += [f"ledger verify: {p.check} {p.subject_id}: {p.detail}" for p in report.problems]
        balances = list(db.scalars(select(LedgerAccount.balance)
                                   .where(LedgerAccount.tenant_account_id.is_not(None))))
    if len(balances) != meters:
        problems.append(f"{len(balances)} wallets for {meters} meters")
    if len(set(balances)) != 1 or balances[0] >= OPENING:
        problems.append(f"wallets differ or were not billed: {sorted(set(balances))[:5]}")
    return problems


def main() -> None:
    server = os.environ.get("DATABASE_URL", DEFAULT_SERVER)
    if not server.startswith("postgresql"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server")
    buses, rounds, warmup = env_int("BENCH_BUSES", 10), env_int("BENCH_ROUNDS", 5), env_int("BENCH_WARMUP", 1)
    meters = buses * METERS_PER_BUS
    profiler = cProfile.Profile(time.process_time) if "--profile" in sys.argv else None  # CPU, not waits
    print(f"{meters} meters on {buses} buses, {rounds} timed rounds after {warmup} warm-up, "
          f"cpus={os.cpu_count()} load_average={os.getloadavg()[0]:.2f}", flush=True)
    with scratch_database(server, "settle") as url:
        upgrade(url)
        # Readings from tomorrow 07:00 (local) on, when the plan (published today) is in force;
        # the rounds cross the flat, peak and sharp bands.
        day = datetime.now(SHANGHAI).date() + timedelta(days=1)
        _site_id, by_bus = seed(url, buses, day)
        all_ids = [m for ids in by_bus for m in ids]
        engine = make_engine(url)
        try:
            sessions = make_session_factory(engine)
            statements = Statements(engine)
            start = datetime(day.year, day.month, day.day, 7, tzinfo=SHANGHAI)
            times, cpu_times, counts = [], [], []
            for n in range(rounds + warmup + 1):
                at = start + STEP * n
                write_round(sessions, all_ids, n, at)
                spent, cpu, per_batch = settle_round(sessions, statements, by_bus, at + timedelta(seconds=30),
                                                     profiler if n > warmup else None)
                label = "baseline" if n == 0 else "warm-up" if n <= warmup else "timed"
                print(f"round {n} ({label}): {spent * 1000 / meters:.2f} ms per meter "
                      f"({cpu * 1000 / meters:.2f} ms CPU in Python), "
                      f"{statistics.median(per_batch):g} statements per batch", flush=True)
                if n == warmup:
                    statements.kinds.clear()
                if n > warmup:
                    times.append(spent)
                    cpu_times.append(cpu)
                    counts += per_batch
            problems = check(sessions, meters, rounds + warmup)
        finally:
            engine.dispose()
    if profiler and os.environ.get("PROFILE_OUT"):
        profiler.dump_stats(os.environ["PROFILE_OUT"])
    if profiler:
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(
            os.environ.get("PROFILE_FILTER", ""), 40)
    if "-v" in sys.argv:
        for kind, times_seen in statements.kinds.most_common():
            print(f"  {times_seen / (rounds * buses):5.1f}  {kind}")
    for problem in problems:
        print(f"  BOOKS: {problem}")
    print(f"load average after the run: {os.getloadavg()[0]:.2f}")
    per_meter = statistics.median(times) * 1000 / meters
    cpu_per_meter = statistics.median(cpu_times) * 1000 / meters
    print(f"median CPU per meter in the settling process: {cpu_per_meter:.2f} ms "
          "(the rest of the wall time is the server's and waiting for a core)")
    print(f"settle_ms_per_meter={per_meter:.2f} statements_per_batch={statistics.median(counts):g} "
          f"meters={meters}", flush=True)
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
