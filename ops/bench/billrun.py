"""Benchmark: a postpaid bill run against one aggregate scan of the same readings, on PostgreSQL.

A scratch database gets one site with BENCH_ACCOUNTS (10,000) postpaid accounts, one remote-mode
meter each, read every 30 minutes for the month before the latest cut-off (1 of the month),
0.25 kWh a reading at the site's flat 0.6000, every reading settled: the consumption is written
to each account's unbilled ledger account the way settlement books it (one transaction per
reading, its key `consume:<meter>:<reading>`), in set-based SQL, so the seed takes minutes, not
the hours settling them one by one would. Then, in the same run:
- scan: one aggregate query over the period's readings (count, min and max per meter);
- bill run: `bills run` for the cut-off (`runs.bill_run`, chunks of BENCH_CHUNK bills).
Every bill is checked against what was booked (372.00 kWh, 223.20 yuan for a 31-day month).

Environment: DATABASE_URL (a PostgreSQL server, default postgresql://postgres@127.0.0.1:5432/postgres;
a scratch database is created and dropped), BENCH_ACCOUNTS, BENCH_CHUNK (100). `--profile` prints
the bill run's cProfile (cumulative, top 35).
Last line: billrun_vs_scan=<ratio> bills=<n> billrun_s=<s> scan_s=<s>
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from ops.bench.recharge import DEFAULT_SERVER
from ops.scratch import scratch_database
from shared_models.db import make_engine, make_session_factory
from shared_models.models.billing import Bill, BillState

SHANGHAI = ZoneInfo("Asia/Shanghai")
PER_READING = Decimal("0.25")
PRICE = Decimal("0.6000")
METERS_PER_BUS = 32


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _cutoff(today: date) -> date:
    return today.replace(day=1)


def seed(url: str, accounts: int, start: datetime, end: datetime) -> int:
    """The site, its postpaid accounts and meters, a month of readings, the unbilled bookings."""
    from shared_models import registry
    from shared_models.audit import SYSTEM, set_actor

    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as db:
            set_actor(db, SYSTEM)
            site = registry.save_site(db, {"code": "BILLRUN", "name": "Bill run bench",
                                           "default_price": PRICE})
            buses = -(-accounts // METERS_PER_BUS)
            registry.save_gateway(db, {"site_id": site.id, "name": "GW", "host": "127.0.0.1",
                                       "bus_count": min(buses, 8)})
            db.commit()
            site_id = site.id
        steps = int((end - start) / timedelta(minutes=30))
        with engine.begin() as conn:
            params = {"site": site_id, "n": accounts, "per_bus": METERS_PER_BUS, "start": start,
                      "steps": steps, "kwh": PER_READING, "cost": PER_READING * PRICE,
                      "attached": start - timedelta(days=40)}
            for statement in _SEED:
                conn.execute(text(statement), params)
        return site_id
    finally:
        engine.dispose()


# Set-based seed, in order. Buses beyond the gateway's first ones are added here (a gateway's
# bus count is small); meters, accounts, links and the meters' states are one row per account.
_SEED = [
    """INSERT INTO buses (gateway_id, number, port)
       SELECT g.id, b, g.port FROM gateways g,
              generate_series((SELECT count(*) FROM buses WHERE gateway_id = g.id) + 1,
                              (CAST(:n AS integer) + :per_bus - 1) / :per_bus) AS b
       WHERE g.site_id = :site""",
    """INSERT INTO meters (site_id, bus_id, address, serial_number, model, phases, ct_ratio,
                           control_mode, status, key_version, created_at)
       SELECT :site, bus.id, ((k - 1) % :per_bus) + 1, 'BR' || lpad(CAST(k AS text), 8, '0'), 'WK-PM1',
              1, 1, 'remote', 'opened', 1, now()
       FROM generate_series(1, CAST(:n AS integer)) AS k
       JOIN (SELECT id, row_number() OVER (ORDER BY id) AS pos FROM buses
             WHERE gateway_id IN (SELECT id FROM gateways WHERE site_id = :site)) AS bus
         ON bus.pos = (k - 1) / :per_bus + 1""",
    """INSERT INTO tenant_accounts (site_id, number, tenant_name, phone, status, alarm1_threshold,
                                    alarm2_threshold, arrears_rule, sms_muted, billing_mode, opened_at)
       SELECT :site, 'BILLRUN-' || substr(serial_number, 3), 'T' || id, '', 'open', 20, 5, 'trip', '',
              'postpaid', :attached FROM meters WHERE site_id = :site""",
    """INSERT INTO account_meters (account_id, meter_id, attached_at)
       SELECT a.id, m.id, :attached FROM meters m
       JOIN tenant_accounts a ON a.site_id = :site AND a.number = 'BILLRUN-' || substr(m.serial_number, 3)
       WHERE m.site_id = :site""",
    """INSERT INTO ledger_accounts (site_id, kind, code, tenant_account_id, balance, created_at)
       SELECT :site, 'wallet', 'wallet:' || number, id, 0, now() FROM tenant_accounts WHERE site_id = :site
       UNION ALL
       SELECT :site, 'unbilled', 'unbilled:' || number, NULL, NULL, now() FROM tenant_accounts
       WHERE site_id = :site
       UNION ALL SELECT :site, 'energy_revenue', 'energy_revenue', NULL, NULL, now()""",
    """INSERT INTO readings (meter_id, read_at, total_energy, energy_sharp, energy_peak, energy_flat,
                             energy_valley, power_w, balance, purchase_count, status_bits, quality)
       SELECT m.id, :start + s * interval '30 minutes', 100 + s * :kwh, 0, 0, 100 + s * :kwh, 0, 500,
              0, 0, 0, 'good'
       FROM meters m CROSS JOIN generate_series(0, :steps) AS s WHERE m.site_id = :site
       ORDER BY m.id, s""",
    """INSERT INTO meter_states (meter_id, last_reading_id, last_read_at, consecutive_failures, online,
                                 status_bits, command_sequence, settled_reading_id, cost_carry,
                                 carry_account_id, billed_until, updated_at)
       SELECT r.meter_id, max(r.id), max(r.read_at), 0, true, 0, 0, max(r.id), 0, NULL, max(r.read_at),
              now()
       FROM readings r JOIN meters m ON m.id = r.meter_id WHERE m.site_id = :site GROUP BY r.meter_id""",
    # Settlement's bookings: one consumption per reading after each meter's first.
    """INSERT INTO ledger_transactions (site_id, kind, reason, external_key, created_at)
       SELECT :site, 'consumption', 'bench', 'consume:' || r.meter_id || ':' || r.id, now()
       FROM readings r JOIN meters m ON m.id = r.meter_id
       WHERE m.site_id = :site AND r.read_at > :start""",
    """INSERT INTO ledger_postings (transaction_id, account_id, amount)
       SELECT t.id, x.account_id, x.amount FROM ledger_transactions t
       JOIN meters m ON m.id = CAST(split_part(t.external_key, ':', 2) AS integer)
       JOIN tenant_accounts a ON a.number = 'BILLRUN-' || substr(m.serial_number, 3) AND a.site_id = :site
       JOIN ledger_accounts u ON u.site_id = :site AND u.code = 'unbilled:' || a.number
       CROSS JOIN LATERAL (VALUES (u.id, -CAST(:cost AS numeric)),
                                  ((SELECT id FROM ledger_accounts WHERE site_id = :site
                                      AND code = 'energy_revenue'), CAST(:cost AS numeric)))
                  AS x(account_id, amount)
       WHERE t.site_id = :site AND t.kind = 'consumption'""",
    "ANALYZE",
]

_SCAN = text("""
SELECT count(*), sum(last - first) FROM (
  SELECT r.meter_id, min(r.total_energy) AS first, max(r.total_energy) AS last
  FROM readings r JOIN meters m ON m.id = r.meter_id
  WHERE m.site_id = :site AND r.read_at >= :start AND r.read_at <= :end
  GROUP BY r.meter_id) AS per_meter
