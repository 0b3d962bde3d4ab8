"""Kiosk devices under System in a real browser: registered with its token shown once and
copied, seen when it calls, revoked after a confirmation and then refused; an auditor reads
the list with no button. And the system log's verify against a log really tampered with: one
row's content changed by UPDATE through a raw database connection, as an intruder with the
database's password would, named and flagged on screen."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, select, text

from backoffice import database
from backoffice.auth import kiosks
from backoffice.auth.accounts import save_operator
from shared_models.append_only import protect, unprotect
from shared_models.enums import Role
from shared_models.models import Site
from tests.console.browser_kit import PASSWORD, log_in, missing_words, settle, shoot

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def lobby(office):
    """A kiosk registered at the demo site (never called yet) and an auditor of this module."""
    with office.app.app_context():
        db = database.session()
        site_id = db.scalar(select(Site.id).where(Site.code == "DEMO"))
        device, _token = kiosks.register(db, site_id, "大堂 Lobby K1")
        save_operator(db, {"username": "auditor-k1", "password": PASSWORD,
                           "role": Role.AUDITOR, "all_sites": True})
        db.commit()
        return device.id


def go(page, hash_path: str) -> None:
    page.goto(page.url.split("#")[0] + f"#{hash_path}")


def rows(page):
    return page.locator(".table-scroll > .data-table > tbody > tr")


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_kiosk_devices_listed_with_their_site(visit, lobby, language):
    page, watch = visit(language)
    log_in(page)
    page.click(".sidebar a[href='#/system']")
    page.click(".page-tabs [data-tab=kiosks]")
    row = rows(page).filter(has_text="大堂 Lobby K1")
    expect(row).to_have_count(1)
    settle(page)
    expect(row.locator("td").nth(1)).to_have_text("海湾花园 Harbour View")
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "valid")
    expect(row.locator("td").nth(4)).to_have_text("从未" if language == "zh-CN" else "Never")
    shoot(page, "system-kiosks", language)
    page.click("[data-action=register]")
    page.wait_for_selector(".dialog #field-site_id")
    shoot(page, "system-kiosk-register", language)
    assert watch.problems == []
    assert missing_words(page) == []


def test_a_kiosk_registered_shown_once_seen_then_revoked(visit, office, lobby):
    page, watch = visit("en")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=office.url)
    log_in(page)
    go(page, "/system/kiosks")
    page.wait_for_selector(".data-table tbody tr")
    settle(page)
    page.click("[data-action=register]")
    watch.allowed.add("/api/v1/kiosk-devices")  # the empty name, refused on purpose
    page.click(".dialog button[type=submit]")
    expect(page.locator(".form-row.has-error label")).to_have_text("Name")
    page.fill("#field-name", "Tower B lobby")
    page.click(".dialog button[type=submit]")
    secret = page.input_value("#issued-token")
    assert secret.startswith("wk_") and len(secret) > 30
    expect(page.locator("[data-role=shown-once]")).to_contain_text("It will not be shown again")
    shoot(page, "system-kiosk-registered", "en")
    page.click("[data-role=copy]")
    expect(page.locator(".issued [role=status]")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    page.click(".dialog-foot button:has-text('Close')")
    row = rows(page).filter(has_text="Tower B lobby")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(4)).to_have_text("Never")
    assert secret not in page.content()  # shown once

    # The kiosk calls with its token: the list shows when.
    bearer = {"Authorization": f"Bearer {secret}"}
    device = page.request.get(f"{office.url}/api/v1/kiosk/device", headers=bearer)
    assert device.status == 200, device.text()
    page.click(".page-tabs [data-tab=log]")
    page.click(".page-tabs [data-tab=kiosks]")
    row = rows(page).filter(has_text="Tower B lobby")
    expect(row.locator("td").nth(4)).to_have_text(re.compile(r"^\d\d/\d\d/\d{4}, \d\d:\d\d$"))

    row.locator("[data-role=write]:has-text('Revoke')").click()
    expect(page.locator("[data-role=confirm-text]")).to_contain_text("Tower B lobby")
    shoot(page, "system-kiosk-revoke", "en")
    page.click("[data-role=confirm]")
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "revoked")
    assert row.locator("[data-role=write]").count() == 0
    watch.allowed.add("/api/v1/kiosk/device")
    assert page.request.get(f"{office.url}/api/v1/kiosk/device", headers=bearer).status == 401
    assert watch.problems == []


def test_an_auditor_reads_the_kiosks_with_no_button(visit, lobby):
    page, watch = visit("zh-CN")
    log_in(page, "auditor-k1")
    page.click(".sidebar a[href='#/system']")
    page.click(".page-tabs [data-tab=kiosks]")
    expect(rows(page).filter(has_text="大堂 Lobby K1")).to_have_count(1)
    settle(page)
    assert [tab.get_attribute("data-tab") for tab in page.locator(".page-tabs a").all()] == [
        "operators", "roles", "kiosks", "log"]
    assert page.locator("[data-role=write]").count() == 0
    assert watch.problems == []


@contextmanager
def tampered(office, entry_id: int):
    """One log row's actor changed behind the application's back (the append-only guard
    dropped, the row updated, the guard put back, as an intruder with the database's password
    would), then restored so the tests after this one find the office's log whole."""
    engine = create_engine(office.app.config["DATABASE_URL"])
    try:
        with engine.begin() as connection:
            original = connection.execute(text("SELECT actor_name FROM audit_log WHERE id = :id"),
                                          {"id": entry_id}).scalar_one()
            unprotect(connection, "audit_log")
            connection.execute(text("UPDATE audit_log SET actor_name = 'nobody' WHERE id = :id"),
                               {"id": entry_id})
            protect(connection, "audit_log")
        yield
    finally:
        with engine.begin() as connection:
            unprotect(connection, "audit_log")
            connection.execute(text("UPDATE audit_log SET actor_name = :name WHERE id = :id"),
                               {"name": original, "id": entry_id})
            protect(connection, "audit_log")
        engine.dispose()


