"""The kiosk API (`/api/v1/kiosk/...`) against a served back office and the sandbox gateway:
lookups that show little and enumerate nothing, payments by QR and by payment code, following
them to the receipt, and a device token that reaches nothing else."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
import requests

from shared_models.payments import recovery
from shared_models.payments.gateways import config as gateway_config
from tests.payments.sandbox_kit import wait_for

pytestmark = pytest.mark.slow


class Kiosk:
    """A registered kiosk device calling the API with its bearer token."""

    def __init__(self, url, token, device_id):
        self.url, self.device_id = url, device_id
        self.headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}

    def call(self, method, path, json=None, status=None, headers=None):
        response = requests.request(method, f"{self.url}/api/v1{path}", json=json, timeout=60,
                                    headers={**self.headers, **(headers or {})})
        if status is not None:
            assert response.status_code == status, response.text
        return response

    def look_up(self, number, phone_last4=None, status=200):
        body = {"number": number} if phone_last4 is None else {"number": number, "phone_last4": phone_last4}
        return self.call("POST", "/kiosk/lookups", body, status=status).json()


def _register(staff, name="Lobby A") -> Kiosk:
    from backoffice.auth import kiosks

    with staff.sessions() as db:
        device, raw = kiosks.register(db, staff.site_id, name)
        db.commit()
        return Kiosk(staff.url, raw, device.id)


@pytest.fixture(autouse=True)
def _fresh_throttles(redis_url):
    """Budgets are keyed by account and device ids, which every run's new database reuses."""
    from redis import Redis

    with Redis.from_url(redis_url) as client:
        for key in client.scan_iter("wk:throttle:kiosk-*"):
            client.delete(key)


@pytest.fixture(scope="module")
def kiosk(staff):
    return _register(staff)


def _account(staff, phone="13800001234", name="王小明") -> tuple[int, str, str]:
    """A new account with a phone; its id, number and meter serial."""
    from shared_models.models import TenantAccount

    account_id = staff.new_account()
    with staff.sessions() as db:
        account = db.get(TenantAccount, account_id)
        account.phone, account.tenant_name = phone, name
        db.commit()
        return account_id, account.number, account.meters[0].serial_number


def _gateway(sandbox, channel):
    return gateway_config.load(sandbox.payments_toml).gateway("PAY", channel)


def test_the_device_knows_its_site_gateways_and_limits(kiosk):
    device = kiosk.call("GET", "/kiosk/device", status=200).json()
    assert device["name"] == "Lobby A" and device["site_code"] == "PAY"
    assert device["site_name"] == "Payments"
    assert set(device["channels"]) == {"alipay", "wechat", "unionpay"}
    assert device["limits"] == {"minimum": "1.00", "maximum": "2000.00", "credit_cap": "5000.00"}
    assert device["presets"] == ["20.00", "50.00", "100.00", "200.00"]


def test_an_account_is_found_by_what_a_tenant_types_or_scans(staff, kiosk):
    account_id, number, serial = _account(staff)
    digits = number.split("-")[1]
    for entered in (number, number.lower(), digits, str(int(digits)), serial):
        view = kiosk.look_up(entered)
        assert view["number"] == number and view["balance"] == "0.00", entered
    assert kiosk.look_up(serial.removeprefix("PAY"))["number"] == number
    view = kiosk.look_up(digits)
    assert view["supply"] == "arrears" and view["days_left"] is None and view["ticket"]
    assert view["name"] == "王*明" and view["detailed"] and len(view["usage"]) == 30
    assert view["most"] == "2000.00" and view["limits"]["credit_cap"] == "5000.00"


def test_an_unknown_number_and_a_wrong_phone_get_the_same_answer(staff, office, kiosk, monkeypatch):
    _account_id, number, _serial = _account(staff, phone="13912345678")
    monkeypatch.setitem(office.app.config, "KIOSK_PHONE_CHECK", True)
    plain = kiosk.look_up(number)
    assert not plain["detailed"] and "name" not in plain and "usage" not in plain
    assert "recharges" not in plain and plain["balance"] == "0.00"
    unknown = kiosk.call("POST", "/kiosk/lookups", {"number": "PAY-999999"}, status=422).json()
    wrong = kiosk.call("POST", "/kiosk/lookups", {"number": number, "phone_last4": "0000"},
                       status=422).json()
    assert unknown == wrong
    assert unknown["errors"]["json"] == {"number": ["No account matches what was entered."]}
    right = kiosk.look_up(number, "5678")
    assert right["detailed"] and right["name"] == "王*明" and right["meters"]


