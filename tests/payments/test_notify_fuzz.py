"""The notify endpoints are public: whatever arrives, the answer is a 4xx and nothing is
written but the refusal, and new orders are bounded per account."""

from __future__ import annotations

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from shared_models.models import LedgerTransaction, PaymentEvent, PaymentOrder

pytestmark = pytest.mark.slow

CONTENT_TYPES = ["application/x-www-form-urlencoded", "application/json", "text/plain",
                 "application/x-www-form-urlencoded; charset=gbk", "multipart/form-data", None]


def _written(sessions):
    with sessions() as db:
        return (db.scalar(select(func.count(LedgerTransaction.id))),
                db.scalar(select(func.count(PaymentEvent.id)).where(PaymentEvent.accepted.is_(True))))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(channel=st.sampled_from(["alipay", "wechat", "unionpay"]),
       body=st.one_of(st.binary(max_size=600),
                      st.text(max_size=300).map(lambda text: text.encode("utf-8", "surrogatepass")),
                      st.dictionaries(st.sampled_from(["sign", "sign_type", "out_trade_no", "trade_status",
                                                       "total_amount", "signature", "signPubKeyCert",
                                                       "respCode", "orderId", "resource", "id"]),
                                      st.text(max_size=40), max_size=8)
                      .map(lambda form: "&".join(f"{k}={v}" for k, v in form.items()).encode())),
       content_type=st.sampled_from(CONTENT_TYPES),
       wechat_headers=st.booleans())
def test_whatever_arrives_at_a_notify_endpoint_is_a_4xx_that_writes_nothing(
        staff, channel, body, content_type, wechat_headers):
    before = _written(staff.sessions)
    headers = {"Content-Type": content_type} if content_type else {}
    if wechat_headers:
        headers.update({"Wechatpay-Timestamp": "1700000000", "Wechatpay-Nonce": "n",
                        "Wechatpay-Signature": "WECHATPAY/SIGNTEST/abc", "Wechatpay-Serial": "PUB_KEY_ID_0"})
    response = requests.post(f"{staff.url}/api/v1/payments/notify/{channel}/PAY", data=body,
                             headers=headers, timeout=10)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:200])
    assert _written(staff.sessions) == before


def test_a_huge_notify_is_refused_before_it_is_read(staff):
    before = _written(staff.sessions)
    response = requests.post(f"{staff.url}/api/v1/payments/notify/wechat/PAY",
                             data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert 400 <= response.status_code < 500
    assert _written(staff.sessions) == before


def test_new_orders_are_bounded_per_account(staff, office):
    account_id = staff.new_account()
    office.app.config["PAYMENT_ORDERS_PER_ACCOUNT"] = 2
    try:
        for _ in range(2):
            staff.new_order(account_id, "5.00", "wechat")
        refused = staff.call("POST", "/payments/orders", {"account_id": account_id, "amount": "5.00",
                                                          "channel": "wechat", "flow": "qr"}, status=429)
    finally:
        office.app.config["PAYMENT_ORDERS_PER_ACCOUNT"] = 10
    assert refused.json()["message"].startswith("Too many requests; try again in ")
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    with staff.sessions() as db:
        assert db.scalar(select(func.count(PaymentOrder.id))
                         .where(PaymentOrder.account_id == account_id)) == 2
