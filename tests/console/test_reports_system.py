"""The report centre, the System screen and one's own login (password, two-step verification)
in a real browser: every tab in both languages with no errors, failed requests or untranslated
words; an export checked against the screen; a token issued once and revoked; the log's chain
verified (a tampered log is in test_system_kiosks); TOTP enrolled from the QR on screen and
then asked for at login; a password changed; what a viewer, an auditor and an operator of
another site see."""

from __future__ import annotations

import base64
import re
from decimal import Decimal

import pyotp
import pytest
import zxingcpp
from openpyxl import load_workbook
from playwright.sync_api import expect

from backoffice import database
from backoffice.auth.accounts import issue_token, save_operator
from shared_models.enums import Role
from tests.console.browser_kit import PASSWORD, log_in, missing_words, settle, shoot

pytestmark = [pytest.mark.slow, pytest.mark.browser]

REPORT_TABS = ("totals", "journal", "statements", "energy", "alarms", "lost", "sms")
SYSTEM_TABS = ("operators", "roles", "kiosks", "tokens", "log")


@pytest.fixture(scope="module")
def staff(office):
    """This module's own operators: a kiosk device with a token, an auditor, and one each for
    the TOTP, password and token tests."""
    with office.app.app_context():
        db = database.session()
        made = {}
        for username, role in (("lobby-kiosk-c2", Role.KIOSK), ("auditor-c2", Role.AUDITOR),
                               ("totp-c2", Role.OPERATOR), ("password-c2", Role.OPERATOR),
                               ("tokens-c2", Role.KIOSK)):
            made[username] = save_operator(db, {"username": username, "password": PASSWORD,
                                                "role": role, "all_sites": True}).id
        issue_token(db, made["lobby-kiosk-c2"], "Lobby kiosk A", 365)
        db.commit()
    return made


def go(page, hash_path: str) -> None:
    page.goto(page.url.split("#")[0] + f"#{hash_path}")


def open_tab(page, module: str, tab: str) -> None:
    page.click(f".page-tabs [data-tab={tab}]")
    expect(page.locator(f".page-tabs [data-tab={tab}]")).to_have_class("page-tab active")
    expect(page.locator(".breadcrumb li")).to_have_count(3)
    settle(page)


def rows(page):
    """The list's rows (not those of a table inside a cell, like a log entry's changes)."""
    return page.locator(".table-scroll > .data-table > tbody > tr")


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_report_and_system_tab_as_admin(visit, staff, language):
    page, watch = visit(language)
    log_in(page)
    page.click(".sidebar a[href='#/reports']")
    page.wait_for_selector(".page-tabs")
    settle(page)
    assert page.url.endswith("#/reports")
    for tab in REPORT_TABS:
        open_tab(page, "reports", tab)
        if tab == "statements":
            page.fill("input[name=account-search]", "Tenant 7")
            page.click(".picker-hits li >> nth=0")
            page.wait_for_selector(".statement-summary")
            settle(page)
            assert page.inner_text("[data-role=closing]") == "¥12.00"
        if tab in ("totals", "energy"):
            page.wait_for_selector(".chart canvas")
        if tab != "lost":
            expect(rows(page).first).to_be_visible()
        else:
            expect(page.locator(".list-screen").nth(0).locator("tbody tr")).to_have_count(5)
            expect(page.locator(".list-screen").nth(1).locator("tbody tr")).to_have_count(1)
        shoot(page, f"reports-{tab}", language)
        if tab == "totals":  # by month, split by channel: a month's row per channel
            page.select_option("select[name=period]", "month")
            page.check("input[name=by-channel]")
            settle(page)
            first = rows(page).first.locator("td")
            assert re.fullmatch(r"\d{4}-\d{2}", first.nth(0).inner_text())
            assert first.nth(2).inner_text() in ("Cash", "现金")
    page.click(".sidebar a[href='#/system']")
    page.wait_for_selector(".page-tabs")
    for tab in SYSTEM_TABS:
        open_tab(page, "system", tab)
        if tab == "roles":
            expect(page.locator(".role-card")).to_have_count(6)
        else:
            expect(rows(page).first).to_be_visible()
        shoot(page, f"system-{tab}", language)
    page.click("[data-role=user-menu]")
    shoot(page, "user-menu", language)
    assert watch.problems == []
    assert missing_words(page) == []


