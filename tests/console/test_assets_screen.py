"""Metering assets in the console: stock, the rotation plan, a scrap request approved by a second
person, arrival batches; every tab in both languages, with screenshots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backoffice import database
from shared_models.assets import arrivals, lifecycle, scrapping, verification
from shared_models.models import Meter, MeterAsset, Operator
from tests.console.browser_kit import log_in, missing_words, settle, shoot

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def assets(office):
    """A batch of three (two verified, one of them dispatched to the demo site, the third asked
    to be scrapped by finance), and one demo meter installed eight years ago less a week."""
    with office.app.app_context():
        db = database.session()
        finance = db.scalar(select(Operator.id).where(Operator.username == "finance"))
        batch = arrivals.receive(db, {"number": "CON-B1", "supplier": "华立 Holley",
                                      "model": "DDSY-1", "quantity": 3,
                                      "arrived_on": date(2026, 11, 20),
                                      "serials": ["CON-A1", "CON-A2", "CON-A3"]},
                                 operator_id=office.ids["admin"])
        arrivals.sample(db, batch.id, {"passed": 3, "failed": 0}, operator_id=finance)
        ids = [a for a in db.scalars(select(MeterAsset.id)
                                     .where(MeterAsset.batch_id == batch.id))]
        for asset_id in ids:
            verification.verify(db, asset_id, {
                "verified_on": date(2026, 11, 22), "laboratory": "市计量院",
                "certificate_number": f"JD-{asset_id}", "result": "passed",
                "error_percent": "0.1", "accuracy_class": "2", "next_due": date(2034, 11, 22)},
                operator_id=office.ids["admin"])
        lifecycle.dispatch(db, ids[0], office.ids["site"], operator_id=office.ids["admin"])
        request = scrapping.request(db, ids[2], "外壳破损 cracked case", operator_id=finance)
        meter = db.scalar(select(Meter).where(Meter.site_id == office.ids["site"])
                          .order_by(Meter.id).limit(1))
        asset = lifecycle.asset_of_meter(db, meter.id)
        asset.installed_at = datetime.now(UTC) - timedelta(days=8 * 365 - 7)
        db.commit()
        return {"scrap": request.id, "due_serial": meter.serial_number, "scrapped": ids[2]}


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_assets_tab_in_both_languages(visit, assets, language):
    page, watch = visit(language)
    log_in(page)
    for tab in ("stock", "rotation", "scrap", "batches"):
        page.goto(page.url.split("#")[0] + f"#/assets/{tab}")
        page.wait_for_selector(f"[data-tab={tab}].active")
        settle(page)
        shoot(page, f"assets-{tab}", language)
        assert watch.problems == [], tab
        assert missing_words(page) == [], tab
    page.goto(page.url.split("#")[0] + "#/assets/rotation")
    expect(page.locator("tr", has_text=assets["due_serial"])).to_have_count(1)
    page.goto(page.url.split("#")[0] + "#/assets/stock")
    expect(page.locator("tr", has_text="DDSY-1").locator(".tag-asset-dispatched")).to_have_count(1)


def test_a_second_person_approves_the_scrap_request(visit, assets):
    page, watch = visit("en")
    log_in(page)
    page.goto(page.url.split("#")[0] + "#/assets/scrap")
    row = page.locator("tr", has_text="cracked case")
    row.locator("[data-action=approve]").click()
    settle(page)
    expect(page.locator("tr", has_text="cracked case")).to_have_count(0)  # no longer waiting
    page.select_option("select[name=state]", "approved")
    expect(page.locator("tr", has_text="cracked case")).to_have_count(1)
    shoot(page, "assets-scrap-approved", "en")
    assert watch.problems == []
