"""Failing meters back off and go offline after 3 polls; unreachable gateways raise gateway_lost;
a lossy fleet keeps being read."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from redis import Redis

from metering_worker.polling.outcome import backoff_seconds
from metering_worker.polling.plan import load_plan
from metering_worker.polling.sweep import BusOutcome, SweepContext, sweep
from metering_worker.simulator import SimulatorFleet, generate_fleet
from shared_models.models.metering import AlarmKind
from tests.metering_worker.polling_world import (
    FleetSite,
    alarms,
    fleet_clock,
    readings_of,
    register_fleet,
    run_sweep,
    state_of,
)


def test_backoff_doubles_from_30_s_to_5_min() -> None:
    assert [backoff_seconds(n) for n in range(1, 8)] == [30, 60, 120, 240, 300, 300, 300]


def _sweeps_with_a_dead_meter(sessions, redis_client, fleet_config, start_fleet):
    """Four meters on one bus, the second dead, swept at t = 0, 10, 31, 92 and 217 s: the
    attempts each sweep made on the bus, and the world to look at."""
    fleet = start_fleet(fleet_config(4, per_bus=4))
    site = register_fleet(sessions, fleet, poll_interval_s=60)
    port = fleet.ports[0]
    dead = site.meter_ids[(port, 2)]
    fleet.inject(port, 2, dead=True)
    attempts_seen = []
    for step in (0, 10, 21, 61, 125):  # seconds after the previous sweep
        fleet.advance(step)
        before = fleet.buses[port].exchanges
        run_sweep(sessions, redis_client, site, fleet)
        attempts_seen.append(fleet.buses[port].exchanges - before)
        state = state_of(sessions, dead)
        if state.consecutive_failures:
            wait = timedelta(seconds=backoff_seconds(state.consecutive_failures))
            assert state.next_attempt_at == state.last_attempt_at + wait
    return fleet, site, port, dead, attempts_seen


def test_a_dead_meter_backs_off_and_goes_offline(sessions, redis_client, fleet_config, start_fleet) -> None:
    fleet, site, port, dead, attempts_seen = _sweeps_with_a_dead_meter(
        sessions, redis_client, fleet_config, start_fleet)
    # The dead meter is tried at t=0, 31 (after 30 s), 92 (after 60 s) and 217 (after 120 s),
    # and skipped in between; the other three are read every time. At t=0 it had answered
    # before (no failures yet), so its lost reply earns it one more ask at the end of the bus.
    assert attempts_seen == [5, 3, 4, 4, 4]
    state = state_of(sessions, dead)
    assert state.consecutive_failures == 4 and not state.online
    assert state.next_attempt_at == state.last_attempt_at + timedelta(seconds=240) > fleet_clock(fleet)()
    [lost] = alarms(sessions, AlarmKind.LOST_COMM, meter_id=dead)
    assert lost.cleared_at is None and lost.site_id == site.site_id
    healthy = [site.meter_ids[(port, a)] for a in (1, 3, 4)]
    assert all(len(readings_of(sessions, m)) == 5 and state_of(sessions, m).online for m in healthy)
    assert alarms(sessions, AlarmKind.GATEWAY_LOST, gateway_id=site.gateway_ids["gw1"]) == []


def test_an_offline_meter_that_answers_again_is_back_online(sessions, redis_client, fleet_config,
                                                            start_fleet) -> None:
    fleet, site, port, dead, _ = _sweeps_with_a_dead_meter(sessions, redis_client, fleet_config, start_fleet)
    fleet.inject(port, 2, dead=False)
    fleet.advance(241)
    run_sweep(sessions, redis_client, site, fleet)
    state = state_of(sessions, dead)
    assert state.online and state.consecutive_failures == 0 and state.next_attempt_at is None
    [lost] = alarms(sessions, AlarmKind.LOST_COMM, meter_id=dead)
    assert lost.cleared_at == state.last_read_at
    assert len(readings_of(sessions, dead)) == 1


def test_stopped_gateway_is_lost_then_recovers(sessions, redis_client, fleet_config, start_fleet) -> None:
    fleet = start_fleet(fleet_config(4, per_bus=2, buses_per_gateway=1))
    site = register_fleet(sessions, fleet)
    down, up = site.gateway_ids["gw1"], site.gateway_ids["gw2"]
    fleet.call(fleet.gateway("gw1").stop())

    outcomes = run_sweep(sessions, redis_client, site, fleet)

    assert outcomes[site.bus_ids[fleet.ports[0]]].unreachable
    [lost] = alarms(sessions, AlarmKind.GATEWAY_LOST, gateway_id=down)
    assert lost.cleared_at is None and "cannot connect" in lost.detail
    assert alarms(sessions, AlarmKind.GATEWAY_LOST, gateway_id=up) == []
    assert state_of(sessions, site.meter_ids[(fleet.ports[0], 1)]).consecutive_failures == 1

    fleet.call(fleet.gateway("gw1").start())  # same ports again
    fleet.advance(31)
    run_sweep(sessions, redis_client, site, fleet)
    [lost] = alarms(sessions, AlarmKind.GATEWAY_LOST, gateway_id=down)
    assert lost.cleared_at is not None
    assert state_of(sessions, site.meter_ids[(fleet.ports[0], 1)]).online


def test_gateway_whose_meters_all_fail_is_lost(sessions, redis_client, fleet_config, start_fleet) -> None:
    fleet = start_fleet(fleet_config(4, per_bus=2, buses_per_gateway=1))
    site = register_fleet(sessions, fleet)
    fleet.inject(fleet.ports[0], dead=True)  # the gateway answers, nothing behind it does

    run_sweep(sessions, redis_client, site, fleet)

    [lost] = alarms(sessions, AlarmKind.GATEWAY_LOST, gateway_id=site.gateway_ids["gw1"])
    assert lost.detail == "none of 2 meters answered"
    assert alarms(sessions, AlarmKind.GATEWAY_LOST, gateway_id=site.gateway_ids["gw2"]) == []


def test_a_read_our_loop_failed_late_is_not_held_against_the_meter(sessions, redis_client, fleet_config,
                                                                     start_fleet) -> None:
    fleet = start_fleet(fleet_config(2, per_bus=2))
    site = register_fleet(sessions, fleet, timeout_ms=200)
    port = fleet.ports[0]
    fleet.inject(port, 2, dead=True)
    asked = threading.Event()  # the simulator has the request for the dead meter
    bus = fleet.buses[port]
    original = bus.exchange

    async def exchange(request):
        if request.unit == 2:
            asked.set()
        return await original(request)

    bus.exchange = exchange
    with sessions() as db:
        plan = load_plan(db, site.site_id, list(site.gateway_ids.values()))
        db.commit()
    ctx = SweepContext(redis=redis_client, session_factory=sessions, clock=fleet_clock(fleet))

    async def sweep_with_a_stalled_loop():
        swept = asyncio.create_task(sweep(ctx, plan))
        await asyncio.to_thread(asked.wait)
        threading.Event().wait(0.6)  # the loop is busy elsewhere well past the 200 ms timeout
        return await swept

    outcome = asyncio.run(sweep_with_a_stalled_loop())[site.bus_ids[port]]

    assert (outcome.late, outcome.attempted, outcome.good) == (1, 1, 1)
    state = state_of(sessions, site.meter_ids[(port, 2)])
    assert state.consecutive_failures == 0 and state.next_attempt_at is None and state.online
    assert alarms(sessions, AlarmKind.GATEWAY_LOST, gateway_id=site.gateway_ids["gw1"]) == []


# -- a lossy fleet: 10 % of replies lost, one meter dead, one gateway restarted mid-sweep --------

@dataclass
class LossyRun:
    """What four sweeps of the lossy fleet and one after the dead meter came back left behind."""

    fleet: SimulatorFleet
    site: FleetSite
    dead: int  # meter id
    dead_port: int
    restarted_port: int
    sweeps: list[dict[int, BusOutcome]] = field(default_factory=list)
    exchanges: list[dict[int, int]] = field(default_factory=list)  # per sweep, per port
    lost_after: int | None = None  # the sweep after which the dead meter's lost_comm was raised

    def others(self) -> list[int]:
        return [m for m in self.site.meter_ids.values() if m != self.dead]


def _restart_after_exchanges(fleet: SimulatorFleet, name: str, port: int, count: int) -> asyncio.Future:
    """Restart the gateway once its bus has served `count` more exchanges: mid-sweep by the
    simulator's own counter, not by a clock. Resolves when the gateway is back up."""
    bus = fleet.buses[port]
    original, seen = bus.exchange, [0]
    restarted = fleet.loop.create_future()

    async def exchange(request):
        seen[0] += 1
        if seen[0] == count:
            bus.exchange = original

            async def restart():
                await fleet.restart_gateway(name, down_s=0.3)
                restarted.set_result(None)
            asyncio.get_running_loop().create_task(restart())
        return await original(request)

    async def install():
        bus.exchange = exchange

    fleet.call(install())
    return restarted


