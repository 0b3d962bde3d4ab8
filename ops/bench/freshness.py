"""Benchmark: in steady state every meter holds a reading younger than 180 s.

The whole pipeline runs as in production: the simulator fleet in its own processes, `rq cron`
with metering_worker/cron_config.py starting a sweep every minute (the site polls every 60 s),
and BENCH_WORKERS `rq worker` processes running the shards, on a scratch PostgreSQL database.
After BENCH_WARMUP_S the age of the oldest reading is sampled every 5 s for BENCH_MEASURE_S.
Each bus's commit enqueues a settle job on the default queue, run by the same workers after the
poll shards (queue order commands, polls, default): each sample also prints how many settle jobs
wait, and the last lines how many meters' cursors are behind their newest reading.

Environment: BENCH_METERS (100000), BENCH_WORKERS (2), BENCH_SIM_PROCS (2), BENCH_WARMUP_S (150),
BENCH_MEASURE_S (240), BENCH_BASE_PORT (21000), DATABASE_URL, REDIS_URL (as ops.bench.sweep).
Last line: max_age_s=<s> meters=<n>
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from redis import Redis
from rq.job import Job
from rq.registry import FinishedJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import create_engine, func, select

from metering_worker.jobs.queues import DEFAULT, POLLS, queue
from ops.bench.recharge import DEFAULT_SERVER, redis_url
from ops.bench.sweep import (
    ROOT,
    Children,
    bench_fleet,
    env_int,
    insert_registry,
    start_simulators,
    start_workers,
)
from ops.scratch import scratch_database
from shared_models.db import upgrade
from shared_models.models import Meter, MeterState


def oldest_age(engine, now: float) -> tuple[float, int]:
    """Seconds since the stalest meter was read (inf if one never was), and meters read."""
    with engine.connect() as conn:
        meters = conn.scalar(select(func.count(Meter.id)))
        read, oldest = conn.execute(select(func.count(MeterState.last_read_at),
                                           func.min(MeterState.last_read_at))).one()
    if read < meters or oldest is None:
        return float("inf"), read
    return now - oldest.timestamp(), read


def report_shards(redis: Redis, seen: set[str]) -> None:
    """Print the timing summary of each poll job that finished since the last call."""
    registry = FinishedJobRegistry(POLLS, connection=redis, serializer=JSONSerializer)
    new = [job_id for job_id in registry.get_job_ids() if job_id not in seen]
    for job in Job.fetch_many(new, connection=redis, serializer=JSONSerializer):
        if job is None:
            continue
        seen.add(job.id)
        result = job.return_value()
        if isinstance(result, dict) and "started_at" in result:
            result["queued_s"] = round(result.pop("started_at") - job.enqueued_at.timestamp(), 1)
        print(f"  {job.id}: {result}", flush=True)


def main() -> None:
    meters = env_int("BENCH_METERS", 100_000)
    workers = env_int("BENCH_WORKERS", 2)
    warmup, measure = env_int("BENCH_WARMUP_S", 150), env_int("BENCH_MEASURE_S", 240)
    config = bench_fleet(meters, env_int("BENCH_BASE_PORT", 21_000))
    print(f"{meters} meters on {sum(1 for _ in config.buses())} buses, {workers} workers", flush=True)
    with ExitStack() as stack, tempfile.TemporaryDirectory() as directory:
        children = Children()
        stack.callback(children.stop)
        database = stack.enter_context(scratch_database(os.environ.get("DATABASE_URL", DEFAULT_SERVER),
                                                        "fresh"))
        redis_address = stack.enter_context(redis_url())
        redis = Redis.from_url(redis_address)
        redis.flushdb()
        settle_queue = queue(DEFAULT, redis)
        upgrade(database)
        insert_registry(database, config, poll_interval_s=60)
        start_simulators(config, env_int("BENCH_SIM_PROCS", 2), children, Path(directory))
        log = stack.enter_context(open(Path(directory) / "workers.log", "w"))  # noqa: SIM115
        # One shard per worker, in whole gateways; the workers read it from the environment.
        per_gateway = max(len(g.buses) for g in config.gateways)
        os.environ["WATTKEEPER_SHARD_BUSES"] = str(-(-len(config.gateways) // workers) * per_gateway)
        env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis_address, "PYTHONPATH": str(ROOT)}
        start_workers(workers, database, redis_address, children, log)
        children.start([sys.executable, "-m", "rq.cli", "cron", "--url", redis_address,
                        str(ROOT / "metering_worker" / "cron_config.py")], env=env, stdout=log, stderr=log)
        engine = create_engine(database)
        stack.callback(engine.dispose)
        started = time.time()
        worst, samples = 0.0, 0
        shards: set[str] = set()
        while (elapsed := time.time() - started) < warmup + measure:
            age, read = oldest_age(engine, time.time())
            if elapsed >= warmup:
                worst, samples = max(worst, age), samples + 1
            print(f"t={elapsed:5.0f}s meters read {read}, oldest reading {age:.1f} s, "
                  f"settle jobs waiting {settle_queue.count}, load {os.getloadavg()[0]:.1f}", flush=True)
            report_shards(redis, shards)
            time.sleep(5)
        with engine.connect() as conn:
            behind = conn.scalar(select(func.count()).where(
                MeterState.last_reading_id > func.coalesce(MeterState.settled_reading_id, 0)))
    print(f"{samples} samples over {measure} s after {warmup} s of warm-up; at the end {behind} meters "
          f"had readings not yet settled")
    print(f"max_age_s={worst:.1f} meters={meters}")


if __name__ == "__main__":
    main()
