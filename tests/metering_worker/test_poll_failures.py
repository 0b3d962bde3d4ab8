"""Failing meters back off and go offline after 3 polls; unreachable gateways raise gateway_lost."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from metering_worker.polling.outcome import backoff_seconds
from shared_models.models.metering import AlarmKind
from tests.metering_worker.polling_world import (
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
    # and skipped in between; the other three are read every time.
    assert attempts_seen == [4, 3, 4, 4, 4]
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


def test_lossy_fleet_with_dead_meter_and_gateway_restart(sessions, redis_client, fleet_config,
                                                         start_fleet) -> None:
    """10 % of exchanges unanswered, one meter dead, one gateway restarted during a sweep."""
    fleet = start_fleet(fleet_config(24, per_bus=8, buses_per_gateway=1, time_scale=1.0))
    site = register_fleet(sessions, fleet, poll_interval_s=60, timeout_ms=1000)
    for port in fleet.ports:
        fleet.inject(port, timeout_rate=0.10)
    dead_port = fleet.ports[0]
    fleet.inject(dead_port, 5, dead=True)
    dead = site.meter_ids[(dead_port, 5)]

    async def restart_later():
        await asyncio.sleep(0.5)
        await fleet.restart_gateway("gw2", down_s=0.3)

    lost_after = None
    for sweep_number in range(1, 5):
        if sweep_number == 2:
            restart = asyncio.run_coroutine_threadsafe(restart_later(), fleet.loop)
        outcomes = run_sweep(sessions, redis_client, site, fleet)
        if sweep_number == 2:
            restart.result(timeout=5)
        assert not any(o.skipped for o in outcomes.values())  # every bus finished its pass
        if lost_after is None and alarms(sessions, AlarmKind.LOST_COMM, meter_id=dead):
            lost_after = sweep_number
        fleet.advance(60)

    assert lost_after == 3  # detected within 3 intervals
    others = [m for m in site.meter_ids.values() if m != dead]
    assert all(state_of(sessions, m).online for m in others)
    assert [a.meter_id for a in alarms(sessions, AlarmKind.LOST_COMM) if a.site_id == site.site_id] == [dead]
    assert sum(len(readings_of(sessions, m)) for m in others) >= 0.8 * 4 * len(others)

    fleet.inject(dead_port, 5, dead=False)
    fleet.advance(240)
    run_sweep(sessions, redis_client, site, fleet)
    [lost] = alarms(sessions, AlarmKind.LOST_COMM, meter_id=dead)
    assert lost.cleared_at is not None
