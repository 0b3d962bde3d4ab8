"""The kiosk's API client against a real back office and the sandbox gateway (no window)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
import requests

from kiosk_app.client import ApiDown, ApiRefused, KioskClient
from ops import kiosk_stack

pytestmark = pytest.mark.slow


@pytest.fixture
def client(stack):
    made = KioskClient(stack.api_url, stack.token, language="en")
    yield made
    made.close()


def until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return found


def test_the_device_its_site_and_a_lookup(stack, client):
    device = client.device()
    assert device["site_code"] == "KSK" and device["name"] == "大堂一号 Lobby 1"
    view = client.look_up("3")
    assert view["number"] == "KSK-000003" and view["ticket"] and view["name"] == "李*生 T***** 3"


def test_refusals_name_their_field_in_the_kiosks_language(stack, client):
    with pytest.raises(ApiRefused) as refused:
        client.look_up("KSK-999999")
    assert refused.value.status == 422 and refused.value.field == "number"
    assert refused.value.message == "No account matches what was entered."
    client.language = "zh"
    with pytest.raises(ApiRefused) as refused:
        client.look_up("KSK-999999")
    assert refused.value.message == "没有与输入内容相符的账户。"


def test_a_qr_payment_through_the_sandbox(stack, client):
    account = stack.accounts[3]
    before = kiosk_stack.balance(stack, account["id"])
    ticket = client.look_up(account["number"])["ticket"]
    order = client.start_qr(ticket, "20.00", "alipay")
    assert order["state"] == "pending" and order["qr_code"]
    requests.post(f"{stack.sandbox_url}/admin/orders/alipay/{order['out_trade_no']}/approve",
                  timeout=10).raise_for_status()
    done = until(lambda: (o := client.order(order["id"]))["state"] == "credited" and o)
    assert Decimal(done["balance_after"]) == before + Decimal("20.00")
    assert client.receipt(order["id"])["amount"] == "20.00"
    assert client.reprint(order["id"])["reprint"] is True


def test_a_payment_code_charged_by_the_worker_and_a_retry_that_replays(stack, client):
    account = stack.accounts[3]
    ticket = client.look_up(account["number"])["ticket"]
    code = "134567890199887766"
    requests.post(f"{stack.sandbox_url}/admin/codes", json={"auth_code": code, "outcome": "success"},
                  timeout=10).raise_for_status()
    first = client.pay_code(ticket, "10.00", code, key="retry-after-a-lost-answer")
    again = client.pay_code(ticket, "10.00", code, key="retry-after-a-lost-answer")
    assert again["id"] == first["id"]
    assert until(lambda: client.order(first["id"])["state"] == "credited")


def test_an_unreachable_back_office_is_down_not_refused(stack):
    down = KioskClient("http://127.0.0.1:9", stack.token, timeout=2)
    with pytest.raises(ApiDown):
        down.device()
    down.close()
    revoked = KioskClient(stack.api_url, "wk_not-a-token")
    with pytest.raises(ApiRefused) as refused:
        revoked.device()
    revoked.close()
    assert refused.value.status == 401


def test_background_calls_answer_on_the_ui_thread(stack, client):
    import threading

    from kivy.clock import Clock

    from kiosk_app.background import Background

    background, seen = Background(), {}
    background.run(client.device, lambda r: seen.update(result=r, thread=threading.current_thread()),
                   lambda e: seen.update(error=e))
    background.run(lambda: KioskClient("http://127.0.0.1:9", "x", timeout=1).device(),
                   lambda r: None, lambda e: seen.update(error=e))
    until(lambda: (Clock.tick() or True) and "result" in seen and "error" in seen)
    background.shutdown()
    assert seen["thread"] is threading.main_thread() and seen["result"]["site_code"] == "KSK"
    assert isinstance(seen["error"], ApiDown)
