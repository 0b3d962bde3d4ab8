"""A sweep over a simulated fleet on real TCP ports stores what the meters say."""

from __future__ import annotations

import time

from metering_worker import buslock
from metering_worker.simulator import hot_block_read_seconds
from shared_models.models.metering import ReadingQuality
from tests.metering_worker.polling_world import (
    readings_of,
    register_fleet,
    run_sweep,
    state_of,
)


def test_sweep_stores_each_meters_values(sessions, redis_client, fleet_config, start_fleet) -> None:
    fleet = start_fleet(fleet_config(6, framing="mixed", per_bus=3, buses_per_gateway=1))
    site = register_fleet(sessions, fleet)
    fleet.advance(7200)  # two hours of consumption and, for local meters, deduction

    outcomes = run_sweep(sessions, redis_client, site, fleet)

    assert sorted(o.good for o in outcomes.values()) == [3, 3]
    for (port, address), meter_id in site.meter_ids.items():
        expected = fleet.meter(port, address).hot_block()
        [reading] = readings_of(sessions, meter_id)
        assert reading.total_energy == expected.total_energy > 0
        assert (reading.energy_sharp, reading.energy_peak, reading.energy_flat,
                reading.energy_valley) == expected.energy_by_rate
        assert reading.balance == expected.balance and reading.purchase_count == expected.purchase_count
        assert reading.status_bits == int(expected.status)
        assert reading.meter_clock.timestamp() == expected.clock
        assert reading.quality == ReadingQuality.GOOD
        state = state_of(sessions, meter_id)
        assert state.last_reading_id == reading.id and state.last_read_at == reading.read_at
        assert state.online and state.consecutive_failures == 0 and state.next_attempt_at is None
        assert state.balance == expected.balance and state.relay_open == expected.relay_open


def test_buses_run_concurrently_each_in_sequence(sessions, redis_client, fleet_config, start_fleet) -> None:
    fleet = start_fleet(fleet_config(8, per_bus=4, time_scale=1.0))
    site = register_fleet(sessions, fleet, timeout_ms=1000)
    in_flight = {port: [0, 0] for port in fleet.ports}  # now, most at once
    busy = {port: [] for port in fleet.ports}  # when each exchange started and ended

    for port, bus in fleet.buses.items():
        original = bus.exchange

        async def counted(request, original=original, port=port):
            counter = in_flight[port]
            counter[0] += 1
            counter[1] = max(counter[1], counter[0])
            started = time.monotonic()
            try:
                return await original(request)
            finally:
                counter[0] -= 1
                busy[port].append((started, time.monotonic()))

        bus.exchange = counted

    start = time.monotonic()
    run_sweep(sessions, redis_client, site, fleet)
    elapsed = time.monotonic() - start

    bus_times = [sum(hot_block_read_seconds(9600, 11, m.turnaround_s) for m in bus.meters.values())
                 for bus in fleet.buses.values()]
    assert all(most == 1 for _, most in in_flight.values())  # never two requests queued on a bus
    assert [b.exchanges for b in fleet.buses.values()] == [4, 4]
    assert max(bus_times) <= elapsed  # no bus is faster than its physics
    # Concurrent: every bus started before any bus had finished (event order, not a clock bound).
    assert max(spans[0][0] for spans in busy.values()) < min(spans[-1][1] for spans in busy.values())


def test_a_busy_bus_is_left_alone(sessions, redis_client, fleet_config, start_fleet) -> None:
    fleet = start_fleet(fleet_config(4, per_bus=2))
    site = register_fleet(sessions, fleet)
    busy_port, free_port = fleet.ports
    other = buslock.BusLock(redis_client, site.bus_ids[busy_port], owner="commands")
    assert other.acquire()

    outcomes = run_sweep(sessions, redis_client, site, fleet, lock_wait_s=0.2)

    assert outcomes[site.bus_ids[busy_port]].skipped
    assert fleet.buses[busy_port].exchanges == 0 and fleet.buses[free_port].exchanges == 2
    busy_meter = site.meter_ids[(busy_port, 1)]
    assert readings_of(sessions, busy_meter) == []
    assert state_of(sessions, busy_meter).consecutive_failures == 0  # not polled is not failed
    assert other.holder() == other.token  # the sweep never touched someone else's lock
    other.release()
    assert not buslock.is_locked(redis_client, site.bus_ids[free_port])


def test_quality_flags(sessions, redis_client, fleet_config, start_fleet) -> None:
    fleet = start_fleet(fleet_config(3, per_bus=3))
    site = register_fleet(sessions, fleet, poll_interval_s=60)
    port = fleet.ports[0]
    fleet.advance(3600)
    run_sweep(sessions, redis_client, site, fleet)

    fleet.meter(port, 1).state.joules = [0.0] * 4  # meter 1 reset: its total goes backwards
    fleet.inject(port, 2, clock_offset_s=900)  # meter 2's clock is 15 minutes fast
    fleet.advance(60)
    run_sweep(sessions, redis_client, site, fleet)
    fleet.advance(181)  # more than two intervals without a reading
    run_sweep(sessions, redis_client, site, fleet)

    def qualities(address):
        return [r.quality for r in readings_of(sessions, site.meter_ids[(port, address)])]

    good, drift = ReadingQuality.GOOD, ReadingQuality.CLOCK_DRIFT
    assert qualities(1) == [good, ReadingQuality.REGRESSED, ReadingQuality.CATCH_UP]
    assert qualities(2) == [good, drift, drift]
    assert qualities(3) == [good, good, ReadingQuality.CATCH_UP]


def test_no_more_than_buses_at_once_buses_poll_together(sessions, redis_client, fleet_config,
                                                        start_fleet) -> None:
    fleet = start_fleet(fleet_config(8, per_bus=2, time_scale=1.0))
    site = register_fleet(sessions, fleet, timeout_ms=1000)
    spans = {port: [] for port in fleet.ports}  # each exchange's start and end, per bus

    for port, bus in fleet.buses.items():
        original = bus.exchange

        async def timed(request, original=original, port=port):
            started = time.monotonic()
            try:
                return await original(request)
            finally:
                spans[port].append((started, time.monotonic()))

        bus.exchange = timed

    outcomes = run_sweep(sessions, redis_client, site, fleet, buses_at_once=2)

    assert sum(o.good for o in outcomes.values()) == 8
    # A bus is polling from its first exchange to its last; count the buses polling at each start.
    polling = [(min(s for s, _ in bus), max(e for _, e in bus)) for bus in spans.values()]
    most = max(sum(1 for start, end in polling if start <= moment < end) for moment, _ in polling)
    assert most == 2  # two at a time: four buses, none of them waiting for a free one alone