def test_phone_digits_are_tried_a_few_times_per_account(staff, office, kiosk, monkeypatch):
    _account_id, number, _serial = _account(staff, phone="13700009999")
    monkeypatch.setitem(office.app.config, "KIOSK_PHONE_TRIES_PER_ACCOUNT", 3)
    for guess in ("0001", "0002", "0003"):
        kiosk.call("POST", "/kiosk/lookups", {"number": number, "phone_last4": guess}, status=422)
    refused = kiosk.call("POST", "/kiosk/lookups", {"number": number, "phone_last4": "9999"}, status=429)
    assert "phone_last4" in refused.json()["errors"]["json"]


def test_lookups_are_limited_per_device(staff, office, monkeypatch):
    busy = _register(staff, "Busy lobby")
    monkeypatch.setitem(office.app.config, "KIOSK_LOOKUPS_PER_DEVICE", 4)
    for n in range(4):
        busy.call("POST", "/kiosk/lookups", {"number": f"PAY-8{n:05d}"}, status=422)
    assert busy.call("POST", "/kiosk/lookups", {"number": "PAY-000001"}).status_code == 429


def test_a_kiosk_token_reaches_only_the_kiosk_routes(staff, kiosk):
    account_id, _number, _serial = _account(staff)
    for method, path, body in (("GET", f"/accounts/{account_id}", None),
                               ("GET", "/payments/orders", None),
                               ("POST", "/payments/orders", {"account_id": account_id, "amount": "5.00",
                                                             "channel": "alipay", "flow": "qr"}),
                               ("GET", "/meter-status", None), ("GET", "/kiosk-devices", None)):
        assert kiosk.call(method, path, body).status_code == 403, path
    assert staff.call("GET", "/kiosk/device").status_code == 403


def test_a_qr_payment_is_followed_to_its_receipt_and_reprint(staff, kiosk, sandbox):
    account_id, number, serial = _account(staff)
    ticket = kiosk.look_up(number)["ticket"]
    order = kiosk.call("POST", "/kiosk/orders", {"ticket": ticket, "amount": "20.00", "channel": "wechat"},
                       status=201).json()
    assert order["state"] == "pending" and order["qr_code"] and order["flow"] == "qr"
    kiosk.call("GET", f"/kiosk/orders/{order['id']}/receipt", status=409)
    sandbox.pay("wechat", order["out_trade_no"])
    done = wait_for(lambda: (o := kiosk.call("GET", f"/kiosk/orders/{order['id']}", status=200).json())
                    ["state"] == "credited" and o, what="the order to be credited")
    assert done["balance_after"] == "20.00" and done["receipt_number"]
    assert staff.balance(account_id) == Decimal("20.00")
    receipt = kiosk.call("GET", f"/kiosk/orders/{order['id']}/receipt", status=200).json()
    assert receipt["amount"] == "20.00" and receipt["balance_after"] == "20.00"
    assert receipt["account_number"] == number and receipt["meters"] == [serial]
    assert receipt["name"] == "王*明" and receipt["device"] == "Lobby A" and not receipt["reprint"]
    assert receipt["channel_label"] == "微信支付 WeChat Pay"
    assert receipt["receipt_number"] == done["receipt_number"]
    again = kiosk.call("POST", f"/kiosk/orders/{order['id']}/reprint", status=200).json()
    assert again["reprint"] and again["reprint_count"] == 1
    assert staff.order(order["id"])["source"] == "kiosk"