def test_a_row_changed_in_the_database_is_flagged_by_verify(visit, office):
    page, watch = visit("en")
    log_in(page)
    go(page, "/system/log")
    page.wait_for_selector(".data-table tbody tr")
    settle(page)
    page.click("[data-role=verify]")
    expect(page.locator("[data-role=verify-result]")).to_contain_text("Chain intact")
    victim = rows(page).nth(2)
    victim_id = victim.locator("td").first.inner_text()
    written = victim.locator("td").nth(1).inner_text()
    with tampered(office, int(victim_id)):
        page.click("[data-role=verify]")
        verdict = page.locator("[data-role=verify-result]")
        expect(verdict).to_contain_text(f"Broken at row {victim_id}")
        expect(verdict.locator("[data-role=broken-row]")).to_have_text(f"written {written} by nobody")
        expect(verdict.locator("[data-role=broken-reason]")).to_contain_text("changed after it was written")
        flagged = page.locator("tr.row-broken")
        expect(flagged).to_have_count(1)
        expect(flagged.locator("[data-role=broken-flag]")).to_have_text(f"✗ {victim_id}")
        settle(page)
        assert rows(page).nth(2).get_attribute("class") == "row-broken"  # the very row shown,
        expect(rows(page).nth(2).locator("td").nth(2)).to_have_text("nobody")  # as it is now
        shoot(page, "system-log-broken", "en")
        page.click("[data-role=show-broken]")
        expect(rows(page)).to_have_count(1)
        expect(rows(page).first.locator("[data-role=broken-flag]")).to_have_text(f"✗ {victim_id}")

        page.click("[data-lang=zh-CN]")
        page.wait_for_selector("[data-role=verify]")
        settle(page)
        page.click("[data-role=verify]")
        expect(page.locator("[data-role=verify-result]")).to_contain_text(f"第 {victim_id} 行断链")
        expect(page.locator("tr.row-broken")).to_have_count(1)
        shoot(page, "system-log-broken", "zh-CN")
    page.click("[data-role=verify]")  # restored: whole again
    expect(page.locator("[data-role=verify-result]")).to_contain_text("日志链完整")
    assert watch.problems == []
    assert missing_words(page) == []
