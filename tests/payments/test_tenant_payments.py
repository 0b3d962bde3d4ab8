"""A tenant pays into their own account from the phone pages' API, through the sandbox: the
order machinery is the console's; a double tap makes one order; cancelling closes it."""

from __future__ import annotations

import itertools
import re
import uuid
from decimal import Decimal

import pytest
import requests
from sqlalchemy import select

from shared_models.models import SmsMessage
from shared_models.models.notifications import SmsKind
from tests.payments.sandbox_kit import wait_for

pytestmark = pytest.mark.slow

_phones = itertools.count(13600000001)


class Tenant:
    """A tenant's browser: the tenant cookie, the CSRF token, one account."""

    def __init__(self, url: str, account_id: int, csrf: str, http: requests.Session) -> None:
        self.url, self.account_id, self.csrf, self.http = url, account_id, csrf, http

    def call(self, method, path, json=None, status=None, key=None):
        headers = {"X-CSRF-Token": self.csrf, "Accept-Language": "en",
                   **({"Idempotency-Key": key} if key else {})}
        response = self.http.request(method, f"{self.url}/api/v1/tenant/accounts/{self.account_id}{path}",
                                     json=json, headers=headers, timeout=60)
        if status is not None:
            assert response.status_code == status, response.text
        return response

    def order(self, order_id) -> dict:
        return self.call("GET", f"/orders/{order_id}", status=200).json()


@pytest.fixture(scope="module")
def tenant_bus(staff) -> tuple[int, int]:
    """A site and bus of the tenants' own (the package's site numbers its accounts and meters
    in step for the other tests): (site id, bus id)."""
    from shared_models import registry

    with staff.sessions() as db:
        site = registry.save_site(db, {"code": "TENANTS", "name": "Tenants"})
        gateway = registry.save_gateway(db, {"site_id": site.id, "name": "G-tenants",
                                             "host": "127.0.0.1", "bus_count": 1})
        db.commit()
        return site.id, gateway.buses[0].id


def _open_account(staff, place: tuple[int, int], phone: str) -> tuple[int, str]:
    from shared_models import registry
    from shared_models.sales import accounts

    site_id, bus_id = place
    with staff.sessions() as db:
        meter = registry.save_meter(db, {"bus_id": bus_id, "address": int(phone) % 100,
                                         "serial_number": f"TEN{phone}-M"})
        account = accounts.open_account(db, {"site_id": site_id, "tenant_name": "T",
                                             "phone": phone, "meter_ids": [meter.id]}, operator_id=None)
        db.commit()
        return account.id, account.number


@pytest.fixture
def tenant(staff, office, tenant_bus):
    phone = str(next(_phones))
    account_id, number = _open_account(staff, tenant_bus, phone)
    http = requests.Session()
    sent = http.post(f"{office.url}/api/v1/tenant/auth/codes",
                     json={"account": number, "phone": phone}, timeout=30)
    assert sent.status_code == 202, sent.text
    with staff.sessions() as db:
        body = db.scalar(select(SmsMessage.body).where(SmsMessage.account_id == account_id,
                                                       SmsMessage.kind == SmsKind.SIGN_IN_CODE))
    code = re.search(r"验证码为(\d{6})", body).group(1)
    signed = http.post(f"{office.url}/api/v1/tenant/auth/session",
                       json={"account": number, "phone": phone, "code": code}, timeout=30)
    assert signed.status_code == 200, signed.text
    yield Tenant(office.url, account_id, signed.json()["csrf_token"], http)
    http.close()


@pytest.mark.parametrize("channel", ["alipay", "wechat", "unionpay"])
def test_a_qr_payment_credits_and_the_page_sees_the_new_balance(tenant, sandbox, channel):
    key = str(uuid.uuid4())
    order = tenant.call("POST", "/orders", {"amount": "50.00", "method": "qr", "channel": channel},
                        status=201, key=key).json()
    assert order["qr_code"] and order["state"] == "pending"
    # A double tap (the same key) gets the same order, not a second one.
    twice = tenant.call("POST", "/orders", {"amount": "50.00", "method": "qr", "channel": channel},
                        status=201, key=key)
    assert twice.json()["id"] == order["id"] and twice.headers["Idempotent-Replayed"] == "true"
    sandbox.pay(channel, order["out_trade_no"])
    credited = wait_for(lambda: (found := tenant.order(order["id"]))["state"] == "credited" and found,
                        20, what="the order to be credited")
    assert Decimal(credited["balance"]) == Decimal("50.00") and credited["receipt_id"]
    history = tenant.call("GET", "/history", status=200).json()
    assert history[0]["id"] == credited["receipt_id"] and history[0]["amount"] == "50.00"


