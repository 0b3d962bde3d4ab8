"""A real `rq worker` SIGKILLed in the middle of a command, then restarted: nothing lost or doubled.

The worker is a subprocess on the real Redis and a database of its own (committed for real,
so the worker process sees it); the meters are simulated on real TCP ports. One meter answers
slowly, so the kill lands after the meter has acted on a mailbox write but before the worker
has read its answer: the case where a blind resend would credit twice.
"""

from __future__ import annotations

import dataclasses
import time
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from metering_worker import transport
from metering_worker.jobs.commands import LOCK_TTL_MS, reannounce_commands
from metering_worker.simulator import SimulatorFleet
from shared_models.db import make_engine, make_session_factory
from shared_models.models import Command
from shared_models.models.commands import FINAL_STATES, CommandKind, CommandState
from shared_models.registry import save_gateway, save_meter, save_site
from shared_models.remote_control import outbox
from tests.metering_worker.worker_process import Worker

pytestmark = pytest.mark.slow  # end to end: a real worker process killed mid-command and restarted

SLOW_S = 1.5  # the slow meter's reply time: the window the kill lands in


@pytest.fixture
def worker_database(new_database):
    """A database the worker subprocess can see."""
    url = new_database()
    engine = make_engine(url)
    yield url, make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def slow_bus(fleet_config):
    """Two local meters on one bus with real timing; unit 1 answers after SLOW_S."""
    config = fleet_config(2, mode="local", time_scale=1.0)
    gateways = tuple(dataclasses.replace(g, reply_timeout_s=SLOW_S + 2) for g in config.gateways)
    fleet = SimulatorFleet(dataclasses.replace(config, gateways=gateways))
    fleet.start_in_thread()
    fleet.inject(fleet.ports[0], 1, extra_turnaround_s=SLOW_S)
    yield fleet
    fleet.stop_in_thread()


def _register(sessions, fleet: SimulatorFleet) -> tuple[int, list[int]]:
    port = fleet.ports[0]
    with sessions() as db:
        site = save_site(db, {"code": "KILL", "name": "Kill test"})
        gateway = save_gateway(db, {"site_id": site.id, "name": "GW", "host": "127.0.0.1", "port": port,
                                    "bus_count": 1, "timeout_ms": int((SLOW_S + 1) * 1000)})
        bus = gateway.buses[0]
        meters = [save_meter(db, {"bus_id": bus.id, "address": a, "control_mode": "local",
                                  "serial_number": fleet.meter(port, a).serial}) for a in (1, 2)]
        db.commit()
        return bus.id, [m.id for m in meters]


def _state(sessions, command_id: int) -> Command:
    with sessions() as db:
        return db.get(Command, command_id)


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize("kind", [CommandKind.RECHARGE, CommandKind.TRIP])
def test_worker_killed_mid_command_finishes_after_restart_without_doubling(
        worker_database, slow_bus, redis_url, redis_client, tmp_path, kind) -> None:
    url, sessions = worker_database
    fleet = slow_bus
    slow = fleet.meter(fleet.ports[0], 1)
    bus_id, (slow_id, fast_id) = _register(sessions, fleet)
    with sessions() as db:
        db: Session
        extra = ({"payload": {"amount": "25.00", "order_reference": 42}, "purchase_count": 1}
                 if kind == CommandKind.RECHARGE else {})
        target = outbox.issue(db, meter_id=slow_id, kind=kind, **extra)
        after = outbox.issue(db, meter_id=slow_id, kind=CommandKind.PROTECT)
        other = outbox.issue(db, meter_id=fast_id, kind=CommandKind.TRIP)
        db.commit()
        ids = [target.id, after.id, other.id]
    worker = Worker(url, redis_url, tmp_path / "worker.log")
    try:
        worker.start()
        transport.announce(redis_client, ids, [bus_id])
        _wait(lambda: _state(sessions, target.id).state == CommandState.SENT, 30, "the command to be sent")

        def applied() -> bool:
            return (slow.state.purchase_count == 1 if kind == CommandKind.RECHARGE
                    else slow.state.command_sequence == target.sequence)

        # The simulated meter acts on the write when it arrives and answers SLOW_S later:
        # killing as soon as it has acted lands while its answer is still on the way.
        _wait(applied, 30, "the meter to act on the write")
        worker.kill()
        assert _state(sessions, target.id).state == CommandState.SENT  # died before reading the result

        worker.start()
        deadline = time.monotonic() + LOCK_TTL_MS / 1000 + 40
        while not all(_state(sessions, i).state in FINAL_STATES for i in ids):
            assert time.monotonic() < deadline, [(_state(sessions, i).state, _state(sessions, i).error)
                                                 for i in ids]
            # What the cron does every 10 s, here every second.
            reannounce_commands(older_than_s=1, redis=redis_client, session_factory=sessions)
            time.sleep(1)
    finally:
        worker.stop()
    finals = {i: _state(sessions, i) for i in ids}
    assert {c.state for c in finals.values()} == {CommandState.VERIFIED}, (
        [(c.kind, c.error) for c in finals.values()], (tmp_path / "worker.log").read_text()[-3000:])
    assert finals[target.id].attempts == 2  # one try before the kill, one read-back after it
    if kind == CommandKind.RECHARGE:
        assert (slow.state.purchase_count, slow.balance()) == (1, Decimal("25.00"))  # credited once
    assert slow.state.protect and slow.state.command_sequence == after.sequence
    assert fleet.meter(fleet.ports[0], 2).state.relay_open