""")


def main() -> int:
    from shared_models.billing.periods import period_ending
    from shared_models.billing.runs import bill_run

    accounts, chunk = env_int("BENCH_ACCOUNTS", 10_000), env_int("BENCH_CHUNK", 100)
    cutoff = _cutoff(datetime.now(SHANGHAI).date())
    period = period_ending(cutoff, 1, "Asia/Shanghai")
    with scratch_database(os.environ.get("DATABASE_URL", DEFAULT_SERVER), "billrun", "head") as url:
        began = time.perf_counter()
        site_id = seed(url, accounts, period.start, period.end)
        print(f"seeded {accounts} accounts in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        try:
            with engine.connect() as conn:
                began = time.perf_counter()
                meters, energy = conn.execute(_SCAN, {"site": site_id, "start": period.start,
                                                      "end": period.end}).one()
                scan_s = time.perf_counter() - began
            profiler = cProfile.Profile() if "--profile" in sys.argv else None
            began = time.perf_counter()
            if profiler:
                profiler.enable()
            bill_run(sessions, site_id, cutoff, chunk=chunk)
            billrun_s = time.perf_counter() - began
            if profiler:
                profiler.disable()
                pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
            with sessions() as db:
                bills = db.scalar(select(func.count()).select_from(Bill).where(Bill.site_id == site_id))
                wrong = db.scalar(select(func.count()).select_from(Bill).where(
                    Bill.site_id == site_id, (Bill.state != BillState.CALCULATED)
                    | (Bill.energy_amount != Bill.energy_kwh * PRICE)))
        finally:
            engine.dispose()
    if bills != accounts or wrong or meters != accounts:
        print(f"FAILED: {bills} bills, {wrong} wrong, {meters} meters scanned ({energy} kWh)",
              file=sys.stderr)
        return 1
    print(f"billrun_vs_scan={billrun_s / scan_s:.2f} bills={bills} billrun_s={billrun_s:.2f} "
          f"scan_s={scan_s:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
