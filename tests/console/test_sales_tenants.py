"""The counter and the tenant pages in a real browser: open an account on two meters, add, take
off and swap meters, close it; a refund held above the threshold and approved by another person;
a reversal; the receipt's two layouts and a reprint; closing a shift with its cash report.

These change meters and money, so the module has a back office of its own (seeded as the shared
one): the exact counts the other console tests check stay as they were."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from backoffice import database
from shared_models.enums import MeterStatus
from shared_models.errors import RuleViolation
from shared_models.models import Meter, MeterSwap, Sale, Shift, Site, TenantAccount
from shared_models.models.sales import SaleStatus
from shared_models.sales import accounts, shifts
from tests.console.browser_kit import log_in, missing_words, seed_console_demo, serve_office, settle, shoot

pytestmark = [pytest.mark.slow, pytest.mark.browser]

_names = itertools.count(1)


@pytest.fixture(scope="module")
def office(tmp_path_factory, redis_url):
    with serve_office(tmp_path_factory.mktemp("sales-tenants-db"), redis_url, seed_console_demo) as served:
        yield served


def fresh_account(office, balance: str) -> tuple[int, str]:
    """An account of this test's own on the newest free meter, its balance carried over."""
    with office.app.app_context():
        db = database.session()
        site = db.scalar(select(Site).where(Site.code == "DEMO"))
        meter = db.scalar(select(Meter).where(Meter.site_id == site.id,
                                              Meter.status == MeterStatus.NOT_OPENED)
                          .order_by(Meter.id.desc()).limit(1))
        account = accounts.open_account(db, {
            "site_id": site.id, "tenant_name": f"Counter tenant {next(_names)}", "phone": "13900000000",
            "meter_ids": [meter.id], "opening_balance": Decimal(balance), "carried_over_from": "OLD-1"},
            operator_id=office.ids["admin"])
        db.commit()
        return account.id, account.number


def ensure_shift(office) -> None:
    """The admin's open shift at the demo site: an opening balance paid now is a sale."""
    with office.app.app_context():
        db = database.session()
        site_id = db.scalar(select(Site.id).where(Site.code == "DEMO"))
        try:
            shifts.current(db, office.ids["admin"], site_id)
        except RuleViolation:
            shifts.open_shift(db, office.ids["admin"], site_id)
            db.commit()


def sale(office, sale_id: int) -> Sale:
    with office.app.app_context():
        return database.session().get(Sale, sale_id)


def go(page, hash_path: str) -> None:
    page.goto(page.url.split("#")[0] + f"#{hash_path}")


def choose_account(page, number: str, account_id: int) -> None:
    page.fill("input[name=account-search]", number)
    page.click(f"li[data-account='{account_id}']")
    page.wait_for_selector(f".counter-account[data-account='{account_id}']")