def test_a_payment_code_is_checked_handed_over_and_never_logged_whole(staff, kiosk, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    account_id, number, _serial = _account(staff)
    ticket = kiosk.look_up(number)["ticket"]
    bad = kiosk.call("POST", "/kiosk/code-payments", {"ticket": ticket, "amount": "20.00",
                                                      "auth_code": "9912345678901234"}, status=422)
    assert list(bad.json()["errors"]["json"]) == ["auth_code"]
    code = "134567890123455555"
    sandbox.admin("POST", "/codes", {"auth_code": code, "outcome": "success"})
    accepted = kiosk.call("POST", "/kiosk/code-payments",
                          {"ticket": ticket, "amount": "20.00", "auth_code": code},
                          headers={"Idempotency-Key": "kiosk-code-1"}, status=202).json()
    assert accepted["channel"] == "wechat" and accepted["payer_hint"] == "13************5555"
    replay = kiosk.call("POST", "/kiosk/code-payments",
                        {"ticket": ticket, "amount": "20.00", "auth_code": code},
                        headers={"Idempotency-Key": "kiosk-code-1"}, status=202)
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json()["id"] == accepted["id"]
    outcome = recovery.charge_code(staff.sessions, _gateway(sandbox, "wechat"), accepted["id"], code)
    assert outcome.credited
    followed = kiosk.call("GET", f"/kiosk/orders/{accepted['id']}", status=200).json()
    assert followed["state"] == "credited" and followed["balance_after"] == "20.00"
    assert code not in caplog.text
    calls = [r.getMessage() for r in caplog.records if r.name == "wattkeeper.kiosk"]
    device = f"{kiosk.device_id}/"
    assert any(device in c and "POST /api/v1/kiosk/code-payments -> 202" in c for c in calls)
    assert any(device in c and f"GET /api/v1/kiosk/orders/{accepted['id']} -> 200" in c for c in calls)


def test_tickets_and_orders_belong_to_the_device(staff, kiosk, sandbox):
    other = _register(staff, "Lobby B")
    _account_id, number, _serial = _account(staff)
    ticket = kiosk.look_up(number)["ticket"]
    stolen = other.call("POST", "/kiosk/orders", {"ticket": ticket, "amount": "5.00", "channel": "alipay"},
                        status=422).json()
    assert stolen["errors"]["json"] == {"ticket": ["Look the account up again."]}
    forged = ticket[:-3] + ("AAA" if not ticket.endswith("AAA") else "BBB")
    kiosk.call("POST", "/kiosk/orders", {"ticket": forged, "amount": "5.00", "channel": "alipay"}, status=422)
    order = kiosk.call("POST", "/kiosk/orders", {"ticket": ticket, "amount": "5.00", "channel": "alipay"},
                       status=201).json()
    other.call("GET", f"/kiosk/orders/{order['id']}", status=404)
    other.call("GET", f"/kiosk/orders/{order['id']}/receipt", status=404)


def test_an_amount_over_the_stored_credit_cap_is_refused_before_any_qr(staff, kiosk):
    _account_id, number, _serial = _account(staff)
    ticket = kiosk.look_up(number)["ticket"]
    refused = kiosk.call("POST", "/kiosk/orders",
                         {"ticket": ticket, "amount": "2000.01", "channel": "alipay"}, status=422).json()
    assert refused["errors"]["json"]["amount"] == ["The largest online payment is 2000.00."]


def test_staff_register_list_and_revoke_kiosks(staff):
    from backoffice.auth.accounts import issue_token, save_operator

    with staff.sessions() as db:
        operator = save_operator(db, {"username": "kiosk-admin", "password": "correct horse battery",
                                      "role": "admin", "all_sites": True})
        _token, raw = issue_token(db, operator.id, "t", 1)
        db.commit()
    admin, site_id = {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}, staff.site_id
    issued = requests.post(f"{staff.url}/api/v1/kiosk-devices", json={"site_id": site_id, "name": "Gate 3"},
                           headers=admin, timeout=30)
    assert issued.status_code == 201, issued.text
    device = issued.json()
    assert device["token"].startswith("wk_") and device["site_id"] == site_id
    assert device["last_seen_at"] is None
    kiosk = Kiosk(staff.url, device["token"], device["id"])
    kiosk.call("GET", "/kiosk/device", status=200)
    listed = requests.get(f"{staff.url}/api/v1/kiosk-devices", headers=admin, timeout=30).json()
    seen = [d for d in listed if d["id"] == device["id"]][0]
    assert seen["last_seen_at"] and seen["name"] == "Gate 3" and "token" not in seen
    assert requests.delete(f"{staff.url}/api/v1/kiosk-devices/{device['id']}", headers=admin,
                           timeout=30).status_code == 204
    kiosk.call("GET", "/kiosk/device", status=401)
