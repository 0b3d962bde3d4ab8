"""Settlement after a sweep: a job per bus on the default queue, off the bus, deduplicated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import SimpleWorker
from rq.serializers import JSONSerializer
from sqlalchemy import select

from metering_worker import config, transport
from metering_worker.jobs import settlement
from metering_worker.jobs.queues import DEFAULT, queue
from metering_worker.simulator import SimulatorFleet
from shared_models.enums import ControlMode
from shared_models.models import Alarm, Command, Meter, MeterState
from shared_models.models.commands import CommandKind, CommandOrigin
from shared_models.models.metering import AlarmKind
from shared_models.sales import accounts
from shared_models.settlement import enforcement
from tests.metering_worker.polling_world import (
    fleet_clock,
    readings_of,
    register_fleet,
    run_sweep,
    state_of,
)


@pytest.fixture
def fleet(fleet_config):
    fleet = SimulatorFleet(fleet_config(4, per_bus=2, buses_per_gateway=1, mode="remote"))
    fleet.start_in_thread()
    yield fleet
    fleet.stop_in_thread()


@pytest.fixture
def worker_env(monkeypatch, private_db, redis_url):
    """The worker's own configuration (as `rq worker` would read it) pointing at the test servers."""
    monkeypatch.setenv("DATABASE_URL", private_db.url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    config.reset()
    yield
    config.reset()


def test_sweeps_leave_one_settle_job_per_bus_which_a_worker_runs(sessions, redis_client, fleet,
                                                                    worker_env) -> None:
    site = register_fleet(sessions, fleet)
    default = queue(DEFAULT, redis_client)
    run_sweep(sessions, redis_client, site, fleet)
    fleet.advance(60)
    run_sweep(sessions, redis_client, site, fleet)  # the first sweep's jobs still wait

    assert sorted(job.args[0] for job in default.jobs) == sorted(site.bus_ids.values())
    assert all(job.func_name == transport.SETTLE_JOB for job in default.jobs)
    meter_ids = list(site.meter_ids.values())
    assert all(state_of(sessions, m).settled_reading_id is None for m in meter_ids)  # not inline

    worker = SimpleWorker([default], connection=redis_client, serializer=JSONSerializer)
    assert worker.work(burst=True)

    assert default.failed_job_registry.count == 0 and default.count == 0
    for meter_id in meter_ids:
        first, last = readings_of(sessions, meter_id)
        assert state_of(sessions, meter_id).settled_reading_id == last.id
    # Readings stored after a job started get a job of their own.
    fleet.advance(60)
    run_sweep(sessions, redis_client, site, fleet)
    assert default.count == len(site.bus_ids)


def test_settle_job_queues_a_trip_and_announces_it_on_the_bus(sessions, redis_client, fleet) -> None:
    site = register_fleet(sessions, fleet)
    port = fleet.ports[0]
    meter_id, bus_id = site.meter_ids[(port, 1)], site.bus_ids[port]
    now = fleet_clock(fleet)()
    with sessions() as db:
        db.get(Meter, meter_id).control_mode = ControlMode.REMOTE
        account = accounts.open_account(db, {"site_id": site.site_id, "tenant_name": "李四",
                                             "phone": "13800138000", "meter_ids": [meter_id]},
                                        operator_id=None)
        for link in account.links:  # attached before the fleet's (frozen) clock
            link.attached_at = now - timedelta(days=1)
        db.commit()
    run_sweep(sessions, redis_client, site, fleet)
    assert not transport.has_due_commands(redis_client, bus_id)

    result = settlement.run(bus_id, redis=redis_client, session_factory=sessions, now=now)

    with sessions() as db:  # a wallet at 0.00 under the trip rule: trip the closed relay
        [trip] = db.scalars(select(Command).where(Command.meter_id == meter_id))
        assert (trip.kind, trip.origin) == (CommandKind.TRIP, CommandOrigin.AUTOMATIC)
    assert result == {"meters": 2, "commands": 1}
    assert transport.announced_ids(redis_client, bus_id) == [trip.id]
    assert transport.has_due_commands(redis_client, bus_id)
    # Run again with nothing new: nothing queued twice.
    assert settlement.run(bus_id, redis=redis_client, session_factory=sessions, now=now)["commands"] == 0


def test_meters_on_no_account_move_their_cursor_and_keep_the_overload_alarm(sessions, redis_client,
                                                                           fleet) -> None:
    site = register_fleet(sessions, fleet)
    port = fleet.ports[0]
    meter_id, other_id, bus_id = site.meter_ids[(port, 1)], site.meter_ids[(port, 2)], site.bus_ids[port]
    now = fleet_clock(fleet)()
    run_sweep(sessions, redis_client, site, fleet)
    with sessions() as db:  # as if the meter had just reported an overload trip (status b7)
        db.get(MeterState, meter_id).status_bits |= enforcement.OVERLOAD_BIT
        db.commit()

    assert settlement.run(bus_id, redis=redis_client, session_factory=sessions, now=now)["commands"] == 0

    def overloads():
        with sessions() as db:
            return list(db.scalars(select(Alarm.meter_id).where(Alarm.kind == AlarmKind.OVERLOAD,
                                                                Alarm.cleared_at.is_(None))))

    assert overloads() == [meter_id]
    for m in (meter_id, other_id):
        assert state_of(sessions, m).settled_reading_id == state_of(sessions, m).last_reading_id
    fleet.advance(60)
    run_sweep(sessions, redis_client, site, fleet)  # the meter reclosed: no overload bit
    settlement.run(bus_id, redis=redis_client, session_factory=sessions, now=now)
    assert overloads() == []
