"""Benchmark: in steady state every meter holds a reading younger than 180 s.

The whole pipeline runs as in production: the simulator fleet in its own processes, `rq cron`
with metering_worker/cron_config.py starting a sweep every minute (the site polls every 60 s),
and BENCH_WORKERS `rq worker` processes running the shards, on a scratch PostgreSQL database.
After BENCH_WARMUP_S the age of the oldest reading is sampled every 5 s for BENCH_MEASURE_S.
Each bus's commit enqueues a settle job on the default queue, run by the same workers after the
poll shards (queue order commands, polls, default): each sample also prints how many settle jobs
wait, and the last lines how many meters' cursors are behind their newest reading.

Over the measured window it also counts the meters read (readings stored) and the CPU each kind
of process spent per reading: the sweep jobs (their own `cpu_s`: exchange, decode, store), the
worker processes whole (sweeps and settle jobs) and the simulator processes (the other side of
every exchange); and the reads the loop was too late to judge (`late`). Each sample also counts
the meters read within the last 180 s ("fresh"); the fewest in any sample is printed at the end.

Environment: BENCH_METERS (100000), BENCH_WORKERS (2), BENCH_SIM_PROCS (2), BENCH_WARMUP_S (150),
BENCH_MEASURE_S (240), BENCH_BASE_PORT (21000), BENCH_SHARD_BUSES and BENCH_BUSES_AT_ONCE (unset:
the worker's defaults, polling.pacing), DATABASE_URL, REDIS_URL (as ops.bench.sweep).
Last line: max_age_s=<s> meters=<n>
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
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
from shared_models.models import Meter, MeterState, Reading

TARGET_S = 180


def oldest_age(engine, now: float) -> tuple[float, int, int]:
    """Seconds since the stalest meter was read (inf if one never was), meters ever read, and
    meters read within the last TARGET_S."""
    since = datetime.fromtimestamp(now - TARGET_S, UTC)
    with engine.connect() as conn:
        meters = conn.scalar(select(func.count(Meter.id)))
        read, oldest, fresh = conn.execute(select(
            func.count(MeterState.last_read_at), func.min(MeterState.last_read_at),
            func.count().filter(MeterState.last_read_at >= since))).one()
    if read < meters or oldest is None:
        return float("inf"), read, fresh
    return now - oldest.timestamp(), read, fresh


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU the processes have used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def readings_since(engine, at: float) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count(Reading.id)).where(
            Reading.read_at >= datetime.fromtimestamp(at, UTC)))


def report_shards(redis: Redis, seen: set[str], results: list[dict]) -> None:
    """Print the timing summary of each poll job that finished since the last call."""
    registry = FinishedJobRegistry(POLLS, connection=redis, serializer=JSONSerializer)
    new = [job_id for job_id in registry.get_job_ids() if job_id not in seen]
    for job in Job.fetch_many(new, connection=redis, serializer=JSONSerializer):
        if job is None:
            continue
        seen.add(job.id)
        result = job.return_value()
        if isinstance(result, dict) and "started_at" in result:
            results.append(dict(result))
            result["queued_s"] = round(result.pop("started_at") - job.enqueued_at.timestamp(), 1)
        print(f"  {job.id}: {result}", flush=True)


def main() -> None:
    # TERM (or INT in a background job, where it is ignored) must still stop the fleet, the
    # workers and drop the scratch database: unwind as an exit does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
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
        simulators = [proc.pid for proc in children.procs]
        log = stack.enter_context(open(Path(directory) / "workers.log", "w"))  # noqa: SIM115
        # Shard size and buses at once are the worker's own (sized by polling.pacing) unless
        # set; the workers and the cron tick read them from the environment.
        for knob, setting in (("BENCH_SHARD_BUSES", "WATTKEEPER_SHARD_BUSES"),
                              ("BENCH_BUSES_AT_ONCE", "WATTKEEPER_POLL_BUSES_AT_ONCE")):
            if os.environ.get(knob):
                os.environ[setting] = os.environ[knob]
        env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis_address, "PYTHONPATH": str(ROOT)}
        start_workers(workers, database, redis_address, children, log)
        worker_pids = [proc.pid for proc in children.procs if proc.pid not in simulators]
        children.start([sys.executable, "-m", "rq.cli", "cron", "--url", redis_address,
                        str(ROOT / "metering_worker" / "cron_config.py")], env=env, stdout=log, stderr=log)
        engine = create_engine(database)
        stack.callback(engine.dispose)
        print(f"load average at the start {os.getloadavg()}", flush=True)
        started = time.time()
        worst, samples, least_fresh = 0.0, 0, meters
        shards: set[str] = set()
        jobs: list[dict] = []
        window: tuple[float, float, float] | None = None  # when, worker CPU, simulator CPU
        while (elapsed := time.time() - started) < warmup + measure:
            if window is None and elapsed >= warmup:
                window = (time.time(), cpu_seconds(worker_pids), cpu_seconds(simulators))
            age, read, fresh = oldest_age(engine, time.time())
            if elapsed >= warmup:
                worst, samples, least_fresh = max(worst, age), samples + 1, min(least_fresh, fresh)
            print(f"t={elapsed:5.0f}s meters read {read}, fresh {fresh}, oldest reading {age:.1f} s, "
                  f"settle jobs waiting {settle_queue.count}, load {os.getloadavg()[0]:.1f}", flush=True)
            report_shards(redis, shards, jobs)
            time.sleep(5)
        report_shards(redis, shards, jobs)
        ended, worker_cpu, sim_cpu = time.time(), cpu_seconds(worker_pids), cpu_seconds(simulators)
        print(f"load average at the end {os.getloadavg()}", flush=True)
        with engine.connect() as conn:
            behind = conn.scalar(select(func.count()).where(
                MeterState.last_reading_id > func.coalesce(MeterState.settled_reading_id, 0)))
        if window is not None:
            report_window(engine, window, (ended, worker_cpu, sim_cpu), jobs)
    print(f"{samples} samples over {measure} s after {warmup} s of warm-up; at the end {behind} meters "
          f"had readings not yet settled; fewest meters read within {TARGET_S} s in a sample: {least_fresh}")
    print(f"max_age_s={worst:.1f} meters={meters}")


def report_window(engine, begun: tuple[float, float, float], ended: tuple[float, float, float],
                  jobs: list[dict]) -> None:
    """Meters read and CPU per reading over the measured window."""
    seconds = ended[0] - begun[0]
    reads = readings_since(engine, begun[0])
    inside = [j for j in jobs if j["started_at"] >= begun[0]]
    good, late = sum(j["good"] for j in inside), sum(j["late"] for j in inside)
    attempted, cpu = sum(j["attempted"] for j in inside), sum(j["cpu_s"] for j in inside)
    per_read = 1e6 / max(reads, 1)
    print(f"window {seconds:.0f} s: {reads} meters read ({reads / seconds:.0f}/s); worker processes "
          f"{(ended[1] - begun[1]) * per_read:.0f} us CPU per read (sweeps and settlement), simulators "
          f"{(ended[2] - begun[2]) * per_read:.0f} us", flush=True)
    if inside:
        print(f"sweep jobs started in the window: {len(inside)}, {good} good of {attempted} attempted, "
              f"{late} late; {1e6 * cpu / max(good, 1):.0f} us of sweep-job CPU per good read "
              f"(exchange, decode, store)", flush=True)


if __name__ == "__main__":
    main()