def test_a_report_export_has_the_rows_on_screen(visit, tmp_path):
    page, watch = visit("en")
    log_in(page)
    go(page, "/reports/journal")
    page.wait_for_selector(".data-table tbody tr")
    page.select_option("select[name=kind]", "refund")
    settle(page)
    shown = [(row.locator("td").nth(2).inner_text(), row.locator("td").nth(5).inner_text())
             for row in rows(page).all()]
    assert len(shown) >= 7 and all(amount.startswith("¥-") for _receipt, amount in shown)
    with page.expect_download() as download:
        page.click("[data-role=export]")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("wattkeeper-journal-") and saved.suffix == ".xlsx"
    book = load_workbook(saved, read_only=True)
    try:
        lines = list(book["Journal"].iter_rows(values_only=True))
    finally:
        book.close()
    header = lines[0]
    receipt, kind, signed = (header.index(name) for name in ("receipt_number", "kind", "signed_amount"))
    exported = sorted((str(line[receipt]), Decimal(str(line[signed]))) for line in lines[1:])
    assert {line[kind] for line in lines[1:]} == {"refund"}
    assert exported == sorted((number, Decimal(amount.replace("¥", ""))) for number, amount in shown)
    assert watch.problems == []


def test_a_token_is_shown_once_then_revoked(visit, office, staff):
    page, watch = visit("en")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=office.url)
    log_in(page)
    go(page, "/system/tokens")
    page.wait_for_selector(".data-table tbody tr")
    page.click("button:has-text('Issue a token')")
    page.fill("#field-name", "Tower B kiosk")
    page.select_option("#field-operator_id", str(staff["tokens-c2"]))
    page.click(".dialog button[type=submit]")
    secret = page.input_value("#issued-token")
    assert secret.startswith("wk_") and len(secret) > 30
    shoot(page, "system-token-issued", "en")
    page.click("[data-role=copy]")
    expect(page.locator(".issued [role=status]")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    bearer = {"Authorization": f"Bearer {secret}"}
    # a kiosk's token: known (403 for what a kiosk may not do), not refused as unknown (401)
    assert page.request.get(f"{office.url}/api/v1/sales", headers=bearer).status == 403
    page.click(".dialog-foot button:has-text('Close')")
    row = rows(page).filter(has_text="Tower B kiosk")
    expect(row).to_have_count(1)
    assert secret not in page.content()  # shown once: the list has the prefix only
    assert secret.startswith(row.locator("code").inner_text().rstrip("…"))
    row.locator("button:has-text('Revoke')").click()
    page.click("[data-role=confirm]")
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "revoked")
    assert row.locator("button:has-text('Revoke')").count() == 0
    watch.allowed.add("/api/v1/sales")  # the refusals asked for above
    assert page.request.get(f"{office.url}/api/v1/sales", headers=bearer).status == 401
    assert watch.problems == []


def test_the_log_filters_and_verifies_its_chain(visit):
    page, watch = visit("zh-CN")
    log_in(page)
    go(page, "/system/log")
    page.wait_for_selector(".data-table tbody tr")
    page.fill("input[name=actor_name]", "admin")
    page.select_option("select[name=action]", "login")
    page.click(".search-form button[type=submit]")
    settle(page)
    actions = {row.locator("td").nth(4).inner_text() for row in rows(page).all()}
    assert actions == {"登录"}
    page.click("[data-role=verify]")
    expect(page.locator("[data-role=verify-result]")).to_contain_text("日志链完整")
    shoot(page, "system-log-verified", "zh-CN")
    assert watch.problems == []
    assert missing_words(page) == []


def _code_on_screen(page) -> str:
    """Decode the QR the page shows, as a phone would: its pixels, read by zxing."""
    drawn = page.evaluate("""async () => {
        const img = document.querySelector('[data-role=totp-qr]');
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.width; canvas.height = img.height;
        const paint = canvas.getContext('2d');
        paint.fillStyle = '#fff'; paint.fillRect(0, 0, canvas.width, canvas.height);
        paint.drawImage(img, 0, 0, canvas.width, canvas.height);
        const rgba = paint.getImageData(0, 0, canvas.width, canvas.height).data;
        let grey = '';
        for (let i = 0; i < rgba.length; i += 4) grey += String.fromCharCode(rgba[i]);
        return { width: canvas.width, height: canvas.height, grey: btoa(grey) };
    }""")
    pixels = memoryview(base64.b64decode(drawn["grey"])).cast("B", (drawn["height"], drawn["width"]))
    return [found.text for found in zxingcpp.read_barcodes(pixels)][0]