def test_alipay_wap_gives_the_page_to_open(tenant, sandbox):
    order = tenant.call("POST", "/orders", {"amount": "20.00", "method": "wap"}, status=201).json()
    assert order["channel"] == "alipay" and order["flow"] == "wap"
    assert order["pay_url"].startswith(sandbox.url)
    page = requests.get(order["pay_url"], timeout=10)
    assert page.status_code == 200 and "20.00" in page.text
    sandbox.pay("alipay", order["out_trade_no"])
    wait_for(lambda: tenant.order(order["id"])["state"] == "credited", 20, what="credited")


def test_jsapi_needs_the_payers_openid_from_wechat(tenant):
    refused = tenant.call("POST", "/orders", {"amount": "20.00", "method": "jsapi"}, status=422).json()
    assert "method" in refused["errors"]["json"]


def test_limits_are_checked_before_any_qr(tenant):
    refused = tenant.call("POST", "/orders", {"amount": "0.50", "method": "qr", "channel": "alipay"},
                          status=422).json()
    assert "amount" in refused["errors"]["json"]
    unnamed = tenant.call("POST", "/orders", {"amount": "5.00", "method": "qr"}, status=422).json()
    assert "channel" in unnamed["errors"]["json"]


def test_cancelling_an_unpaid_payment_closes_it(tenant, sandbox):
    order = tenant.call("POST", "/orders", {"amount": "15.00", "method": "qr", "channel": "wechat"},
                        status=201).json()
    closed = tenant.call("POST", f"/orders/{order['id']}/cancel", status=200).json()
    assert closed["state"] == "closed" and closed["balance"] is None


def test_another_accounts_order_answers_404(tenant, staff, tenant_bus):
    others_id, _number = _open_account(staff, tenant_bus, str(next(_phones)))
    others = staff.new_order(others_id, "25.00", "alipay")
    assert tenant.call("GET", f"/orders/{others['id']}").status_code == 404
    assert tenant.call("POST", f"/orders/{others['id']}/cancel").status_code == 404


def _bind_openid(tenant) -> None:
    """WeChat's web authorisation, followed as WeChat's browser follows it: the back office sends
    the page to the (sandbox) authorize URL, which comes straight back with a code."""
    answer = tenant.http.get(f"{tenant.url}/api/v1/tenant/wechat/authorize",
                             params={"account_id": tenant.account_id}, timeout=30)
    assert answer.status_code == 200 and answer.url.endswith("/m/#/recharge"), answer.url
    assert any("/wechat-open/connect/oauth2/authorize" in r.headers["Location"] for r in answer.history)
    session = tenant.http.get(f"{tenant.url}/api/v1/tenant/auth/session", timeout=30).json()
    assert session["wechat_bound"] is True


def test_jsapi_inside_wechat_after_the_web_authorisation(tenant, sandbox):
    _bind_openid(tenant)
    order = tenant.call("POST", "/orders", {"amount": "50.00", "method": "jsapi"}, status=201).json()
    assert order["channel"] == "wechat" and order["flow"] == "jsapi"
    jsapi = order["jsapi"]
    assert set(jsapi) >= {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    # What WeixinJSBridge does with it: the sandbox checks paySign and shows the wallet.
    wallet = requests.get(f"{sandbox.url}/wallet/wechat/jsapi", params=jsapi, timeout=10)
    assert wallet.status_code == 200 and "50.00" in wallet.text
    sandbox.pay("wechat", order["out_trade_no"])
    credited = wait_for(lambda: (found := tenant.order(order["id"]))["state"] == "credited" and found,
                        20, what="the order to be credited")
    assert Decimal(credited["balance"]) == Decimal("50.00")


def test_a_forged_authorisation_answer_binds_nothing(tenant):
    answer = tenant.http.get(f"{tenant.url}/api/v1/tenant/wechat/callback", timeout=30,
                             params={"account_id": tenant.account_id, "code": "made-up", "state": "x" * 32})
    assert answer.url.endswith("/m/#/recharge?wechat=refused")
    session = tenant.http.get(f"{tenant.url}/api/v1/tenant/auth/session", timeout=30).json()
    assert session["wechat_bound"] is False
