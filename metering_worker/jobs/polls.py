"""Polling jobs: the per-minute scheduler tick and one sweep shard."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Sequence

from metering_worker import config
from metering_worker.polling.pacing import BUSES_AT_ONCE, LoopLag
from metering_worker.polling.plan import load_plan
from metering_worker.polling.schedule import enqueue_due_sweeps
from metering_worker.polling.sweep import SweepContext, sweep
from shared_models.types import utcnow

from .queues import POLLS, queue

log = logging.getLogger(__name__)


def schedule_sweeps() -> list[str]:
    """Cron, every minute: start a sweep of each site whose poll interval has run out."""
    redis = config.redis()
    with config.session_factory()() as db:
        settings = config.settings()
        enqueued = enqueue_due_sweeps(db, redis, queue(POLLS, redis), max_buses=settings.shard_buses or None,
                                      buses_at_once=_buses_at_once(), now=utcnow())
    if enqueued:
        log.info("enqueued sweep shards %s", enqueued)
    return enqueued


def _buses_at_once() -> int:
    return config.settings().poll_buses_at_once or BUSES_AT_ONCE


def sweep_shard(site_id: int, gateway_ids: Sequence[int], sweep_id: str) -> dict[str, float]:
    """Poll the given gateways of a site once; returns counts for the job result."""
    begun, cpu_begun = time.time(), time.process_time()
    factory = config.session_factory()
    with factory() as db:
        plan = load_plan(db, site_id, gateway_ids)
        db.commit()  # meter_states rows created for new meters
    planned = time.time()
    settings = config.settings()
    ctx = SweepContext(redis=config.redis(), session_factory=factory, owner=f"sweep:{site_id}:{sweep_id}",
                       clock_skew_s=settings.clock_skew_s, buses_at_once=_buses_at_once())
    lag = LoopLag()
    outcomes = asyncio.run(sweep(ctx, plan, lag)).values()
    summary = {
        "buses": len(plan.buses),
        "skipped_buses": sum(o.skipped for o in outcomes),
        "attempted": sum(o.attempted for o in outcomes),
        "backing_off": sum(len(b.meters) for b in plan.buses) - sum(o.attempted + o.late for o in outcomes),
        "good": sum(o.good for o in outcomes),
        "late": sum(o.late for o in outcomes),  # failed by our loop's lateness: not held against meters
        "retried": sum(o.retried for o in outcomes),
        "reconnects": sum(o.reconnects for o in outcomes),
        "failed": dict(sum((o.failed for o in outcomes), Counter())),
        "commands": sum(o.commands for o in outcomes),
        "last_stored_at": max((o.stored_at for o in outcomes), default=0.0),
        # Where the time went: a sweep slower than its interval starves the next one.
        "started_at": begun,
        "plan_s": round(planned - begun, 2),
        "sweep_s": round(time.time() - planned, 2),
        # CPU of this process (loop and store threads) over the job: the per-read cost of polling.
        "cpu_s": round(time.process_time() - cpu_begun, 3),
        "mean_loop_lag_s": round(lag.mean_s, 3),
        "max_loop_lag_s": round(lag.max_s, 3),
        **_worst(outcomes, "wait_s", "connect_s", "read_s", "store_s", "store_wait_s"),
    }
    log.info("site %s sweep %s: %s", site_id, sweep_id, summary)
    return summary


def _worst(outcomes, *names: str) -> dict[str, float]:
    """Mean and maximum over the buses of each timing."""
    outcomes = list(outcomes)
    figures = {}
    for name in names:
        values = [getattr(o, name) for o in outcomes] or [0.0]
        figures[f"mean_{name}"] = round(sum(values) / len(values), 3)
        figures[f"max_{name}"] = round(max(values), 3)
    return figures
