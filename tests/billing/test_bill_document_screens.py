"""The printable bill in Chromium, in Chinese and in English: screenshots to look at, and the
page checked for what a tenant reads on it (no untranslated words, every figure there)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from shared_models.billing import workflow
from tests.billing.kit import cutoff_after
from tests.console.browser_kit import CHROMIUM, CHROMIUM_FLAGS
from tests.settlement_kit import TOU, local

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "billing"


@pytest.fixture
def released_bill(kit, db):
    """A shop on a time-of-use tariff with a fixed charge, billed for part of a month and released."""
    meter = kit.meter()
    kit.tou_plan([meter], {**TOU, "monthly_charge": "15.00"})
    account = kit.postpaid(meter)
    flat = ["1000.00", "1003.50", "1008.00", "1008.00", "1012.25"]
    peak = ["500.00", "500.00", "502.00", "506.75", "510.00"]
    for n, (f, p) in enumerate(zip(flat, peak, strict=True)):
        kit.read(meter, local(kit.day(), 7, 30) + n * (local(kit.day(), 1) - local(kit.day(), 0)),
                 str(Decimal(f) + Decimal(p)), registers=("0", p, f, "0"))
        kit.settle(meter)
    [bill] = kit.run(cutoff_after(kit.day()))
    workflow.review(db, bill.id, kit.operator.id, "first month on postpaid")
    workflow.release(db, bill.id, kit.operator.id)
    db.commit()
    return bill, account


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_bill_prints_in_both_languages(client, auth_headers, released_bill, lang):
    from playwright.sync_api import sync_playwright

    bill, _account = released_bill
    viewer = auth_headers("viewer")
    html = client.get(f"/api/v1/billing/bills/{bill.id}/document?lang={lang}", headers=viewer).text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = client.get(f"/api/v1/billing/bills/{bill.id}/pdf?lang={lang}", headers=viewer).data
    (ARTIFACTS / f"bill-{lang}.pdf").write_bytes(pdf)  # to look at beside the screenshot
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 900, "height": 1100},
                                locale="zh-CN" if lang == "zh" else "en-US")
        page.set_content(html)
        page.screenshot(path=str(ARTIFACTS / f"bill-document-{lang}.png"), full_page=True)
        text = page.inner_text("body")
        browser.close()
    assert str(bill.charges) in text and str(bill.due_date) in text
    if lang == "zh":
        assert "电费账单" in text and "峰" in text and "基本电费" in text
        assert "Amount due" not in text and "Peak" not in text
    else:
        assert "Electricity bill" in text and "Peak" in text and "Fixed charge" in text
