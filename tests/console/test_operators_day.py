"""An operator's day in the console, against simulated meters on real TCP ports and a real
`rq worker` running their commands: open an account, sell, trip a whole floor from the monitor
and watch each meter reach verified, a refund above the threshold approved by a second person
(finance), and the account's statement exported and read back from the downloaded .xlsx.

The shared console office has no meters behind it, so this module seeds a small office of its
own whose one floor is the simulator's bus."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer
from sqlalchemy import select

from backoffice import database
from backoffice.auth.accounts import save_operator
from backoffice.cli import ensure_admin
from metering_worker import transport
from metering_worker.simulator import SimulatorFleet, generate_fleet
from shared_models import registry
from shared_models.enums import Role
from shared_models.models import Bus, Command, Operator, Sale, TenantAccount
from shared_models.models.commands import CommandState
from shared_models.models.sales import SaleStatus
from tests.console.browser_kit import PASSWORD, log_in, missing_words, serve_office, settle, shoot
from tests.metering_worker.worker_process import Worker

pytestmark = [pytest.mark.slow, pytest.mark.browser]

FLOOR_METERS = 4
THRESHOLD = Decimal("100.00")  # refunds above it wait for a second person


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """Four remote-mode meters on one Modbus TCP bus; an instant bus, a frozen clock."""
    config = generate_fleet(FLOOR_METERS, base_port=0, framing="tcp", mode="remote", time_scale=0.0,
                            speed=0.0, state_dir=str(tmp_path_factory.mktemp("day-sim")))
    fleet = SimulatorFleet(config)
    fleet.start_in_thread()
    yield fleet
    fleet.stop_in_thread()


def seed_floor(fleet: SimulatorFleet):
    """A site whose one floor is the fleet's bus, an admin and a finance officer."""

    def seed(app) -> dict[str, int]:
        port = fleet.ports[0]
        with app.app_context():
            db = database.session()
            ensure_admin("admin", PASSWORD)
            save_operator(db, {"username": "finance", "password": PASSWORD, "role": Role.FINANCE,
                               "all_sites": True, "display_name": "Finance"})
            site = registry.save_site(db, {"code": "DAY", "name": "日间大厦 Day Tower",
                                           "refund_approval_threshold": THRESHOLD})
            building = registry.save_building(db, {"site_id": site.id, "name": "D栋 Tower D"})
            floor = registry.save_floor(db, {"building_id": building.id, "name": "1F"})
            gateway = registry.save_gateway(db, {"site_id": site.id, "name": "GW-D1", "host": "127.0.0.1",
                                                 "port": port, "bus_count": 1, "timeout_ms": 500})
            for address in range(1, FLOOR_METERS + 1):
                unit = registry.save_unit(db, {"floor_id": floor.id, "name": f"10{address}"})
                registry.save_meter(db, {"bus_id": gateway.buses[0].id, "address": address,
                                         "control_mode": "remote", "unit_id": unit.id,
                                         "serial_number": fleet.meter(port, address).serial})
            db.commit()
            admin = db.scalar(select(Operator.id).where(Operator.username == "admin"))
            return {"admin": admin, "site": site.id, "floor": floor.id}

    return seed


@pytest.fixture(scope="module")
def office(tmp_path_factory, redis_url, fleet):
    with serve_office(tmp_path_factory.mktemp("day-db"), redis_url, seed_floor(fleet)) as served:
        yield served


@pytest.fixture(scope="module")
def worker(office, redis_url, tmp_path_factory):
    """The command worker, as production runs it, on this office's database."""
    redis = Redis.from_url(redis_url)
    try:
        # Other modules' offices announce commands on the same Redis with no worker to run them:
        # their jobs, and the markers that would keep this bus from being announced, are stale.
        Queue("commands", connection=redis, serializer=JSONSerializer).empty()
        with office.app.app_context():
            bus_ids = database.session().scalars(select(Bus.id)).all()
        redis.delete(*(key for bus_id in bus_ids
                       for key in (transport.marker_key(bus_id), transport.due_key(bus_id))))
    finally:
        redis.close()
    log = tmp_path_factory.mktemp("day-worker") / "worker.log"
    running = Worker(office.app.config["DATABASE_URL"], redis_url, log, name="operators-day")
    running.start()
    yield running
    running.stop()


def go(page, hash_path: str) -> None:
    page.goto(page.url.split("#")[0] + f"#{hash_path}")


