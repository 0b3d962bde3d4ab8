"""End to end through the sandbox gateway: orders made by the API, paid by a payer at the
sandbox, credited when the sandbox's signed notify reaches our endpoint over HTTP; forged and
wrong notifies refused; payment codes charged; lost notifies recovered by asking."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from sqlalchemy import func, select

from shared_models.models import AuditEntry, LedgerTransaction
from shared_models.models.payments import OrderState, PaymentOrder
from shared_models.payments import recovery
from shared_models.payments.gateways import config as gateway_config
from shared_models.types import utcnow
from tests.payments.sandbox_kit import wait_for

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("channel", ["alipay", "wechat", "unionpay"])
def test_a_qr_payment_is_credited_when_the_gateways_notify_arrives(staff, sandbox, channel):
    account_id = staff.new_account()
    order = staff.new_order(account_id, "25.00", channel)
    assert order["state"] == "pending" and order["qr_code"]
    sandbox.pay(channel, order["out_trade_no"])
    credited = staff.wait_state(order["id"], "credited")
    assert credited["trade_no"] and credited["sale_id"]
    assert staff.balance(account_id) == Decimal("25.00")
    notify = [e for e in credited["events"] if e["kind"] == "notify"]
    assert notify[0]["accepted"] and notify[0]["outcome"].startswith("credited, receipt ")


def _ledger_rows(sessions) -> int:
    with sessions() as db:
        return db.scalar(select(func.count(LedgerTransaction.id)))


@pytest.mark.parametrize("bend, refused", [
    ({"action": "forge"}, "unverified"),
    ({"action": "wrong_amount", "amount": 1}, "amount 0.01 is not the order's 30.00"),
    ({"action": "wrong_merchant"}, "is not ours"),
])
def test_a_bent_notify_is_refused_logged_and_asking_credits_once(staff, sandbox, bend, refused):
    account_id = staff.new_account()
    order = staff.new_order(account_id, "30.00", "alipay")
    sandbox.admin("POST", "/notify-scripts", {**bend, "gateway": "alipay",
                                               "out_trade_no": order["out_trade_no"]})
    before = _ledger_rows(staff.sessions)
    sandbox.pay("alipay", order["out_trade_no"])
    wait_for(lambda: _refusals(staff.sessions, refused), what="the refusal in the system log")
    assert _ledger_rows(staff.sessions) == before  # the bent notify moved nothing
    assert staff.order(order["id"])["state"] == "pending"
    outcome = recovery.check(staff.sessions, _gateway(sandbox, "alipay"), order["id"])
    assert outcome.credited and staff.balance(account_id) == Decimal("30.00")
    events = staff.order(order["id"])["events"]
    assert [(e["kind"], e["accepted"]) for e in events][-1] == ("query", True)
    assert any(e["kind"] == "notify" and not e["accepted"] for e in events) or bend["action"] == "forge"


def _refusals(sessions, text) -> bool:
    with sessions() as db:
        entries = db.scalars(select(AuditEntry).where(AuditEntry.action.like("payment.%"))).all()
    return any(text in str(entry.after) for entry in entries)


def test_a_duplicated_notify_credits_once(staff, sandbox):
    account_id = staff.new_account()
    order = staff.new_order(account_id, "12.00", "wechat")
    sandbox.admin("POST", "/notify-scripts", {"action": "duplicate", "times": 3, "gateway": "wechat",
                                               "out_trade_no": order["out_trade_no"]})
    sandbox.pay("wechat", order["out_trade_no"])
    staff.wait_state(order["id"], "credited")
    wait_for(lambda: len([e for e in staff.order(order["id"])["events"] if e["kind"] == "notify"]) >= 3,
             what="the duplicates")
    assert staff.balance(account_id) == Decimal("12.00")


def _gateway(sandbox, channel):
    return gateway_config.load(sandbox.payments_toml).gateway("PAY", channel)


def test_a_lost_notify_is_recovered_by_asking_and_an_unpaid_order_expires(staff, sandbox):
    account_id = staff.new_account()
    paid = staff.new_order(account_id, "40.00", "alipay")
    # Alipay knows a precreated order only once it is scanned; WeChat Pay closes one unscanned.
    unpaid = staff.new_order(account_id, "41.00", "wechat")
    sandbox.admin("POST", "/notify-scripts", {"action": "drop", "gateway": "alipay",
                                               "out_trade_no": paid["out_trade_no"]})
    sandbox.pay("alipay", paid["out_trade_no"])
    time.sleep(0.5)
    assert staff.order(paid["id"])["state"] == "pending"
    def lookup(site_code, channel):
        return _gateway(sandbox, channel)

    counts = recovery.recover(staff.sessions, lookup, now=utcnow() + timedelta(minutes=3))
    assert counts["credited"] >= 1 and staff.order(paid["id"])["state"] == "credited"
    counts = recovery.recover(staff.sessions, lookup, now=utcnow() + timedelta(hours=3))
    assert counts["expired"] >= 1 and staff.order(unpaid["id"])["state"] == "expired"
    at_gateway = [o for o in sandbox.admin("GET", "/orders?gateway=wechat")
                  if o["out_trade_no"] == unpaid["out_trade_no"]]
    assert at_gateway[0]["status"] == "CLOSED"
    assert staff.balance(account_id) == Decimal("40.00")


class VirtualTime:
    """The job's 5 s polls pass at once: sleeping advances this clock instead of the wall's."""

    def __init__(self):
        self.now = 0.0

    def sleep(self, seconds):
        time.sleep(0.15)  # the sandbox's own USERPAYING phase still runs in real time
        self.now += seconds

    def clock(self):
        return self.now


@pytest.mark.parametrize("channel, code", [("wechat", "134567890123456789"),
                                           ("alipay", "284567890123456789"),
                                           ("unionpay", "6212345678901234567")])
def test_a_payment_code_is_charged_while_the_payer_confirms(staff, sandbox, channel, code):
    account_id = staff.new_account()
    sandbox.admin("POST", "/codes", {"auth_code": code, "outcome": "userpaying", "seconds": 0.1})
    accepted = staff.call("POST", "/payments/code-payments",
                          {"account_id": account_id, "amount": "15.00", "auth_code": code}, status=202).json()
    assert accepted["channel"] == channel
    assert accepted["payer_hint"] == code[:2] + "*" * (len(code) - 6) + code[-4:]
    virtual = VirtualTime()
    outcome = recovery.charge_code(staff.sessions, _gateway(sandbox, channel), accepted["id"], code,
                                   sleep=virtual.sleep, clock=virtual.clock)
    # Credited by the job's query, or first by the gateway's notify (UnionPay sends one).
    assert outcome.order.state == OrderState.CREDITED and staff.balance(account_id) == Decimal("15.00")
    events = staff.order(accepted["id"])["events"]
    assert [(e["kind"], e["outcome"]) for e in events][:1] == [("pay", "charged: userpaying")]
    assert code not in str(events)


def test_a_payment_code_still_unconfirmed_after_30_s_is_cancelled(staff, sandbox):
    account_id, code = staff.new_account(), "134567890123450000"
    sandbox.admin("POST", "/codes", {"auth_code": code, "outcome": "userpaying_forever"})
    accepted = staff.call("POST", "/payments/code-payments",
                          {"account_id": account_id, "amount": "16.00", "auth_code": code}, status=202).json()
    virtual = VirtualTime()
    outcome = recovery.charge_code(staff.sessions, _gateway(sandbox, "wechat"), accepted["id"], code,
                                   sleep=virtual.sleep, clock=virtual.clock)
    assert outcome.order.state == OrderState.CLOSED and 30 <= virtual.now <= 35
    assert staff.balance(account_id) == Decimal("0.00")


def test_orders_refused_before_any_gateway_call(staff):
    account_id = staff.new_account()
    too_much = staff.call("POST", "/payments/orders", {"account_id": account_id, "amount": "2000.01",
                                                       "channel": "alipay", "flow": "qr"}, status=422)
    assert too_much.json()["errors"]["json"]["amount"] == ["The largest online payment is 2000.00."]
    wrong_flow = staff.call("POST", "/payments/orders", {"account_id": account_id, "amount": "5.00",
                                                         "channel": "unionpay", "flow": "wap"}, status=422)
    assert "flow" in wrong_flow.json()["errors"]["json"]
    not_a_code = staff.call("POST", "/payments/code-payments",
                            {"account_id": account_id, "amount": "5.00", "auth_code": "9999999999999999"},
                            status=422)
    assert not_a_code.json()["errors"]["json"]["auth_code"]
    with staff.sessions() as db:
        assert db.scalar(select(func.count(PaymentOrder.id))
                         .where(PaymentOrder.account_id == account_id)) == 0


def test_an_unsigned_or_unknown_notify_is_refused_without_a_write(staff, sandbox):
    before = _ledger_rows(staff.sessions)
    for channel in ("alipay", "wechat", "unionpay"):
        response = requests.post(f"{staff.url}/api/v1/payments/notify/{channel}/PAY",
                                 data=b"trade_status=TRADE_SUCCESS&out_trade_no=WK1", timeout=10,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert 400 <= response.status_code < 500, (channel, response.status_code, response.text)
    assert requests.post(f"{staff.url}/api/v1/payments/notify/alipay/NOSUCH", data=b"x",
                         timeout=10).status_code == 404
    assert _ledger_rows(staff.sessions) == before


def _paid_order(staff, sandbox, amount, channel="alipay"):
    account_id = staff.new_account()
    order = staff.new_order(account_id, amount, channel)
    sandbox.pay(channel, order["out_trade_no"])
    staff.wait_state(order["id"], "credited")
    return account_id, order


@pytest.mark.parametrize("channel", ["alipay", "wechat", "unionpay"])
def test_a_refund_goes_back_through_the_gateway_and_then_moves_the_ledger(staff, sandbox, channel):
    account_id, order = _paid_order(staff, sandbox, "25.00", channel)
    refund = staff.call("POST", f"/payments/orders/{order['id']}/refunds",
                        {"amount": "10.00", "reason": "moving out"}, status=201).json()
    if refund["state"] == "processing":  # a gateway that finishes later tells us by notify or query
        refund = wait_for(lambda: (r := _refund(staff, refund["id"]))["state"] == "succeeded" and r,
                          what="the refund to finish")
    assert refund["state"] == "succeeded" and refund["sale_id"]
    assert staff.balance(account_id) == Decimal("15.00")
    after = staff.order(order["id"])
    assert (after["state"], after["refunded_amount"]) == ("refunded", "10.00")
    at_gateway = sandbox.admin("GET", f"/refunds?gateway={channel}")
    assert [r for r in at_gateway if refund["out_refund_no"] in str(r)]
    too_much = staff.call("POST", f"/payments/orders/{order['id']}/refunds", {"amount": "15.01"},
                          status=422)
    assert too_much.json()["errors"]["json"]["amount"] == [
        "At most 15.00 of this payment can still be refunded."]


def _refund(staff, refund_id):
    return next(r for r in staff.call("GET", "/payments/refunds", status=200).json()
                if r["id"] == refund_id)


def test_a_large_refund_waits_for_a_second_person(staff, sandbox, sessions):
    from backoffice.auth.accounts import issue_token, save_operator

    _account_id, order = _paid_order(staff, sandbox, "600.00")
    refund = staff.call("POST", f"/payments/orders/{order['id']}/refunds", {"amount": "550.00"},
                        status=201).json()
    assert refund["state"] == "pending_approval"
    own = staff.call("POST", f"/payments/refunds/{refund['id']}/approve", status=422)
    assert own.json()["message"] == "A refund must be approved by someone other than who asked for it."
    with sessions() as db:
        other = save_operator(db, {"username": "approver", "password": "correct horse battery",
                                   "role": "finance", "all_sites": True})
        _token, raw = issue_token(db, other.id, "test", 1)
        db.commit()
    approver = {**staff.headers, "Authorization": f"Bearer {raw}"}
    approved = requests.post(f"{staff.url}/api/v1/payments/refunds/{refund['id']}/approve",
                             headers=approver, timeout=30)
    assert approved.status_code == 200 and approved.json()["state"] in ("succeeded", "processing")


def test_a_refund_the_gateway_did_not_answer_is_sent_again_with_the_same_number(staff, sandbox):
    account_id, order = _paid_order(staff, sandbox, "20.00")
    sandbox.admin("POST", "/api-failures", {"count": 1, "gateway": "alipay"})
    refund = staff.call("POST", f"/payments/orders/{order['id']}/refunds", {"amount": "5.00"},
                        status=201).json()
    assert refund["state"] == "approved" and staff.balance(account_id) == Decimal("20.00")

    def lookup(site_code, channel):
        return _gateway(sandbox, channel)

    recovery.recover(staff.sessions, lookup, now=utcnow() + timedelta(minutes=2))
    assert _refund(staff, refund["id"])["state"] == "succeeded"
    assert staff.balance(account_id) == Decimal("15.00")
    sent = [r for r in sandbox.admin("GET", "/refunds?gateway=alipay")
            if refund["out_refund_no"] in str(r)]
    assert len(sent) == 1


def test_two_partial_refunds_and_their_notifies(staff, sandbox):
    account_id, order = _paid_order(staff, sandbox, "50.00", "alipay")
    for amount in ("10.00", "15.00"):
        refund = staff.call("POST", f"/payments/orders/{order['id']}/refunds", {"amount": amount},
                            status=201).json()
        assert refund["state"] == "succeeded"
    assert staff.balance(account_id) == Decimal("25.00")
    assert staff.order(order["id"])["refunded_amount"] == "25.00"

    def delivered():
        mine = [n for n in sandbox.admin("GET", "/notifies?gateway=alipay")
                if order["out_trade_no"] in str(n)]
        return len(mine) >= 3 and all(n["status"] == "delivered" for n in mine)

    wait_for(delivered, what="the payment and refund notifies to be delivered")
    events = staff.order(order["id"])["events"]
    assert [e for e in events if e["kind"] == "notify" and not e["accepted"]] == []


def test_refusals_speak_the_callers_language(staff):
    account_id = staff.new_account()
    response = requests.post(f"{staff.url}/api/v1/payments/orders",
                             json={"account_id": account_id, "amount": "0.50", "channel": "alipay",
                                   "flow": "qr"},
                             headers={**staff.headers, "Accept-Language": "zh-CN"}, timeout=30)
    assert response.status_code == 422
    assert response.json()["errors"]["json"]["amount"] == ["单笔在线支付至少 1.00。"]


def test_online_sales_are_in_the_journal_and_the_totals_by_channel_and_operator(staff, sandbox):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    account_id, order = _paid_order(staff, sandbox, "33.00", "unionpay")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    journal = staff.call("GET", f"/reports/journal?period=day&date={today}&account_id={account_id}",
                         status=200).json()
    assert [(row["channel"], row["amount"], row["operator"], row["shift_id"]) for row in journal] == [
        ("unionpay", "33.00", None, None)]
    totals = staff.call("GET", f"/reports/totals?period=day&date={today}&by=channel&by=operator"
                               f"&site_id={staff.site_id}", status=200).json()
    online = [row for row in totals if row["channel"] == "unionpay" and row["operator"] is None]
    assert online and Decimal(online[0]["recharge_total"]) >= Decimal("33.00")


def test_a_phone_pays_by_alipay_wap_or_inside_wechat(staff, sandbox):
    account_id = staff.new_account()
    wap = staff.call("POST", "/payments/orders", {"account_id": account_id, "amount": "8.00",
                                                  "channel": "alipay", "flow": "wap",
                                                  "return_url": "http://127.0.0.1/m/"}, status=201).json()
    assert wap["pay_url"].startswith(sandbox.url) and "alipay.trade.wap.pay" in wap["pay_url"]
    page = requests.get(wap["pay_url"], timeout=10)
    assert page.status_code == 200 and wap["out_trade_no"] in page.text
    jsapi = staff.call("POST", "/payments/orders", {"account_id": account_id, "amount": "9.00",
                                                    "channel": "wechat", "flow": "jsapi",
                                                    "openid": "o-test-openid"}, status=201).json()
    assert set(jsapi["jsapi"]) >= {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert jsapi["jsapi"]["package"].startswith("prepay_id=")
    missing = staff.call("POST", "/payments/orders", {"account_id": account_id, "amount": "9.00",
                                                      "channel": "wechat", "flow": "jsapi"}, status=422)
    assert missing.json()["errors"]["json"]["openid"] == ["The jsapi flow needs the payer's openid."]
    sandbox.pay("alipay", wap["out_trade_no"])
    staff.wait_state(wap["id"], "credited")


def test_the_worker_charges_a_scanned_code_from_its_queue(staff, sandbox, redis_url, monkeypatch):
    from redis import Redis
    from rq import Queue, SimpleWorker
    from rq.serializers import JSONSerializer

    from metering_worker import config
    from metering_worker.jobs import payments as payment_jobs

    connection = Redis.from_url(redis_url)
    queue = Queue("payments", connection=connection, serializer=JSONSerializer)
    queue.empty()  # earlier tests' code payments were charged in-process, their jobs left queued
    account_id, code = staff.new_account(), "284567890123450077"
    sandbox.admin("POST", "/codes", {"auth_code": code, "outcome": "success"})
    accepted = staff.call("POST", "/payments/code-payments",
                          {"account_id": account_id, "amount": "18.00", "auth_code": code}, status=202).json()
    assert accepted["state"] == "created"
    monkeypatch.setenv("DATABASE_URL", staff.sessions.kw["bind"].url.render_as_string(False))
    monkeypatch.setenv("WATTKEEPER_PAYMENTS", str(sandbox.payments_toml))
    monkeypatch.setenv("REDIS_URL", redis_url)
    config.reset()
    payment_jobs.configured_gateways.cache_clear()
    try:
        assert queue.job_ids == [f"pay-code-{accepted['id']}"]
        assert SimpleWorker([queue], connection=connection, serializer=JSONSerializer).work(burst=True)
    finally:
        config.reset()
        payment_jobs.configured_gateways.cache_clear()
    assert staff.order(accepted["id"])["state"] == "credited"
    assert staff.balance(account_id) == Decimal("18.00")
    assert queue.count == 0 and code not in str(connection.keys("rq:job:*"))