def test_totp_enrolled_from_the_screen_then_asked_at_login_then_removed(visit, staff):
    page, watch = visit("zh-CN")
    log_in(page, "totp-c2")
    page.click("[data-role=user-menu]")
    page.click("[data-menu=totp]")
    page.click("[data-role=totp-start]")
    page.wait_for_selector("[data-role=totp-qr]")
    shoot(page, "totp-enrol", "zh-CN")
    uri = _code_on_screen(page)
    assert uri.startswith("otpauth://totp/Wattkeeper:totp-c2")
    totp = pyotp.parse_uri(uri)
    assert totp.secret == page.inner_text("[data-role=totp-secret]")
    watch.allowed.add("/api/v1/auth/totp/enable")  # the wrong code, on purpose
    page.fill("#field-code", "000000" if totp.now() != "000000" else "111111")
    page.click(".dialog button[type=submit]")
    expect(page.locator(".form-row.has-error .field-error")).to_have_count(1)
    page.fill("#field-code", totp.now())
    page.click(".dialog button[type=submit]")
    expect(page.locator("[data-role=totp-state]")).to_contain_text("下次登录")
    page.keyboard.press("Escape")
    page.click("[data-role=logout]")
    page.wait_for_selector("#username")
    page.fill("#username", "totp-c2")
    page.fill("#password", PASSWORD)
    watch.allowed.add("/api/v1/auth/login")  # the answer that asks for the code
    page.click("button[type=submit]")
    page.wait_for_selector("#totp")
    page.fill("#totp", totp.now())
    page.click("button[type=submit]")
    page.wait_for_selector(".shell")
    page.click("[data-role=user-menu]")
    page.click("[data-menu=totp]")
    page.fill("#field-code", totp.now())
    page.click(".dialog button[type=submit]")
    expect(page.locator("[data-role=totp-state]")).to_contain_text("已关闭")
    page.keyboard.press("Escape")
    page.click("[data-role=logout]")
    log_in(page, "totp-c2")  # a password alone is enough again
    assert watch.problems == []
    assert missing_words(page) == []


def test_password_change_shows_the_apis_errors_then_carries_on(visit, staff):
    page, watch = visit("en")
    log_in(page, "password-c2")
    page.click("[data-role=user-menu]")
    page.click("[data-menu=password]")
    watch.allowed.add("/api/v1/auth/password")  # the two refusals, on purpose
    page.fill("#field-current_password", "not my password")
    page.fill("#field-new_password", "a brand new password")
    page.fill("#field-repeat", "a brand new password")
    page.click(".dialog button[type=submit]")
    expect(page.locator(".form-row.has-error label")).to_have_text("Current password")
    page.fill("#field-current_password", PASSWORD)
    page.fill("#field-new_password", "short")
    page.fill("#field-repeat", "short")
    page.click(".dialog button[type=submit]")
    expect(page.locator(".form-row.has-error label")).to_have_text("New password")
    shoot(page, "password-error", "en")
    page.fill("#field-new_password", "a brand new password")
    page.fill("#field-repeat", "a brand new password")
    page.click(".dialog button[type=submit]")
    page.wait_for_selector("[data-role=password-changed]")
    page.keyboard.press("Escape")
    page.click(".sidebar a[href='#/alarms']")  # the session goes on
    page.wait_for_selector(".data-table tbody tr")
    page.click("[data-role=logout]")
    page.wait_for_selector("#username")
    page.fill("#username", "password-c2")
    page.fill("#password", "a brand new password")
    page.click("button[type=submit]")
    page.wait_for_selector(".shell")
    assert watch.problems == []


