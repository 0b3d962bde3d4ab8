"""A relay command's read-back is a reading of the relay: the status list shows it at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from metering_worker.polling.plan import MeterPlan
from metering_worker.polling.store import PollResult, write_results
from metering_worker.simulator import SimulatorFleet
from shared_models.db import make_session_factory
from shared_models.metering.meter_states import state_of
from shared_models.metering.status_list import status_query
from shared_models.models import MeterState, Reading
from shared_models.models.commands import CommandState
from shared_models.types import utcnow
from tests.metering_worker.command_rig import Rig

POLLED_AGO = timedelta(minutes=20)  # the last poll, well before the command


@pytest.fixture
def rig(db, connection, redis_client, make_site, make_gateway, make_meter, fleet_config):
    """One remote-mode meter on a simulated bus, last polled (relay closed) 20 minutes ago."""
    fleet = SimulatorFleet(fleet_config(1, mode="remote"))
    fleet.start_in_thread()
    port = fleet.ports[0]
    bus = make_gateway(port=port, bus_count=1, timeout_ms=400).buses[0]
    meters = [make_meter(bus, address=a, serial_number=fleet.meter(port, a).serial, control_mode="remote")
              for a in sorted(fleet.buses[port].meters)]
    state = state_of(db, meters[0].id)
    state.relay_open, state.status_bits, state.last_read_at = False, 0, utcnow() - POLLED_AGO
    db.commit()
    sessions = make_session_factory(connection, join_transaction_mode="create_savepoint")
    yield Rig(fleet, db, sessions, redis_client, bus.id, meters)
    fleet.stop_in_thread()


def listed(r: Rig) -> dict:
    r.db.expire_all()
    return r.db.execute(status_query(site_id=r.meters[0].site_id)).mappings().one()


def readings(r: Rig) -> int:
    return r.db.scalar(select(func.count()).select_from(Reading).where(Reading.meter_id == r.meters[0].id))


def test_a_verified_trip_shows_the_relay_open_without_a_poll(rig) -> None:
    before = listed(rig)
    trip = rig.issue("trip")
    rig.run()
    assert rig.reload(trip).state == CommandState.VERIFIED
    after = listed(rig)
    assert before["relay_open"] is False and after["relay_open"] is True
    assert after["status_bits"] == int(rig.sim().hot_block().status)
    # Only the relay was read back, not a reading to bill: the newest reading stays the poll's.
    assert after["last_read_at"] == before["last_read_at"] and readings(rig) == 0


def test_a_verified_close_shows_the_relay_closed(rig) -> None:
    rig.issue("trip")
    rig.run()
    assert listed(rig)["relay_open"] is True
    close = rig.issue("close")
    rig.run()
    assert rig.reload(close).state == CommandState.VERIFIED
    assert listed(rig)["relay_open"] is False
    state = rig.db.get(MeterState, rig.meters[0].id)
    assert state.relay_read_at is not None and state.relay_read_at > utcnow() - timedelta(minutes=1)


def _poll(r: Rig, at) -> PollResult:
    """A hot block read by a sweep, to be stored as the sweep stores it."""
    async def read():
        driver = r.driver()
        try:
            return await driver.read_hot_block(r.meters[0].address)
        finally:
            driver.close()

    plan = MeterPlan(r.meters[0].id, r.meters[0].address, None, None, 0, None, True)
    return PollResult(plan, at, asyncio.run(read()))


def test_a_poll_read_before_the_trip_but_stored_after_it_leaves_the_relay_open(rig) -> None:
    # A sweep reads the meter, runs the trip that was announced meanwhile on the same bus,
    # reads the bus's other meters, then stores what it read: the older relay must not win.
    early = _poll(rig, utcnow() - timedelta(seconds=5))
    rig.issue("trip")
    rig.run()
    write_results(rig.db, rig.meters[0].site_id, 60, 300, [early])
    rig.db.commit()
    after = listed(rig)
    assert after["relay_open"] is True and readings(rig) == 1
    assert after["last_read_at"] == early.at  # the reading itself is stored as read


def test_a_poll_after_the_read_back_is_stored_whole(rig) -> None:
    rig.issue("trip")
    rig.run()
    rig.sim().state.relay_open = False  # closed on site by hand after the trip
    rig.sim().state.open_commanded = False
    later = _poll(rig, utcnow() + timedelta(seconds=1))
    write_results(rig.db, rig.meters[0].site_id, 60, 300, [later])
    rig.db.commit()
    assert listed(rig)["relay_open"] is False
