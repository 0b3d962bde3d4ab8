"""The Registry and Tariffs screens in a real browser: every list and dialog in both languages,
the API's refusals on the fields they name, the Excel import wizard, a tariff draft taken from
editing through the dry run to publishing, and a viewer who may only look."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from backoffice import database
from shared_models import registry
from shared_models.models import AccountMeter, Meter, Reading, TenantAccount
from shared_models.models.metering import ReadingQuality
from shared_models.models.tariffs import TariffPlan, TariffPlanVersion, VersionStatus
from shared_models.types import utcnow
from tests.console.browser_kit import log_in, missing_words, settle, shoot

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _open(page, hash_path: str) -> None:
    page.goto(page.url.split("#")[0] + f"#{hash_path}")
    settle(page)


# Three tenants of our own whose meters were read twice since their accounts were opened: the
# seeded readings all predate the accounts, so a dry run of this month has these to weigh.
DRY_RUN_TENANTS = ("Tenant 50", "Tenant 51", "Tenant 52")


@pytest.fixture(scope="module")
def read_since_opening(office):
    with office.app.app_context():
        db = database.session()
        # Tenants are named "<surname>先生 Tenant <n>": found by the end of the name.
        links = [(link, account) for link, account in db.execute(
            select(AccountMeter, TenantAccount)
            .join(TenantAccount, TenantAccount.id == AccountMeter.account_id))
            if account.tenant_name.endswith(DRY_RUN_TENANTS)]
        assert len(links) == 3
        now = utcnow()
        for link, _account in links:
            last = db.scalar(select(Reading).where(Reading.meter_id == link.meter_id)
                             .order_by(Reading.read_at.desc()).limit(1))
            start = max(link.attached_at, last.read_at) + timedelta(seconds=1)
            for step, rise in ((0, Decimal("0.50")), (1, Decimal("3.00"))):
                db.add(Reading(meter_id=link.meter_id, read_at=start + (now - start) * step / 2,
                               total_energy=last.total_energy + rise, energy_sharp=Decimal(0),
                               energy_peak=Decimal(0), energy_flat=last.total_energy + rise,
                               energy_valley=Decimal(0), balance=Decimal(0), purchase_count=0,
                               status_bits=0, quality=ReadingQuality.GOOD, power_w=400))
        db.commit()
        # Other tests on the shared office may have read meters since opening too (the bills
        # screen's postpaid tenant): the dry run shows every such account, so expect them all.
        return sorted(set(db.scalars(
            select(TenantAccount.number).join(AccountMeter, AccountMeter.account_id == TenantAccount.id)
            .join(Reading, Reading.meter_id == AccountMeter.meter_id)
            .where(Reading.read_at > AccountMeter.attached_at,
                   Reading.quality.in_((ReadingQuality.GOOD, ReadingQuality.CATCH_UP))))))


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_registry_screen_and_its_dialogs(visit, language):
    page, watch = visit(language)
    log_in(page)
    page.click(".sidebar a[href='#/registry']")
    page.wait_for_selector("[data-kind=meters] .data-table tbody tr")
    settle(page)
    expect(page.locator(".data-table tbody tr")).to_have_count(20)  # the first page of 90
    shoot(page, "registry-meters", language)
    page.click("[data-node^=floor] >> nth=0")  # the tree narrows the list to one floor
    expect(page.locator(".data-table tbody tr")).to_have_count(10)
    for tab in ("sites", "buildings", "floors", "units", "gateways"):
        page.click(f".tabs [data-tab={tab}]")
        page.wait_for_selector(f"[data-kind={tab}] .data-table tbody tr")
        settle(page)
        shoot(page, f"registry-{tab}", language)
    assert page.locator("[data-kind=gateways] .chip").count() >= 3  # each gateway's buses

    page.click(".tabs [data-tab=sites]")
    page.click("[data-kind=sites] [data-action=edit] >> nth=0")
    page.wait_for_selector(".dialog #field-default_price")
    shoot(page, "registry-site-dialog", language)
    page.keyboard.press("Escape")
    page.click(".tabs [data-tab=meters]")
    page.click("[data-action=add]")
    page.wait_for_selector(".dialog #field-bus_id option", state="attached")
    shoot(page, "registry-meter-dialog", language)
    page.keyboard.press("Escape")
    page.click("[data-action=open-import]")
    page.wait_for_selector(".wizard")
    shoot(page, "registry-import", language)
    page.keyboard.press("Escape")
    assert watch.problems == []
    assert missing_words(page) == []


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_tariffs_screen_with_a_dry_run_and_the_editor(visit, language, read_since_opening):
    page, watch = visit(language)
    log_in(page)
    page.click(".sidebar a[href='#/tariffs']")
    page.wait_for_selector("[data-version] [data-band=valley]")
    page.wait_for_selector("[data-role=assignments] tbody tr")
    settle(page)
    shoot(page, "tariffs", language)
    page.click("[data-version] [data-action=dry-run]")
    page.wait_for_selector("[data-role=dry-run] .chart canvas")
    settle(page)
    rows = page.locator("[data-role=dry-run] tbody tr")
    assert sorted(rows.nth(n).locator("td").first.inner_text() for n in range(rows.count())) \
        == sorted(read_since_opening)
    page.locator("[data-role=dry-run]").scroll_into_view_if_needed()
    shoot(page, "tariffs-dry-run", language)
    page.click("[data-action=copy]")
    page.wait_for_selector("[data-role=draft-editor] [data-band=sharp]")  # the summer season
    shoot(page, "tariffs-editor", language)
    page.click("[data-action=new-plan]")
    page.wait_for_selector(".dialog #field-code")
    shoot(page, "tariffs-plan-dialog", language)
    page.keyboard.press("Escape")
    assert watch.problems == []
    assert missing_words(page) == []


def test_a_building_and_a_meter_through_the_dialog_with_the_apis_field_errors(visit):
    page, watch = visit("zh-CN")
    log_in(page)
    _open(page, "/registry?tab=buildings")
    page.click(".tree [data-node^=site] >> text=Elsewhere")
    watch.allowed.update({"/api/v1/buildings", "/api/v1/meters"})  # the refusals, on purpose
    page.click("[data-action=add]")
    page.select_option("#field-site_id", label="别处 Elsewhere")
    page.fill("#field-name", "C栋 Tower C")  # the site has it already
    page.click(".dialog button[type=submit]")
    error = page.locator(".form-row.has-error")
    expect(error).to_have_count(1)
    expect(error.locator("label")).to_have_text("名称")
    expect(error.locator(".field-error")).to_contain_text("C栋 Tower C")
    shoot(page, "registry-building-error", "zh-CN")
    page.fill("#field-name", "D栋 Tower D")
    page.click(".dialog button[type=submit]")
    expect(page.locator(".dialog")).to_have_count(0)
    expect(page.locator("[data-kind=buildings] tbody")).to_contain_text("D栋 Tower D")
    expect(page.locator(".tree")).to_contain_text("D栋 Tower D")  # the tree is read again

    page.click(".tabs [data-tab=meters]")
    page.click("[data-action=add]")
    page.fill("#field-serial_number", "WK0000000001")  # registered already
    page.select_option("#field-bus_id", label="GW-B1 · 总线 1")
    page.fill("#field-address", "31")
    page.click(".dialog button[type=submit]")
    error = page.locator(".form-row.has-error")
    expect(error).to_have_count(1)
    expect(error.locator("label")).to_have_text("表号")
    shoot(page, "registry-meter-error", "zh-CN")
    page.fill("#field-serial_number", "WKDIALOG01")
    page.click(".dialog button[type=submit]")
    expect(page.locator(".dialog")).to_have_count(0)
    page.click(".tree [data-node=all]")
    page.fill("input[name=search-serial_number]", "WKDIALOG01")
    page.click("[data-kind=meters] .search-form button[type=submit]")
    row = page.locator("[data-kind=meters] tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("GW-B1 · 总线 1")
    # Both go again, so the other screens' tests see the seeded registry.
    row.locator("[data-action=delete]").click()
    expect(page.locator("[data-role=confirm-text]")).to_contain_text("WKDIALOG01")
    page.click("[data-role=confirm]")
    expect(row).to_have_count(0)
    page.click(".tabs [data-tab=buildings]")
    built = page.locator("[data-kind=buildings] tbody tr", has_text="D栋 Tower D")
    built.locator("[data-action=delete]").click()
    page.click("[data-role=confirm]")
    expect(page.locator("[data-kind=buildings] tbody")).not_to_contain_text("D栋 Tower D")
    assert watch.problems == []


def _fill(path, gateways, meters):
    """The downloaded template with rows written under its own header."""
    book = load_workbook(path)
    try:
        for name, rows in (("Gateways", gateways), ("Meters", meters)):
            sheet = book[name]
            header = [cell.value for cell in sheet[1]]
            for row in rows:
                sheet.append([row.get(column) for column in header])
        book.save(path)
    finally:
        book.close()


@pytest.fixture
def imported_meters_removed(office):
    yield "WKIMPORT"
    with office.app.app_context():  # imported meters go again: other tests count every meter
        db = database.session()
        for meter in db.scalars(select(Meter).where(Meter.serial_number.startswith("WKIMPORT"))):
            registry.delete(db, meter)
        db.commit()


def test_the_import_wizard_lists_a_bad_rows_error_then_imports_a_good_workbook(
        visit, tmp_path, office, imported_meters_removed):
    page, watch = visit("en")
    log_in(page)
    _open(page, "/registry")
    page.click("[data-action=open-import]")
    with page.expect_download() as download:
        page.click("[data-action=template]")
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    gateway = {"site_code": "ELSEWHERE", "name": "GW-IMPORT", "host": "127.0.0.1", "port": 16001}
    meters = [{"serial_number": f"WKIMPORT{n}", "site_code": "ELSEWHERE", "gateway": "GW-IMPORT",
               "bus": 1, "address": address, "building": "C栋 Tower C", "floor": "1F",
               "unit": f"10{n}"} for n, address in ((1, 1), (2, 300), (3, 3))]
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(template.read_bytes())
    _fill(bad, [gateway], meters)
    page.set_input_files("input[name=workbook]", str(bad))
    watch.allowed.add("/api/v1/workbooks/registry/import")  # the refused dry run, on purpose
    page.click("[data-action=check]")
    refused = page.locator("[data-role=row-errors] tbody tr")
    expect(refused).to_have_count(1)
    assert refused.get_attribute("data-sheet") == "Meters"
    assert refused.get_attribute("data-row") == "3"  # the second meter, under the header
    assert refused.get_attribute("data-column") == "address"
    assert page.is_disabled("[data-action=import]")
    shoot(page, "registry-import-errors", "en")

    good = tmp_path / "good.xlsx"
    good.write_bytes(template.read_bytes())
    meters[1]["address"] = 2
    _fill(good, [gateway], meters)
    page.set_input_files("input[name=workbook]", str(good))
    page.click("[data-action=check]")
    page.wait_for_selector("[data-role=import-ready]")
    assert page.inner_text("[data-count=meters] b") == "3"
    assert page.inner_text("[data-count=gateways] b") == "1"
    assert page.locator("[data-role=preview] tbody tr").count() == 3
    shoot(page, "registry-import-ready", "en")
    page.click("[data-action=import]")
    page.wait_for_selector("[data-role=import-done]")
    shoot(page, "registry-import-done", "en")
    with office.app.app_context():
        serials = database.session().scalars(select(Meter.serial_number).where(
            Meter.serial_number.startswith("WKIMPORT")).order_by(Meter.serial_number)).all()
    assert serials == ["WKIMPORT1", "WKIMPORT2", "WKIMPORT3"]
    page.click(".dialog-foot .btn >> nth=0")
    page.click(".tabs [data-tab=gateways]")
    expect(page.locator("[data-kind=gateways] tbody")).to_contain_text("GW-IMPORT")
    assert watch.problems == []


def test_a_tariff_draft_is_edited_tried_and_published(visit, tmp_path, office, read_since_opening):
    page, watch = visit("en")
    log_in(page)
    _open(page, "/tariffs")
    page.click("[data-action=new-plan]")
    page.fill("#field-code", "TRY-TOU")
    page.fill("#field-name", "Trial TOU")
    page.click(".dialog button[type=submit]")
    page.wait_for_selector(".plan-row.chosen >> text=Trial TOU")
    settle(page)
    assert page.locator("[data-version]").count() == 0
    page.click("[data-action=new-draft]")
    editor = page.locator("[data-role=draft-editor]")
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date().isoformat()
    page.fill("input[name=effective_from]", tomorrow)
    page.check("input[name=time-of-use]")
    page.fill("input[name=price-peak]", "1.1000")
    page.fill("input[name=price-flat]", "0.6000")
    page.fill("input[name=price-valley]", "0.3000")
    periods = editor.locator(".period-rows tbody tr")
    periods.nth(0).locator("input >> nth=1").fill("08:00")
    periods.nth(0).locator("select").select_option("valley")
    editor.locator("[data-action=add-period]").click()
    periods.nth(1).locator("input >> nth=0").fill("09:00")  # leaves 08:00-09:00 uncovered
    periods.nth(1).locator("select").select_option("peak")
    expect(editor.locator("[data-band=gap]")).to_have_count(1)
    plan_id = page.get_attribute(".plan-row.chosen", "data-plan")
    watch.allowed.add(f"/api/v1/tariffs/plans/{plan_id}/versions")  # the refused draft, on purpose
    editor.locator("button[type=submit]").click()
    refusal = editor.locator("[data-section=time-of-use] .field-error")
    expect(refusal).to_contain_text("08:00-09:00")
    shoot(page, "tariffs-editor-error", "en")
    periods.nth(1).locator("input >> nth=0").fill("08:00")
    expect(editor.locator("[data-band=gap]")).to_have_count(0)
    editor.locator("button[type=submit]").click()

    draft = page.locator("[data-version][data-status=draft]")
    expect(draft).to_have_count(1)
    expect(draft.locator("[data-band=peak]")).to_have_count(1)
    dry_run = page.locator("[data-role=dry-run]")
    dry_run.locator(".chart canvas").wait_for()
    expect(dry_run.locator("tbody tr")).to_have_count(len(read_since_opening))
    with page.expect_download() as download:
        dry_run.locator("[data-role=export]").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    book = load_workbook(saved, read_only=True)
    try:
        lines = list(book["Dry run"].iter_rows(values_only=True))
    finally:
        book.close()
    assert sorted(line[0] for line in lines[1:-1]) == sorted(read_since_opening)
    assert lines[-1][0] == "TOTAL"

    draft.locator("[data-action=publish]").click()
    expect(page.locator("[data-role=confirm-text]")).to_contain_text(tomorrow)
    shoot(page, "tariffs-publish", "en")
    page.click("[data-role=confirm]")
    expect(page.locator("[data-version][data-status=published]")).to_have_count(1)
    expect(page.locator("[data-version][data-status=draft]")).to_have_count(0)
    with office.app.app_context():
        version = database.session().scalar(select(TariffPlanVersion).join(TariffPlan)
                                            .where(TariffPlan.code == "TRY-TOU"))
        assert version.status is VersionStatus.PUBLISHED
        assert version.tariff["time_of_use"]["day_plan"] == [["00:00", "08:00", "valley"],
                                                               ["08:00", "24:00", "peak"]]
    assert watch.problems == []


def test_a_plan_is_given_to_meters_and_an_account_and_taken_back(visit):
    page, watch = visit("zh-CN")
    log_in(page)
    _open(page, "/tariffs")
    assignments = page.locator("[data-role=assignments]")
    assignments.locator("tbody tr").first.wait_for()
    page.fill("input[name=meter-serials]", "WK0000000088, WK0000000089")
    assignments.locator("button[type=submit]").click()
    rows = assignments.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(assignments).to_contain_text("WK0000000089")
    shoot(page, "tariffs-assigned", "zh-CN")
    for serial in ("WK0000000088", "WK0000000089"):
        assignments.locator("tbody tr", has_text=serial).locator("button").click()
        expect(assignments.locator("tbody tr", has_text=serial)).to_have_count(0)
    expect(rows).to_have_count(1)
    page.fill("[data-role=assignments] input[name=account-search]", "Tenant 53")
    page.click("[data-role=assignments] .picker-hits li >> nth=0")
    account = assignments.locator("tbody tr", has_text="DEMO-000053")
    expect(account).to_have_count(1)
    expect(account).to_contain_text("账户")
    account.locator("button").click()
    expect(rows).to_have_count(1)  # the site default only, as seeded
    assert watch.problems == []


def test_a_viewer_sees_no_write_buttons_on_either_screen(visit):
    page, watch = visit("zh-CN")
    log_in(page, "viewer")
    _open(page, "/registry")
    page.wait_for_selector("[data-kind=meters] tbody tr")
    for tab in ("sites", "gateways", "meters"):
        page.click(f".tabs [data-tab={tab}]")
        page.wait_for_selector(f"[data-kind={tab}] tbody tr")
        assert page.locator("[data-role=write]").count() == 0
    assert page.locator("[data-role=export]").count() == 1  # looking is allowed
    _open(page, "/tariffs")
    page.wait_for_selector("[data-version]")
    settle(page)
    assert page.locator("[data-role=write]").count() == 0
    assert page.locator("[data-action=dry-run]").count() >= 1
    assert page.locator("input[name=meter-serials]").count() == 0
    shoot(page, "tariffs-viewer", "zh-CN")
    assert watch.problems == []
