"""The protected (保电) badge: counted on the dashboard, its tile opens the monitor filtered to
protected meters, each shown with the blue badge over its status, as tiles and in the table."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from backoffice import database
from shared_models.metering.status_list import status_query
from shared_models.models import AccountMeter, Meter, TenantAccount
from shared_models.models.accounts import ArrearsRule
from tests.console.browser_kit import log_in, settle, shoot

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _protect_the_last_account(office) -> tuple[str, int]:
    """This test's own pick: the demo site's newest account with a meter becomes protected.
    Returns that meter's serial number and how many meters are protected now."""
    with office.app.app_context():
        db = database.session()
        account = db.scalars(select(TenantAccount).join(AccountMeter,
                             AccountMeter.account_id == TenantAccount.id)
                             .where(TenantAccount.site_id == office.ids["site"],
                                    AccountMeter.detached_at.is_(None))
                             .order_by(TenantAccount.id.desc()).limit(1)).one()
        account.arrears_rule = ArrearsRule.PROTECT
        serial = db.scalar(select(Meter.serial_number).join(
            AccountMeter, AccountMeter.meter_id == Meter.id).where(
            AccountMeter.account_id == account.id, AccountMeter.detached_at.is_(None)))
        db.commit()
        rows = status_query(protected=True).subquery()
        return serial, db.scalar(select(func.count()).select_from(rows))


def test_protected_meters_are_counted_filtered_and_badged(visit, office):
    serial, protected = _protect_the_last_account(office)
    page, watch = visit("en")
    log_in(page)
    page.wait_for_selector("[data-tile=protected]")
    settle(page)
    assert int(page.inner_text("[data-tile=protected] .tile-count")) == protected
    page.click("[data-tile=protected]")
    expect(page.locator(".meter-tile")).to_have_count(protected)
    assert page.is_checked("input[name=protected]")
    tile = page.locator(".meter-tile", has_text=serial)
    expect(tile.locator(".tag-protected")).to_have_text("Protected")
    expect(page.locator(".meter-tile .tag-protected")).to_have_count(protected)
    settle(page)
    shoot(page, "monitor-protected", "en")
    page.click(".view-toggle button >> nth=1")
    row = page.locator(".data-table tbody tr", has_text=serial)
    expect(row.locator(".tag-protected")).to_have_count(1)
    page.uncheck("input[name=protected]")
    expect(page.locator(".meter-tile, .data-table tbody tr")).not_to_have_count(protected)
    settle(page)
    assert watch.problems == []
