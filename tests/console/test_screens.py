"""Every console screen in a real browser, as an admin in Chinese and English, and as a viewer:
no console errors, no failed requests, no untranslated words; screenshots for people to look at."""

from __future__ import annotations

import pyotp
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from backoffice import database
from backoffice.auth import sessions
from tests.console.browser_kit import PASSWORD, TOTP_SECRET, log_in, missing_words, settle, shoot

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_screen_as_admin(visit, language):
    page, watch = visit(language)
    page.wait_for_selector("#username")
    shoot(page, "login", language)
    log_in(page)
    page.wait_for_selector(".tiles [data-tile=opened]")
    page.wait_for_selector(".chart canvas")  # ECharts came when the chart was first shown
    settle(page)
    shoot(page, "dashboard", language)
    tiles = {name: int(page.inner_text(f"[data-tile={name}] .tile-count"))
             for name in ("opened", "alarm1", "alarm2", "arrears", "not_opened", "lost_comm")}
    assert tiles == {"opened": 48, "alarm1": 4, "alarm2": 2, "arrears": 2, "not_opened": 29,
                     "lost_comm": 5}
    assert page.inner_text("[data-tile=gateways] .queue-count") == "1"
    assert page.inner_text("[data-tile=refunds] .queue-count") == "1"

    page.click("[data-tile=arrears]")
    page.wait_for_selector(".meter-tile")
    settle(page)
    assert page.locator(".meter-tile").count() == 2
    page.select_option("select[name=status]", "")
    expect(page.locator(".meter-tile")).to_have_count(90)
    shoot(page, "monitor", language)
    page.click("[data-node^=floor] >> nth=0")
    expect(page.locator(".meter-tile")).to_have_count(10)
    page.click(".view-toggle button >> nth=1")
    page.wait_for_selector(".data-table tbody tr")
    settle(page)
    shoot(page, "monitor-table", language)

    page.click(".sidebar a[href='#/alarms']")
    page.wait_for_selector(".data-table tbody tr")
    settle(page)
    shoot(page, "alarms", language)

    page.click(".sidebar a[href='#/tenants']")
    page.wait_for_selector(".data-table tbody tr")
    settle(page)
    shoot(page, "tenants", language)
    page.fill("input[name=q]", "Tenant 7")
    page.click(".search-form button[type=submit]")
    expect(page.locator(".data-table tbody tr")).to_have_count(1)
    page.click(".data-table tbody a")
    page.wait_for_selector("[data-role=balance]")
    page.wait_for_selector(".chart canvas")
    settle(page)
    assert page.inner_text("[data-role=balance]") == "¥12.00"
    shoot(page, "account", language)

    page.click(".sidebar a[href='#/sales']")
    page.wait_for_selector(".data-table tbody tr")
    settle(page)
    page.wait_for_selector(".counter select option", state="attached")
    shoot(page, "sales", language)
    assert watch.problems == []
    assert missing_words(page) == []


def test_viewer_sees_no_write_buttons(visit):
    page, watch = visit("zh-CN")
    log_in(page, "viewer")
    page.goto(page.url.split("#")[0] + "#/monitor")
    page.wait_for_selector(".meter-tile")
    assert page.locator("[data-role=write]").count() == 0
    assert page.locator(".meter-tile input[type=checkbox]").count() == 0
    page.click(".sidebar a[href='#/alarms']")
    page.wait_for_selector(".data-table tbody tr")
    assert page.locator("[data-role=write]").count() == 0
    page.goto(page.url.split("#")[0] + "#/tenants/1")
    page.wait_for_selector("[data-role=balance]")
    settle(page)
    assert page.locator("[data-role=write]").count() == 0
    page.click(".sidebar a[href='#/sales']")
    page.wait_for_selector(".sale-pending")
    assert page.locator(".counter").count() == 0
    assert page.locator("[data-role=write]").count() == 0
    assert watch.problems == []


def test_an_ended_session_returns_to_login_then_to_the_same_screen(visit, office):
    page, watch = visit("en")
    log_in(page)
    page.goto(page.url.split("#")[0] + "#/alarms?active=false")
    page.wait_for_selector(".search-form")
    with office.app.app_context():
        sessions.revoke_all(database.session(), office.ids["admin"])
        database.session().commit()
    watch.allowed.add("/api/v1/alarms")  # the refused call that tells the console
    page.select_option(".search-form select >> nth=0", "true")
    page.wait_for_selector("#username")
    assert "ended" in page.inner_text(".notice")
    log_in(page)
    page.wait_for_selector(".search-form")
    assert page.url.endswith("#/alarms?active=false")
    assert watch.problems == []


def test_batch_trip_says_how_many_then_follows_each_command(visit):
    page, watch = visit("en")
    log_in(page)
    page.goto(page.url.split("#")[0] + "#/monitor?status=opened")
    page.wait_for_selector(".meter-tile")
    for n in range(3):
        page.click(f".meter-tile input >> nth={n}")
    page.click("button[data-role=write]")
    assert "3 meters" in page.inner_text("[data-role=confirm-count]")
    page.click("[data-role=confirm]")
    page.wait_for_selector("[data-role=progress]")
    rows = page.locator(".dialog tbody tr")
    assert rows.count() == 3
    assert {rows.nth(n).get_attribute("data-state") for n in range(3)} <= {
        "queued", "sent", "acknowledged", "verified", "failed", "expired"}
    shoot(page, "monitor-batch", "en")
    assert watch.problems == []


