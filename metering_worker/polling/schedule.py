"""Which sites are due for a sweep, and how a site's gateways are cut into sweep jobs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from redis import Redis
from rq import Queue
from rq.exceptions import DuplicateJobError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared_models.models import Bus, Gateway, Meter, MeterState, Site

from .pacing import BUSES_AT_ONCE, shard_buses

# The cron tick fires every minute give or take a second or two: a sweep counts as due a
# little early so a 60 s site is swept on every tick rather than every other one.
SLACK_S = 5
SHARD_JOB = "metering_worker.jobs.polls.sweep_shard"
SHARD_TIMEOUT_S = 600  # pacing.LONGEST_SIZED_S sizes shards to end well inside it


_CLAIM = """
local last = redis.call('get', KEYS[1])
if last and tonumber(ARGV[1]) - tonumber(last) < tonumber(ARGV[2]) then
  return 0
end
redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
"""


def sweep_key(site_id: int) -> str:
    return f"wk:site:{site_id}:last_sweep"


def claim_sweep(redis: Redis, site_id: int, interval_s: int, now: datetime) -> str | None:
    """Start a sweep unless the last one started less than an interval ago; returns its id.

    The key holds the last sweep's start (Unix seconds), which is also the sweep's id; the
    check and the update are one script, so two cron processes never both start a sweep.
    """
    started = int(now.timestamp())
    keep_s = 7 * 86_400  # forgetting it only costs one early sweep
    claimed = redis.eval(_CLAIM, 1, sweep_key(site_id), started, max(interval_s - SLACK_S, 1), keep_s)
    return str(started) if claimed else None


def last_sweep(redis: Redis, site_id: int) -> str | None:
    value = redis.get(sweep_key(site_id))
    return value.decode() if isinstance(value, bytes) else value


def sites(db: Session) -> list[tuple[int, int]]:
    """(site id, poll interval) of every site with meters; the interval is at least 60 s."""
    rows = db.execute(select(Site.id, Site.poll_interval_s)
                      .where(select(Meter.id).where(Meter.site_id == Site.id).exists())
                      .order_by(Site.id))
    return [(site_id, max(int(interval or 1800), 60)) for site_id, interval in rows]


def shard_gateways(db: Session, site_id: int, max_buses: int) -> list[list[int]]:
    """The site's gateways with meters, packed in order into jobs of at most max_buses buses.

    A gateway is never split: whether it is lost is judged from all of its buses at once.
    """
    rows = db.execute(select(Gateway.id, func.count(func.distinct(Bus.id)))
                      .join(Bus, Bus.gateway_id == Gateway.id)
                      .join(Meter, Meter.bus_id == Bus.id)
                      .where(Gateway.site_id == site_id)
                      .group_by(Gateway.id).order_by(Gateway.id)).all()
    return pack([(gateway_id, count) for gateway_id, count in rows], max_buses)


def stalest_first(db: Session, site_id: int, shards: list[list[int]]) -> list[int]:
    """Shard indexes, the one swept longest ago (or never) first.

    When the workers cannot finish a sweep within the interval, the shards they did not reach
    expire in the queue; started in the same order every time, the same tail would never be
    polled. Stalest first, they take turns instead. A gateway was last swept when one of its
    meters was last tried (read or failed); a shard, when its least recently swept gateway was.
    """
    swept = dict(db.execute(select(Bus.gateway_id, func.max(MeterState.last_attempt_at))
                            .join(Meter, Meter.bus_id == Bus.id)
                            .join(MeterState, MeterState.meter_id == Meter.id)
                            .join(Gateway, Gateway.id == Bus.gateway_id)
                            .where(Gateway.site_id == site_id)
                            .group_by(Bus.gateway_id)).all())
    return sorted(range(len(shards)), key=lambda index: min(_seconds(swept.get(g)) for g in shards[index]))


def _seconds(at: datetime | None) -> float:
    """Unix seconds (never: minus infinity); SQLite hands timestamps back naive, PostgreSQL aware."""
    if at is None:
        return -float("inf")
    return at.replace(tzinfo=UTC).timestamp() if at.tzinfo is None else at.timestamp()


def pack(gateways: Sequence[tuple[int, int]], max_buses: int) -> list[list[int]]:
    shards: list[list[int]] = []
    load = 0
    for gateway_id, buses in gateways:
        if not shards or load + buses > max_buses:
            shards.append([])
            load = 0
        shards[-1].append(gateway_id)
        load += buses
    return shards


def enqueue_due_sweeps(db: Session, redis: Redis, polls: Queue, *, max_buses: int | None = None,
                       buses_at_once: int = BUSES_AT_ONCE, now: datetime) -> list[str]:
    """Claim each due site's sweep and enqueue its shards; returns the ids of the jobs enqueued.

    A shard holds max_buses buses, or (None) what one job polling `buses_at_once` buses at a time
    gets through in part of the site's interval (`pacing.shard_buses`). Job ids name the site,
    the sweep and the shard, so a tick that runs twice never enqueues a shard twice; a shard
    still waiting after one interval is dropped (the next sweep covers it, stalest shard first).
    """
    enqueued = []
    for site_id, interval in sites(db):
        sweep_id = claim_sweep(redis, site_id, interval, now)
        if sweep_id is None:
            continue
        shards = shard_gateways(db, site_id, max_buses or shard_buses(interval, buses_at_once))
        for index in stalest_first(db, site_id, shards):
            gateway_ids = shards[index]
            job_id = f"poll-{site_id}-{sweep_id}-{index}"
            try:
                polls.enqueue(SHARD_JOB, site_id, gateway_ids, sweep_id, job_id=job_id, unique=True,
                              job_timeout=SHARD_TIMEOUT_S, ttl=interval, result_ttl=600,
                              description=f"sweep site {site_id} shard {index}")
            except DuplicateJobError:
                continue
            enqueued.append(job_id)
    return enqueued