@pytest.fixture(scope="module")
def lossy(private_db, redis_url, tmp_path_factory) -> LossyRun:
    redis = Redis.from_url(redis_url)
    redis.flushdb()
    sessions = private_db.sessions
    config = generate_fleet(24, per_bus=8, buses_per_gateway=1, base_port=0, mode="local", time_scale=1.0,
                            speed=0.0, state_dir=str(tmp_path_factory.mktemp("lossy")))
    fleet = SimulatorFleet(config)
    fleet.start_in_thread()
    try:
        site = register_fleet(sessions, fleet, poll_interval_s=60, timeout_ms=1000)
        for port in fleet.ports:
            fleet.inject(port, timeout_rate=0.10)
        dead_port, restarted_port = fleet.ports[0], fleet.ports[1]
        fleet.inject(dead_port, 5, dead=True)
        run = LossyRun(fleet, site, site.meter_ids[(dead_port, 5)], dead_port, restarted_port)
        for number in range(1, 5):
            before = {port: bus.exchanges for port, bus in fleet.buses.items()}
            if number == 2:
                restarted = _restart_after_exchanges(fleet, "gw2", restarted_port, 3)
            run.sweeps.append(run_sweep(sessions, redis, site, fleet))
            if number == 2:
                asyncio.run_coroutine_threadsafe(asyncio.wait_for(restarted, 10), fleet.loop).result()
            run.exchanges.append({port: bus.exchanges - before[port] for port, bus in fleet.buses.items()})
            if run.lost_after is None and alarms(sessions, AlarmKind.LOST_COMM, meter_id=run.dead):
                run.lost_after = number
            fleet.advance(60)
        fleet.inject(dead_port, 5, dead=False)
        fleet.advance(240)
        run.sweeps.append(run_sweep(sessions, redis, site, fleet))
        yield run
    finally:
        fleet.stop_in_thread()
        redis.close()