def test_counter_recharge_finds_the_account_fast_and_shows_the_receipt(visit):
    page, watch = visit("zh-CN")
    log_in(page)
    page.goto(page.url.split("#")[0] + "#/sales")
    page.click(".counter button[data-role=write]")  # open a shift
    page.fill("input[name=account-search]", "Tenant 8")
    page.click(".picker-hits li >> nth=0")
    expect(page.locator("[data-role=balance]")).to_have_text("¥12.00")
    watch.allowed.add("/api/v1/sales/recharges")  # the refused amount below, on purpose
    page.fill("#amount", "12.345")
    page.click(".counter-form button[type=submit]")
    expect(page.locator(".counter-form .field-error")).to_have_count(1)
    page.fill("#amount", "50")
    page.click(".counter-form button[type=submit]")
    page.wait_for_selector(".receipt-frame")
    expect(page.frame_locator(".receipt-frame").locator("body")).to_contain_text("50.00")
    expect(page.locator("[data-role=balance]")).to_have_text("¥62.00")
    shoot(page, "sales-receipt", "zh-CN")
    assert watch.problems == []


def test_a_second_person_approves_a_held_refund(visit):
    page, watch = visit("en")
    log_in(page, "finance")
    page.goto(page.url.split("#")[0] + "#/sales?status=pending")
    page.wait_for_selector(".sale-pending")
    page.click("button:has-text('Approve')")
    expect(page.locator(".sale-pending")).to_have_count(0)
    assert watch.problems == []


def test_login_asks_for_the_one_time_code_after_the_password(visit):
    page, watch = visit("en")
    page.fill("#username", "guarded")
    page.fill("#password", PASSWORD)
    watch.allowed.add("/api/v1/auth/login")  # the answer that asks for the code
    page.click("button[type=submit]")
    page.wait_for_selector("#totp")
    shoot(page, "login-code", "en")
    page.fill("#totp", pyotp.TOTP(TOTP_SECRET).now())
    page.click("button[type=submit]")
    page.wait_for_selector(".shell")
    assert watch.problems == []


def test_monitor_exports_the_list_it_shows(visit, tmp_path):
    page, watch = visit("en")
    log_in(page)
    page.goto(page.url.split("#")[0] + "#/monitor?status=arrears")
    expect(page.locator(".meter-tile")).to_have_count(2)
    with page.expect_download() as download:
        page.click("[data-role=export]")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.endswith(".xlsx")
    workbook = load_workbook(saved, read_only=True)  # keeps the file open until closed
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    serials = {row[1] for row in rows[1:] if row and row[1]}
    assert serials == {"WK0000000001", "WK0000000002"}
    assert watch.problems == []


def test_language_and_folded_sidebar_are_remembered(visit):
    page, watch = visit("en")  # switched to English on the login page
    log_in(page)
    page.click(".topbar .icon-btn")
    page.wait_for_selector(".shell.collapsed")
    settle(page)  # a reload in the middle of a call would abort it
    shoot(page, "dashboard-folded", "en")
    page.reload()
    page.wait_for_selector(".shell.collapsed")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text(".sidebar a.active").strip() == "▦"  # icons only when folded
    page.click("[data-lang=zh-CN]")
    expect(page.locator(".breadcrumb")).to_contain_text("首页")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert watch.problems == []


def test_the_dialog_form_shows_the_apis_field_errors_on_their_fields(visit):
    page, watch = visit("zh-CN")
    log_in(page)
    page.goto(page.url.split("#")[0] + "#/tenants/3")
    page.wait_for_selector("[data-role=balance]")
    page.click("button:has-text('修改')")
    page.fill("#field-alarm1_threshold", "-5")
    watch.allowed.add("/api/v1/accounts/3")  # the refused change, on purpose
    page.click(".dialog button[type=submit]")
    error = page.locator(".form-row.has-error")
    expect(error).to_have_count(1)
    expect(error.locator("label")).to_have_text("报警1阈值")
    shoot(page, "account-edit-error", "zh-CN")
    page.fill("#field-alarm1_threshold", "30")
    page.fill("#field-phone", "13912345678")
    page.click(".dialog button[type=submit]")
    expect(page.locator(".dialog")).to_have_count(0)
    expect(page.locator(".account-head")).to_contain_text("13912345678")
    assert watch.problems == []


def test_an_operator_of_another_site_sees_nothing_of_the_demo_site(visit):
    page, watch = visit("en")
    log_in(page, "elsewhere")
    page.wait_for_selector("[data-tile=opened]")
    settle(page)
    assert page.inner_text(".panel-title .muted") == "0 meters"
    assert page.inner_text("[data-tile=refunds] .queue-count") == "0"
    page.click(".sidebar a[href='#/monitor']")
    page.wait_for_selector(".tree [data-node^=building]")
    settle(page)
    assert page.inner_text(".tree").count("Harbour View") == 0
    assert page.locator(".meter-tile").count() == 0
    page.click(".sidebar a[href='#/tenants']")
    page.fill("input[name=q]", "Tenant")
    page.click(".search-form button[type=submit]")
    settle(page)
    assert page.locator(".data-table tbody tr").count() == 0
    assert watch.problems == []
