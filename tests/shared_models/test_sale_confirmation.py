"""A sale's confirmation SMS, written in one INSERT, says what `notify()` would have said."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from shared_models.models import SmsMessage, SmsSettings
from shared_models.notifications.sms import notify, notify_sale, recharge_context
from shared_models.sales.accounts import open_account

DAYTIME = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
COMPARED = ("site_id", "account_id", "kind", "body", "phone", "state", "attempts",
            "next_attempt_at", "not_before", "last_error", "created_at")


@pytest.fixture
def make_account(db, make_site, make_gateway, make_meter):
    def make(phone: str):
        site = make_site(sms_sender="物业电费")
        meter = make_meter(bus=make_gateway(site=site).buses[0])
        return open_account(db, {"site_id": site.id, "tenant_name": "张三", "phone": phone,
                                 "meter_ids": [meter.id]}, operator_id=None)

    return make


@pytest.mark.parametrize("settings", [None, True, False], ids=["defaults", "on", "off"])
@pytest.mark.parametrize("phone", ["138 0013 8000", "", "010-62345678"],
                         ids=["mobile", "none", "landline"])
def test_the_confirmation_matches_notify(db, make_account, settings, phone):
    account = make_account(phone=phone)
    if settings is not None:
        db.add(SmsSettings(site_id=account.site_id, enabled=settings))
        db.flush()
    sale = SimpleNamespace(id=987654, site_id=account.site_id, account_id=account.id,
                           amount=Decimal("50.00"), balance_after=Decimal("72.40"),
                           receipt_number=17, completed_at=DAYTIME)
    written = db.get(SmsMessage, notify_sale(db, sale))
    expected = notify(db, account_id=account.id, kind="recharge", dedup_key="expected", at=DAYTIME,
                      context=recharge_context(amount=sale.amount, balance=sale.balance_after,
                                               receipt=sale.receipt_number))
    assert written.dedup_key == "recharge:sale:987654"
    assert {k: getattr(written, k) for k in COMPARED} == {k: getattr(expected, k) for k in COMPARED}
