"""Scheduling: due sites are swept once per interval, in shard jobs a real RQ worker runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rq import SimpleWorker
from rq.cron import CronScheduler
from rq.job import Job
from rq.serializers import JSONSerializer

import metering_worker
from metering_worker import config
from metering_worker.jobs.queues import POLLS, QUEUE_NAMES, queue
from metering_worker.polling.pacing import late_after, shard_buses
from metering_worker.polling.schedule import enqueue_due_sweeps, pack, sweep_key
from metering_worker.simulator import SimulatorFleet
from shared_models.models import Bus, MeterState
from shared_models.models.metering import ReadingQuality
from tests.metering_worker.polling_world import readings_of, register_fleet, state_of

CRON_CONFIG = Path(metering_worker.__file__).with_name("cron_config.py")


@pytest.fixture
def fleet(fleet_config):
    fleet = SimulatorFleet(fleet_config(6, per_bus=2, buses_per_gateway=1))
    fleet.start_in_thread()
    yield fleet
    fleet.stop_in_thread()


@pytest.fixture
def worker_env(monkeypatch, private_db, redis_url):
    """The worker's own configuration (as `rq worker` would read it) pointing at the test servers."""
    monkeypatch.setenv("DATABASE_URL", private_db.url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("WATTKEEPER_SHARD_BUSES", "2")
    config.reset()
    yield
    config.reset()


def test_pack_keeps_gateways_whole() -> None:
    assert pack([(1, 2), (2, 2), (3, 1), (4, 4), (5, 1)], 4) == [[1, 2], [3], [4], [5]]
    assert pack([(1, 6)], 4) == [[1]]  # a gateway bigger than a shard gets a job of its own


def test_each_site_is_swept_once_per_interval(sessions, redis_client, fleet) -> None:
    minute = register_fleet(sessions, fleet, poll_interval_s=60)
    half_hour = register_fleet(sessions, fleet, poll_interval_s=1800)
    polls = queue(POLLS, redis_client)
    t0 = datetime(2026, 11, 20, 8, 0, 3, tzinfo=UTC)

    def tick(seconds):
        with sessions() as db:
            later = t0 + timedelta(seconds=seconds)
            return enqueue_due_sweeps(db, redis_client, polls, max_buses=2, now=later)

    first = tick(0)
    sweep0 = int(t0.timestamp())
    sites = (minute.site_id, half_hour.site_id)
    # 3 one-bus gateways in jobs of at most 2 buses: 2 shards per site
    assert sorted(first) == sorted(f"poll-{site}-{sweep0}-{shard}" for site in sites for shard in (0, 1))
    assert tick(20) == []
    assert tick(58) == [f"poll-{minute.site_id}-{sweep0 + 58}-{s}" for s in (0, 1)]  # cron jitter
    assert tick(119) == [f"poll-{minute.site_id}-{sweep0 + 119}-{s}" for s in (0, 1)]
    assert [j for j in tick(1800) if f"-{half_hour.site_id}-" in j] == [
        f"poll-{half_hour.site_id}-{sweep0 + 1800}-{s}" for s in (0, 1)]
    job = Job.fetch(first[0], connection=redis_client, serializer=JSONSerializer)
    assert job.func_name == "metering_worker.jobs.polls.sweep_shard"
    assert job.args[0] in (minute.site_id, half_hour.site_id) and job.args[2] == str(sweep0)


def test_cron_tick_and_shards_run_on_a_json_worker(sessions, redis_client, fleet, worker_env) -> None:
    site = register_fleet(sessions, fleet, poll_interval_s=60)
    fleet.advance(120)  # some consumption; the meter clocks stay within the 300 s skew
    scheduler = CronScheduler(connection=redis_client)
    scheduler.load_config_from_file(str(CRON_CONFIG))
    [tick] = [j for j in scheduler.get_jobs() if j.func_name.endswith("schedule_sweeps")]
    assert tick.cron == "* * * * *"

    tick.enqueue(redis_client)  # what `rq cron` does every minute
    queues = [queue(name, redis_client) for name in QUEUE_NAMES]
    worker = SimpleWorker(queues, connection=redis_client, serializer=JSONSerializer)
    assert worker.work(burst=True)

    assert queue(POLLS, redis_client).failed_job_registry.count == 0
    for (port, address), meter_id in site.meter_ids.items():
        [reading] = readings_of(sessions, meter_id)
        assert reading.total_energy == fleet.meter(port, address).energy_total()
        assert reading.quality == ReadingQuality.GOOD
        assert state_of(sessions, meter_id).last_reading_id == reading.id


def test_a_shard_holds_what_one_loop_polls_in_half_the_interval() -> None:
    # 192 buses at once, a 5 s pass each: 6 rounds in 30 s of a 60 s interval
    assert shard_buses(60, 192) == 1152
    assert shard_buses(600, 192) == 192 * 60
    assert shard_buses(1800, 192) == 192 * 60  # sized as for 600 s: the job times out at 600 s
    assert shard_buses(60, 10) == 60
    assert shard_buses(5, 192) == 192  # an interval shorter than a pass: one round


def test_a_timeout_counts_as_our_lateness_only_well_past_its_time() -> None:
    assert late_after(0.4) == pytest.approx(0.5)
    assert late_after(0.1) == pytest.approx(0.15)  # at least 50 ms of slack


def test_the_shard_swept_longest_ago_is_enqueued_first(sessions, redis_client, fleet) -> None:
    site = register_fleet(sessions, fleet, poll_interval_s=60)
    t0 = datetime(2026, 11, 29, 8, 0, 0, tzinfo=UTC)
    gateways = sorted(site.gateway_ids.values())  # one bus each, packed one per shard
    # gateway 1 swept 10 s ago (one meter never answered in time to be judged), gateway 2
    # 100 s ago, gateway 3 never
    tried = {gateways[0]: [10, None], gateways[1]: [100, 160], gateways[2]: [None, None]}
    with sessions() as db:
        for port, bus_id in site.bus_ids.items():
            ages = tried[db.get(Bus, bus_id).gateway_id]
            for address, age in zip((1, 2), ages, strict=True):
                db.add(MeterState(meter_id=site.meter_ids[(port, address)], consecutive_failures=0,
                                  online=True, status_bits=0, command_sequence=0,
                                  last_attempt_at=None if age is None else t0 - timedelta(seconds=age)))
        db.commit()
        enqueued = enqueue_due_sweeps(db, redis_client, queue(POLLS, redis_client), max_buses=1, now=t0)
    sweep = int(t0.timestamp())
    ours = [job for job in enqueued if job.startswith(f"poll-{site.site_id}-")]
    assert ours == [f"poll-{site.site_id}-{sweep}-{shard}" for shard in (2, 1, 0)]


def test_without_a_set_size_shards_are_sized_by_the_loop(sessions, redis_client, fleet) -> None:
    site = register_fleet(sessions, fleet, poll_interval_s=60)
    polls = queue(POLLS, redis_client)

    def shards(at: datetime, **size) -> int:
        with sessions() as db:
            jobs = enqueue_due_sweeps(db, redis_client, polls, now=at, **size)
        redis_client.delete(sweep_key(site.site_id))  # due again at once
        return sum(job.startswith(f"poll-{site.site_id}-") for job in jobs)

    t0 = datetime(2026, 11, 29, 9, 0, 0, tzinfo=UTC)
    assert shards(t0, buses_at_once=1) == 1  # one bus at a time, 6 passes in 30 s: the 3 buses fit
    assert shards(t0 + timedelta(seconds=1), max_buses=1) == 3
