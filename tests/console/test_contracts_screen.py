"""The contracts screen: the demo's signed contract listed in both languages with its state
and PDF, a renewal list, and the PDF downloaded is the one whose hash the contract keeps."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backoffice import database
from shared_models.contracts import renewals
from shared_models.models.contracts import SupplyContract
from tests.console.browser_kit import log_in, missing_words, settle, shoot

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def renewals_due(office):
    """The demo's contract runs 5 years: a lead time longer than that puts it on the list."""
    with office.app.app_context():
        db = database.session()
        renewals.save_settings(db, office.ids["site"], renewal_lead_days=366)
        contract = db.scalar(select(SupplyContract).where(SupplyContract.number == "HT-DEMO-000001"))
        contract.ends_on = contract.starts_on + timedelta(days=200)  # a short (temporary) supply
        db.commit()


@pytest.mark.parametrize("language, in_force", [("zh-CN", "生效中"), ("en", "In force")])
def test_contracts_list_shows_the_signed_contract(visit, language, in_force, renewals_due):
    page, watch = visit(language)
    log_in(page)
    page.goto(page.url.split("#")[0] + "#/contracts")
    row = page.locator(".data-table tbody tr", has_text="HT-DEMO-000001")
    expect(row.locator(".tag-contract-in_force")).to_have_text(in_force)
    settle(page)
    shoot(page, "contracts", language)
    page.check("text=" + ("待续签" if language == "zh-CN" else "Renewals due"))
    expect(page.locator(".data-table tbody tr", has_text="HT-DEMO-000001")).to_have_count(1)
    settle(page)
    shoot(page, "contracts-renewals", language)
    assert watch.problems == [] and missing_words(page) == []


def test_the_pdf_downloaded_matches_its_recorded_hash(visit):
    page, watch = visit("en")
    log_in(page)
    page.goto(page.url.split("#")[0] + "#/contracts")
    row = page.locator(".data-table tbody tr", has_text="HT-DEMO-000001")
    recorded = row.locator("button", has_text="PDF").get_attribute("title").split()[-1]
    with page.expect_download() as started:
        row.locator("button", has_text="PDF").click()
    path = started.value.path()
    assert started.value.suggested_filename == "HT-DEMO-000001.pdf"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == recorded
    assert watch.problems == []