def test_an_operators_day(visit, office, fleet, worker, tmp_path):
    language = "zh-CN"
    page, watch = visit(language)
    log_in(page)
    port = fleet.ports[0]
    serials = [fleet.meter(port, address).serial for address in range(1, FLOOR_METERS + 1)]

    # Morning: a new tenant moves into 101.
    go(page, "/tenants")
    page.click("[data-action=open-account-dialog]")
    page.wait_for_selector(f"[data-free-meter='{serials[0]}']")
    page.click(f"[data-free-meter='{serials[0]}'] input")
    page.fill("input[name=tenant_name]", "早班 Day tenant")
    page.fill("input[name=phone]", "13600006666")
    page.click("[data-action=open-account]")
    page.wait_for_selector("[data-role=account-meters]")
    account_id = int(page.url.rsplit("/", 1)[1])
    settle(page)
    shoot(page, "day-1-account-opened", language)

    # Sell: the account page's recharge button leads to the counter with the account chosen.
    page.click(".account-head .btn-primary")
    page.wait_for_selector("[data-action=open-shift]")
    page.click("[data-action=open-shift]")
    page.wait_for_selector(f".counter-account[data-account='{account_id}']")
    page.fill("input[name=amount]", "300.00")
    page.click("[data-action=recharge]")
    page.wait_for_selector("iframe.receipt-frame")
    expect(page.frame_locator("iframe.receipt-frame").locator("body")).to_contain_text("300.00")
    shoot(page, "day-2-sold", language)
    page.click(".dialog-foot .btn >> nth=0")
    assert page.inner_text(".counter [data-role=balance]") == "¥300.00"

    # Midday: trip the whole floor from the monitor and follow every meter to verified.
    page.click(".sidebar a[href='#/monitor']")
    page.click(f"[data-node='floor:{office.ids['floor']}']")
    expect(page.locator(".meter-tile")).to_have_count(FLOOR_METERS)
    settle(page)
    page.click("text=" + ("选中本页" if language == "zh-CN" else "Select this page"))
    assert page.input_value(".toolbar select") == "trip"
    page.click(".toolbar button.btn-primary[data-role=write]")
    assert str(FLOOR_METERS) in page.inner_text("[data-role=confirm-count]")
    page.click("[data-role=confirm]")
    page.wait_for_selector("[data-role=progress]")
    rows = page.locator(".dialog tbody tr")
    expect(rows).to_have_count(FLOOR_METERS)
    for n in range(FLOOR_METERS):
        expect(rows.nth(n)).to_have_attribute("data-state", "verified", timeout=60_000)
    shoot(page, "day-3-floor-tripped", language)
    assert all(fleet.meter(port, address).state.relay_open for address in range(1, FLOOR_METERS + 1))
    with office.app.app_context():
        states = database.session().scalars(select(Command.state)).all()
    assert states == [CommandState.VERIFIED] * FLOOR_METERS
    page.click(".dialog-foot .btn-primary")

    # Afternoon: the tenant takes 200 back; above the threshold, it waits for finance.
    go(page, f"/sales?account={account_id}")
    page.wait_for_selector(f".counter-account[data-account='{account_id}']")
    page.fill("input[name=amount]", "200.00")
    page.click("[data-action=refund]")
    page.fill(".dialog input[name=reason]", "moving to another floor")
    page.click(".dialog button[type=submit]")
    page.wait_for_selector("[data-role=held]")
    shoot(page, "day-4-refund-held", language)
    with office.app.app_context():
        refund = database.session().scalar(select(Sale).where(Sale.account_id == account_id,
                                                               Sale.status == SaleStatus.PENDING))
    page.click("[data-role=logout]")
    log_in(page, "finance")
    go(page, "/sales?status=pending")
    page.wait_for_selector(f"[data-sale='{refund.id}'] [data-action=approve]")
    settle(page)
    shoot(page, "day-5-approval", language)
    page.click(f"[data-sale='{refund.id}'] [data-action=approve]")
    expect(page.locator(f"[data-sale='{refund.id}']")).to_have_count(0)
    with office.app.app_context():
        approved = database.session().get(Sale, refund.id)
        assert approved.status == SaleStatus.COMPLETED and approved.approved_by_id != office.ids["admin"]

    # Evening: the account's statement, exported and read back.
    go(page, f"/tenants/{account_id}")
    page.wait_for_selector("[data-tab-body=statement] .data-table tbody tr")
    settle(page)
    shoot(page, "day-6-statement", language)
    with page.expect_download() as caught:
        page.click("[data-tab-body=statement] [data-role=export]")
    saved = tmp_path / caught.value.suggested_filename
    caught.value.save_as(saved)
    workbook = load_workbook(saved, read_only=True)  # keeps the file open until closed
    try:
        rows_read = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    header = rows_read[0]
    lines = [(row[header.index("kind")], row[header.index("amount")], row[header.index("balance")])
             for row in rows_read[1:]]
    assert lines[1:] == [("sale", Decimal("300.00"), Decimal("300.00")),
                         ("refund", Decimal("-200.00"), Decimal("100.00")),
                         ("closing balance", None, Decimal("100.00"))]
    # The day's sales journal from the report centre, read back from its workbook.
    go(page, "/reports/journal")
    page.wait_for_selector(".data-table tbody tr")
    settle(page)
    shoot(page, "day-7-journal", language)
    with page.expect_download() as caught:
        page.click("[data-role=export]")
    saved = tmp_path / caught.value.suggested_filename
    caught.value.save_as(saved)
    assert saved.name.startswith("wattkeeper-journal-")
    workbook = load_workbook(saved, read_only=True)
    try:
        rows_read = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    header = rows_read[0]
    columns = [header.index(name) for name in ("kind", "signed_amount", "account_number", "status")]
    journal = [tuple(row[i] for i in columns) for row in rows_read[1:]]
    with office.app.app_context():
        number = database.session().get(TenantAccount, account_id).number
    assert journal == [("recharge", Decimal("300.00"), number, "completed"),
                       ("refund", Decimal("-200.00"), number, "completed")]
    go(page, f"/tenants/{account_id}")
    page.wait_for_selector("[data-tab=commands]")

    # The account's commands: the floor's trip, as far as it reached this tenant's meter.
    page.click("[data-tab=commands]")
    commands = page.locator(".tabs ~ .table-wrap tbody tr")
    expect(commands).to_have_count(1)
    settle(page)
    assert serials[0] in commands.first.inner_text()
    assert page.locator(".tabs ~ .table-wrap tbody tr .cmd-verified").count() == 1
    shoot(page, "day-8-account-commands", language)
    assert watch.problems == []
    assert missing_words(page) == []