def test_a_viewer_has_no_system_and_an_auditor_no_write_buttons(visit, staff):
    page, watch = visit("zh-CN")
    log_in(page, "viewer")
    assert page.locator(".sidebar a[href='#/system']").count() == 0
    go(page, "/system/tokens")
    page.wait_for_selector(".tiles")  # sent to the first module it may open
    assert page.locator("[data-role=write]").count() == 0
    page.click("[data-role=logout]")
    log_in(page, "auditor-c2")
    page.click(".sidebar a[href='#/system']")
    page.wait_for_selector(".data-table tbody tr")
    settle(page)
    assert [tab.get_attribute("data-tab") for tab in page.locator(".page-tabs a").all()] == [
        "operators", "roles", "kiosks", "log"]
    assert page.locator("[data-role=write]").count() == 0
    open_tab(page, "system", "log")
    expect(rows(page).first).to_be_visible()
    assert page.locator("[data-role=write]").count() == 0
    shoot(page, "system-auditor", "zh-CN")
    assert watch.problems == []


def test_an_operator_of_another_site_sees_none_of_the_demo_sites_figures(visit):
    page, watch = visit("en")
    log_in(page, "elsewhere")
    go(page, "/reports/totals")
    page.wait_for_selector(".page-tabs")
    settle(page)
    assert rows(page).count() == 0 and page.locator(".chart").count() == 0
    for tab in ("journal", "alarms", "sms"):
        open_tab(page, "reports", tab)
        assert rows(page).count() == 0, tab
    open_tab(page, "reports", "lost")
    assert rows(page).count() == 0
    open_tab(page, "reports", "energy")
    expect(rows(page)).to_have_count(1)
    assert rows(page).first.inner_text().split("\t")[:2] == ["ELSEWHERE", "C栋 Tower C"]
    open_tab(page, "reports", "statements")
    page.fill("input[name=account-search]", "Tenant")
    settle(page)
    assert page.locator(".picker-hits li").count() == 0
    shown = page.inner_text(".page")
    assert "DEMO" not in shown and "Harbour" not in shown
    assert watch.problems == []


def test_an_operator_created_scoped_edited_unlocked_and_disabled(visit, office):
    page, watch = visit("zh-CN")
    log_in(page)
    go(page, "/system/operators")
    page.wait_for_selector(".data-table tbody tr")
    page.click("button:has-text('新增操作员')")
    page.fill("#field-username", "scoped-c2")
    page.fill("#field-display_name", "Scoped")
    page.fill("#field-password", "short")
    page.select_option("#field-role", "operator")
    page.check(".ticks label:has-text('Elsewhere') input")
    watch.allowed.add("/api/v1/operators")  # the short password, refused on purpose
    page.click(".dialog button[type=submit]")
    expect(page.locator(".form-row.has-error label")).to_have_text("密码")
    page.fill("#field-password", PASSWORD)
    page.click(".dialog button[type=submit]")
    expect(page.locator(".dialog")).to_have_count(0)
    row = rows(page).filter(has_text="scoped-c2")
    expect(row).to_contain_text("别处 Elsewhere")
    expect(row).to_contain_text("操作员")

    row.locator("button:has-text('修改')").click()
    page.select_option("#field-role", "viewer")
    page.check("#field-all_sites")
    expect(page.locator(".ticks")).to_have_count(0)  # every site: no list to tick
    shoot(page, "system-operator-edit", "zh-CN")
    page.click(".dialog button[type=submit]")
    expect(row).to_contain_text("查看者")
    expect(row).to_contain_text("全部项目")

    watch.allowed.add("/api/v1/auth/login")
    for _ in range(5):  # wrong passwords until the username is locked
        answer = page.request.post(f"{office.url}/api/v1/auth/login",
                                   data={"username": "scoped-c2", "password": "not the password"})
        assert answer.status in (401, 429)
    open_tab(page, "system", "roles")
    open_tab(page, "system", "operators")
    row = rows(page).filter(has_text="scoped-c2")
    expect(row.locator(".state-locked")).to_have_count(1)
    row.locator("button:has-text('解锁')").click()
    expect(row.locator(".state-locked")).to_have_count(0)
    row.locator("button:has-text('停用')").click()
    expect(row).to_contain_text("已停用")
    expect(row.locator("button:has-text('启用')")).to_have_count(1)
    assert page.request.post(f"{office.url}/api/v1/auth/login", data={
        "username": "scoped-c2", "password": PASSWORD}).status == 401  # disabled: refused
    assert watch.problems == []
    assert missing_words(page) == []