@pytest.mark.slow
def test_lossy_fleet_every_bus_finishes_every_sweep(lossy) -> None:
    assert all(not o.skipped for outcomes in lossy.sweeps for o in outcomes.values())


@pytest.mark.slow
def test_lossy_fleet_reports_the_dead_meter_lost_on_the_third_sweep(lossy) -> None:
    assert lossy.lost_after == 3


@pytest.mark.slow
def test_lost_replies_take_no_healthy_meter_offline(lossy, sessions) -> None:
    assert all(state_of(sessions, m).online for m in lossy.others())
    site_alarms = [a for a in alarms(sessions, AlarmKind.LOST_COMM) if a.site_id == lossy.site.site_id]
    assert [a.meter_id for a in site_alarms] == [lossy.dead]


@pytest.mark.slow
def test_lossy_buses_still_read_nearly_every_meter(lossy, sessions) -> None:
    # One lost reply in ten, and a second ask for a meter that had been answering.
    read = sum(len(readings_of(sessions, m)) for m in lossy.others())
    assert read >= 0.9 * 5 * len(lossy.others())


@pytest.mark.slow
def test_a_restarted_gateway_does_not_stall_the_other_buses(lossy) -> None:
    restart_sweep = lossy.sweeps[1]
    for port, bus_id in lossy.site.bus_ids.items():
        if port == lossy.restarted_port:
            continue
        meters = len(lossy.fleet.buses[port].meters) - (port == lossy.dead_port)
        # every healthy meter of the other buses was asked, whatever gw2 was doing
        assert lossy.exchanges[1][port] >= meters
        outcome = restart_sweep[bus_id]
        assert outcome.attempted + outcome.late == len(lossy.fleet.buses[port].meters)


@pytest.mark.slow
def test_a_gateway_restarted_mid_sweep_finishes_its_pass_and_is_read_next_sweep(lossy, sessions) -> None:
    port = lossy.restarted_port
    bus_id, meters = lossy.site.bus_ids[port], lossy.fleet.buses[port].meters
    during = lossy.sweeps[1][bus_id]
    assert not during.unreachable and during.attempted + during.late == len(meters)
    assert lossy.sweeps[2][bus_id].good >= 6  # of 8, with one reply in ten lost
    assert all(state_of(sessions, lossy.site.meter_ids[(port, a)]).online for a in meters)
    gateway = lossy.site.gateway_ids["gw2"]
    assert all(a.cleared_at is not None for a in alarms(sessions, AlarmKind.GATEWAY_LOST,
                                                        gateway_id=gateway))


@pytest.mark.slow
def test_the_dead_meter_answering_again_is_read_and_its_alarm_cleared(lossy, sessions) -> None:
    [lost] = alarms(sessions, AlarmKind.LOST_COMM, meter_id=lossy.dead)
    assert lost.cleared_at is not None
    assert lossy.sweeps[-1][lossy.site.bus_ids[lossy.dead_port]].good >= 1
    assert state_of(sessions, lossy.dead).online