def open_shift_if_needed(page) -> None:
    settle(page)
    if page.locator("[data-action=open-shift]").count():
        page.click("[data-action=open-shift]")
    page.wait_for_selector("input[name=account-search]")


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_open_an_account_on_two_meters_add_take_off_swap_and_close(visit, office, language, tmp_path):
    ensure_shift(office)
    page, watch = visit(language)
    log_in(page)
    go(page, "/tenants")
    page.click("[data-action=open-account-dialog]")
    page.wait_for_selector("[data-free-meter]")
    settle(page)
    shoot(page, "tenant-open-account", language)
    free = page.locator("[data-free-meter]")
    first, second = (free.nth(n).get_attribute("data-free-meter") for n in (0, 1))
    page.click(f"[data-free-meter='{first}'] input")
    page.click(f"[data-free-meter='{second}'] input")
    assert first in page.inner_text("[data-role=chosen-meters]")
    tenant = f"Two-meter tenant {language}"
    page.fill("input[name=tenant_name]", tenant)
    page.fill("input[name=phone]", "13700001111")
    page.check("input[name=opening][value=paid]")
    page.fill("input[name=opening_balance]", "50.00")
    shoot(page, "tenant-open-account-filled", language)
    page.click("[data-action=open-account]")
    page.wait_for_selector("[data-role=account-meters]")
    settle(page)
    expect(page.locator("[data-role=account-meters] tbody tr")).to_have_count(2)
    assert page.inner_text("[data-role=balance]") == "¥50.00"
    assert tenant in page.inner_text(".account-head h2")
    page.wait_for_selector(".chart canvas")
    shoot(page, "tenant-account-page", language)
    page.click("[data-granularity=month]")
    settle(page)
    assert page.locator("[data-granularity=month].on").count() == 1

    page.click("[data-action=add-meters]")
    page.wait_for_selector(".dialog [data-free-meter]")
    settle(page)
    third = page.locator(".dialog [data-free-meter]").first.get_attribute("data-free-meter")
    page.click(f".dialog [data-free-meter='{third}'] input")
    shoot(page, "tenant-add-meters", language)
    page.click(".dialog [data-role=confirm]")
    expect(page.locator("[data-role=account-meters] tbody tr")).to_have_count(3)
    page.click(f"[data-role=account-meters] tr[data-meter='{third}'] [data-action=remove]")
    shoot(page, "tenant-take-off", language)
    page.click(".dialog [data-role=confirm]")
    expect(page.locator("[data-role=account-meters] tbody tr")).to_have_count(2)

    page.click(f"[data-role=account-meters] tr[data-meter='{first}'] [data-action=swap]")
    page.wait_for_selector(".dialog [data-free-meter]")
    settle(page)
    shoot(page, "tenant-swap-1-new-meter", language)
    expect(page.locator(".dialog [data-action=next]")).to_be_disabled()
    fresh = page.locator(".dialog [data-free-meter]").first.get_attribute("data-free-meter")
    page.click(f".dialog [data-free-meter='{fresh}'] input")
    page.click(".dialog [data-action=next]")
    assert page.input_value("input[name=old_final_reading]")  # the last reading, offered
    page.fill("input[name=reason]", "display broken")
    shoot(page, "tenant-swap-2-readings", language)
    page.click(".dialog [data-action=next]")
    assert "¥50.00" in page.inner_text("[data-role=balance-transfer]")
    shoot(page, "tenant-swap-3-balance", language)
    page.click(".dialog [data-action=next]")
    summary = page.inner_text("[data-role=swap-summary]")
    assert first in summary and fresh in summary
    shoot(page, "tenant-swap-4-confirm", language)
    page.click(".dialog [data-role=confirm]")
    expect(page.locator(f"[data-role=account-meters] tr[data-meter='{fresh}']")).to_have_count(1)
    expect(page.locator(f"[data-role=account-meters] tr[data-meter='{first}']")).to_have_count(0)
    account_id = int(page.url.rsplit("/", 1)[1])
    with office.app.app_context():
        db = database.session()
        swap = db.scalar(select(MeterSwap).where(MeterSwap.account_id == account_id))
        assert (swap.reason, db.get(Meter, swap.old_meter_id).serial_number) == ("display broken", first)
        assert db.get(Meter, swap.new_meter_id).serial_number == fresh

    for tab in ("statement", "sales", "alarms", "commands", "sms"):
        page.click(f"[data-tab={tab}]")
        settle(page)
        shoot(page, f"tenant-tab-{tab}", language)
    page.click("[data-tab=statement]")
    page.wait_for_selector(".data-table tbody tr")
    assert page.inner_text("[data-role=closing]") == "¥50.00"
    with page.expect_download() as caught:
        page.click("[data-tab-body=statement] [data-role=export]")
    saved = tmp_path / caught.value.suggested_filename
    caught.value.save_as(saved)
    assert saved.name.startswith("wattkeeper-statement-") and saved.name.endswith(".xlsx")
    workbook = load_workbook(saved, read_only=True)  # keeps the file open until closed
    try:
        lines = [dict(zip(rows[0], row, strict=False)) for rows in
                 [list(workbook.worksheets[0].iter_rows(values_only=True))] for row in rows[1:]]
        about = [str(c) for row in workbook.worksheets[1].iter_rows(values_only=True) for c in row if c]
    finally:
        workbook.close()
    # The opening line, the sale of the opening balance, the closing line.
    assert [(line["kind"], line["amount"], line["balance"]) for line in lines][1:] == [
        ("sale", Decimal("50.00"), Decimal("50.00")), ("closing balance", None, Decimal("50.00"))]
    assert any(tenant in cell for cell in about)

    page.click("[data-action=close-account]")
    shoot(page, "tenant-close-account", language)
    page.click(".dialog button[type=submit]")
    page.wait_for_selector(".overlay", state="detached")
    settle(page)
    assert page.inner_text("[data-role=balance]") == "¥0.00"
    with office.app.app_context():
        assert database.session().get(TenantAccount, account_id).status.value == "closed"
    assert page.locator("[data-action=close-account]").count() == 0
    assert watch.problems == []
    assert missing_words(page) == []


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_refund_above_the_threshold_waits_then_another_person_approves(visit, office, language):
    account_id, number = fresh_account(office, "300.00")  # the demo site holds refunds over ¥130
    page, watch = visit(language)
    log_in(page)
    go(page, "/sales")
    open_shift_if_needed(page)
    choose_account(page, number, account_id)
    page.fill("input[name=amount]", "200.00")
    page.click("[data-action=refund]")
    assert page.input_value(".dialog input[name=amount]") == "200.00"
    page.fill(".dialog input[name=reason]", "moving out")
    shoot(page, "sales-refund-dialog", language)
    page.click(".dialog button[type=submit]")
    page.wait_for_selector("[data-role=held]")
    assert "200.00" in page.inner_text("[data-role=held]")
    assert page.inner_text(".counter [data-role=balance]") == "¥100.00"
    settle(page)
    shoot(page, "sales-refund-held", language)
    pending = office_sale(office, account_id, SaleStatus.PENDING)

    # The one who made the refund may not approve it: the API refuses and the screen says why.
    watch.allowed.add(f"/api/v1/sales/{pending}/approve")
    page.click(f"[data-sale='{pending}'] [data-action=approve]")
    page.wait_for_selector(".list-screen .form-error")
    settle(page)
    shoot(page, "sales-approve-refused", language)
    assert sale(office, pending).status == SaleStatus.PENDING

    page.click("[data-role=logout]")
    log_in(page, "finance")
    go(page, "/sales?status=pending")
    page.wait_for_selector(f"[data-sale='{pending}'] [data-action=approve]")
    settle(page)
    shoot(page, "sales-approval-queue", language)
    page.click(f"[data-sale='{pending}'] [data-action=approve]")
    expect(page.locator(f"[data-sale='{pending}']")).to_have_count(0)  # left the queue
    approved = sale(office, pending)
    assert approved.status == SaleStatus.COMPLETED and approved.receipt_number
    with office.app.app_context():
        finance = database.session().execute(
            select(Sale.approved_by_id).where(Sale.id == pending)).scalar_one()
    assert finance not in (None, office.ids["admin"])
    assert watch.problems == []
    assert missing_words(page) == []


