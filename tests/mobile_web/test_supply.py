"""A tenant switches their own meter off and on from the phone; the command outbox runs it on a
simulated meter over real Modbus TCP, and the page follows it to verified (read back)."""

from __future__ import annotations

import asyncio
import threading
import time
from decimal import Decimal

import pytest
from redis import Redis

from metering_worker.driver import MeterDriver
from metering_worker.outbox.runner import run_due_commands
from metering_worker.simulator import SimulatorFleet
from metering_worker.simulator.config import generate_fleet
from shared_models import registry
from shared_models.metering.meter_states import state_of
from shared_models.sales import accounts
from shared_models.types import utcnow
from tests.metering_worker.command_rig import KEYS
from tests.mobile_web.phone_kit import phone, settle, shoot, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def simulated(office, tmp_path_factory):
    """One remote-mode meter on a simulated bus, registered on the demo site, with a tenant."""
    config = generate_fleet(1, base_port=0, mode="remote", time_scale=0.0, speed=0.0,
                            state_dir=str(tmp_path_factory.mktemp("sim")))
    fleet = SimulatorFleet(config)
    fleet.start_in_thread()
    port = fleet.ports[0]
    with office.sessions() as db:
        gateway = registry.save_gateway(db, {"site_id": office.ids["site"], "name": "GW-SIM",
                                             "host": "127.0.0.1", "port": port, "bus_count": 1,
                                             "timeout_ms": 400})
        address = sorted(fleet.buses[port].meters)[0]
        meter = registry.save_meter(db, {"bus_id": gateway.buses[0].id, "address": address,
                                         "serial_number": fleet.meter(port, address).serial})
        account = accounts.open_account(db, {"site_id": office.ids["site"], "meter_ids": [meter.id],
                                             "tenant_name": "赵先生 Tenant S", "phone": "13900009999",
                                             "opening_balance": Decimal("80.00"),
                                             "carried_over_from": "an old card meter"}, operator_id=None)
        state = state_of(db, meter.id)  # as the last poll left it: read, online, relay closed
        state.last_read_at, state.online, state.relay_open, state.status_bits = utcnow(), True, False, 0
        db.commit()
        tenant = (account.id, account.number, "13900009999")
        bus_id, meter_address = gateway.buses[0].id, address
    yield fleet, port, bus_id, meter_address, tenant
    fleet.stop_in_thread()


def _run_outbox(office, redis_url: str, bus_id: int, port: int) -> None:
    """What the worker does when the bus is woken: the due commands, read back."""
    async def main() -> None:
        driver = MeterDriver.tcp("127.0.0.1", port, timeout=0.4)
        redis = Redis.from_url(redis_url)
        try:
            await run_due_commands(bus_id, driver, office.sessions, redis=redis, keys=KEYS,
                                   now=time.time)
        finally:
            driver.close()
            redis.close()

    # In a thread of its own: Playwright's sync API keeps an event loop running on this one.
    worker = threading.Thread(target=asyncio.run, args=(main(),))
    worker.start()
    worker.join(30)


def _switch(page, office, redis_url, simulated, button: str) -> None:
    fleet, port, bus_id, _address, _tenant = simulated
    page.click(f".card[data-meter] button:has-text('{button}')")
    page.click(".card[data-meter] button:has-text('确认')")
    page.wait_for_selector("[data-command-state=queued]")
    _run_outbox(office, redis_url, bus_id, port)
    page.wait_for_selector("[data-command-state=verified]", timeout=15000)


def test_switch_off_and_on_against_the_simulator(browser, office, redis_url, simulated):
    fleet, port, _bus, address, tenant = simulated
    context, page, watch = phone(browser, office)
    try:
        sign_in(page, office, tenant)
        page.goto(f"{office.url}/m/#/supply")
        settle(page)
        _switch(page, office, redis_url, simulated, "拉闸断电")
        assert fleet.meter(port, address).state.relay_open  # the meter's relay is open: off
        shoot(page, "supply-switched-off", "zh-CN")
        page.goto(f"{office.url}/m/#/home")
        settle(page)
        assert "已断电" in page.inner_text(".card:has(h2)")
        page.goto(f"{office.url}/m/#/supply")
        settle(page)
        _switch(page, office, redis_url, simulated, "合闸送电")
        assert not fleet.meter(port, address).state.relay_open
        assert watch.problems == []
    finally:
        context.close()

