"""Helpers for the tenant API tests: a tenant's account, the code from the SMS outbox."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shared_models.models import SmsMessage
from shared_models.models.notifications import SmsKind


def read_code(db, account_id: int) -> str:
    """The newest sign-in code texted for the account, as the tenant reads it on their phone."""
    db.expire_all()
    body = db.scalar(select(SmsMessage.body).where(SmsMessage.account_id == account_id,
                                                   SmsMessage.kind == SmsKind.SIGN_IN_CODE)
                     .order_by(SmsMessage.id.desc()).limit(1))
    return re.search(r"验证码为(\d{6})", body).group(1)


def sign_in(client, db, account, phone: str = "13800138000") -> dict:
    """Sign `client` in as the holder of `phone` through the account; returns the session."""
    sent = client.post("/api/v1/tenant/auth/codes", json={"account": account.number, "phone": phone})
    assert sent.status_code == 202, sent.json
    signed = client.post("/api/v1/tenant/auth/session", json={
        "account": account.number, "phone": phone, "code": read_code(db, account.id)})
    assert signed.status_code == 200, signed.json
    return signed.json


@pytest.fixture
def make_tenant_account(db, make_site, make_gateway, make_meter):
    """An open account on a new meter, with the given phone (a new site unless one is given)."""
    from shared_models.sales import accounts

    def make(phone: str = "13800138000", site=None, **values):
        site = site or make_site()
        meter = make_meter(bus=make_gateway(site=site).buses[0])
        account = accounts.open_account(db, {"site_id": site.id, "tenant_name": "李四",
                                             "phone": phone, "meter_ids": [meter.id], **values},
                                        operator_id=None)
        db.commit()
        return account

    return make


@pytest.fixture
def tenant_account(make_tenant_account):
    return make_tenant_account()