def office_sale(office, account_id: int, status: SaleStatus) -> int:
    with office.app.app_context():
        return database.session().scalar(select(Sale.id).where(Sale.account_id == account_id,
                                                                Sale.status == status))


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_receipt_layouts_reprint_reversal_and_the_shift_report(visit, office, language):
    account_id, number = fresh_account(office, "10.00")
    page, watch = visit(language)
    log_in(page)
    go(page, "/sales")
    open_shift_if_needed(page)
    choose_account(page, number, account_id)
    page.fill("input[name=amount]", "30.00")
    page.click("[data-action=recharge]")
    frame = page.wait_for_selector("iframe.receipt-frame")
    settle(page)
    receipt = page.frame_locator("iframe.receipt-frame")
    expect(receipt.locator("body.layout-80mm")).to_have_count(1)
    expect(receipt.locator("body")).to_contain_text("30.00")
    assert "receipt-80mm" in frame.get_attribute("class")
    shoot(page, "sales-receipt-80mm", language)
    page.click("[data-layout=a4]")
    expect(receipt.locator("body.layout-a4")).to_have_count(1)
    assert "receipt-a4" in page.get_attribute("iframe.receipt-frame", "class")
    shoot(page, "sales-receipt-a4", language)
    page.click("[data-role=reprint]")
    expect(receipt.locator("[data-copy='1']")).to_have_count(1)
    shoot(page, "sales-receipt-reprint", language)
    page.click(".dialog-foot .btn >> nth=0")

    recharge = office_sale(office, account_id, SaleStatus.COMPLETED)
    assert sale(office, recharge).reprint_count == 1
    page.click(f"[data-sale='{recharge}'] [data-action=reverse]")
    expect(page.locator(".dialog [data-role=confirm]")).to_be_disabled()  # a reason first
    page.fill(".dialog input[name=reason]", "wrong amount typed")
    assert "30.00" in page.inner_text("[data-role=confirm-text]")
    shoot(page, "sales-reversal", language)
    page.click(".dialog [data-role=confirm]")
    page.wait_for_selector("iframe.receipt-frame")
    expect(page.frame_locator("iframe.receipt-frame").locator("body")).to_contain_text("冲正")
    page.click(".dialog-foot .btn >> nth=0")
    assert sale(office, recharge).status == SaleStatus.REVERSED
    assert page.inner_text(".counter [data-role=balance]") in ("¥40.00", "¥10.00")

    page.click("[data-action=close-shift-dialog]")
    page.wait_for_selector("[data-role=cash-report]")
    settle(page)
    shoot(page, "sales-shift-report", language)
    shift_id = int(page.get_attribute("[data-role=cash-report]", "data-shift"))
    page.click("[data-action=close-shift]")
    page.wait_for_selector("[data-role=print]")
    expect(page.locator(".dialog-head h2")).to_have_text("Shift closed" if language == "en" else "班次已结束")
    with office.app.app_context():
        db = database.session()
        report = shifts.cash_report(db, db.get(Shift, shift_id))
    assert page.inner_text("[data-role=net-total]") == f"¥{report['net_total']}"
    assert {(t["kind"].value, t["count"]) for t in report["totals"]} >= {("reversal", 1)}
    shoot(page, "sales-shift-closed", language)
    page.click(".dialog-foot .btn >> nth=0")
    page.wait_for_selector("[data-action=open-shift]")
    assert watch.problems == []
    assert missing_words(page) == []


def test_closing_an_account_above_the_threshold_leaves_its_refund_waiting(visit, office):
    ensure_shift(office)
    account_id, _number = fresh_account(office, "200.00")
    page, watch = visit("en")
    log_in(page)
    go(page, f"/tenants/{account_id}")
    page.wait_for_selector("[data-action=close-account]")
    page.click("[data-action=close-account]")
    assert "¥200.00" in page.inner_text(".form-intro")
    page.click(".dialog button[type=submit]")
    page.wait_for_selector("[data-role=held]")
    assert "¥200.00" in page.inner_text("[data-role=held]")
    settle(page)
    shoot(page, "tenant-closed-refund-held", "en")
    held = office_sale(office, account_id, SaleStatus.PENDING)
    assert sale(office, held).reason == "account closed"
    with office.app.app_context():
        assert database.session().get(TenantAccount, account_id).status.value == "closed"
    assert watch.problems == []
