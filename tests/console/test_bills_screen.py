"""The bills screen: a run's bills, the flagged one reviewed with a note, a clean one released,
in Chinese and English (screenshots of both)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from backoffice import database
from shared_models.billing import workflow
from shared_models.billing.modes import set_billing_mode
from shared_models.billing.runs import calculate_drafts, make_drafts, open_run
from shared_models.ledger.books import wallet_of
from shared_models.metering.meter_states import state_of
from shared_models.models import Reading
from shared_models.models.accounts import BillingMode
from shared_models.models.billing import Bill
from shared_models.models.metering import ReadingQuality
from shared_models.settlement import settle_meters
from shared_models.types import utcnow
from tests.console.browser_kit import _remote_accounts, log_in, missing_words, settle, shoot
from tests.console.sweep import each_screen

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def bills(office):
    """Three tenants of the demo site made postpaid; one uses 5 kWh after the switch, two
    nothing. The clean bill is reviewed and released; the others wait, flagged (one for each
    language's test to accept)."""
    app, site_id, admin_id = office.app, office.ids["site"], office.ids["admin"]
    with app.app_context():
        db = database.session()
        now = utcnow()
        chosen = sorted(_remote_accounts(db, type("S", (), {"id": site_id})),
                        key=lambda pair: wallet_of(db, pair[0]).balance)[-3:]
        for account_id, _meter in chosen:
            set_billing_mode(db, account_id, BillingMode.POSTPAID, now=now)
        account_id, meter_id = chosen[0]
        # Read after the switch (the seed's readings predate the accounts): a base, then 5 kWh.
        total = db.scalar(select(Reading.total_energy).where(Reading.meter_id == meter_id)
                          .order_by(Reading.id.desc()).limit(1))
        for minutes, used in ((1, 0), (31, 5)):
            reading = Reading(meter_id=meter_id, read_at=now + timedelta(minutes=minutes),
                              total_energy=total + used, energy_sharp=0, energy_peak=0,
                              energy_flat=total + used, energy_valley=0, balance=Decimal(0),
                              purchase_count=0, status_bits=0, quality=ReadingQuality.GOOD, power_w=400)
            db.add(reading)
            db.flush()
            state = state_of(db, meter_id)
            state.last_reading_id, state.last_read_at = reading.id, reading.read_at
            settle_meters(db, [meter_id], now=reading.read_at)
        today = now.date()
        cutoff = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        run = open_run(db, site_id, cutoff, operator_id=admin_id)
        make_drafts(db, run)
        calculate_drafts(db, run, limit=100)
        clean = db.scalar(select(Bill).where(Bill.run_id == run.id, Bill.account_id == account_id))
        assert clean.flags == "", (clean.flags, clean.energy_kwh, clean.energy_amount)
        workflow.review(db, clean.id, admin_id)
        workflow.release(db, clean.id, admin_id)
        db.commit()
        return {b.account_id: b.id for b in db.scalars(select(Bill).where(Bill.run_id == run.id))}


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_the_bills_screen_lists_a_run_and_its_review_queue(visit, bills, language):
    page, watch = visit(language)
    log_in(page, "finance")
    for screen in each_screen(page):
        if screen == "bills":
            break
    settle(page)
    rows = page.locator("[data-bill]")
    assert rows.count() >= 2
    assert page.locator("[data-action=review]").count() >= 1  # the flagged bill waits
    shoot(page, "screen-bills", language)
    page.click("[data-action=review]")
    page.wait_for_selector("#ask-value")
    shoot(page, "screen-bills-review", language)
    page.fill("#ask-value", "shop closed" if language == "en" else "本月停业")
    page.click("[data-role=confirm]")
    settle(page)
    assert watch.problems == []
    assert missing_words(page) == []
