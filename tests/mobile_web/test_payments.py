"""Paying from the tenant pages through the sandbox gateway, as a tenant would: Alipay's WAP page
from a phone browser, a QR on a desktop (decoded from the screen with zxing-cpp), and then the
new balance on the page; a double tap makes one order; a declined payment can be cancelled."""

from __future__ import annotations

import time
from decimal import Decimal
from io import BytesIO
from urllib.parse import urlencode

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from shared_models.models import PaymentOrder
from tests.mobile_web.phone_kit import WECHAT_AGENT, phone, remote_tenants, settle, shoot, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _tenant(office, index: int):
    return remote_tenants(office.sessions, office.ids["site"])[index]


def _balance(page) -> Decimal:
    return Decimal(page.inner_text("[data-testid=balance]").lstrip("¥"))


def _orders(office, account_id: int) -> int:
    with office.sessions() as db:
        return db.scalar(select(func.count(PaymentOrder.id)).where(PaymentOrder.account_id == account_id))


def test_alipay_wap_from_a_phone_browser(browser, office, sandbox):
    tenant = _tenant(office, 4)
    context, page, watch = phone(browser, office)
    try:
        sign_in(page, office, tenant)
        before = _balance(page)
        page.goto(f"{office.url}/m/#/recharge")
        settle(page)
        assert page.inner_text(".method.on") == "支付宝"  # a phone browser pays by Alipay's page
        page.click(".btn-pay")
        page.wait_for_url(f"{sandbox.url}/**")  # Alipay's page (the sandbox's wallet)
        assert "50.00" in page.inner_text("body")
        page.click("button.approve")
        approved = time.monotonic()
        page.wait_for_selector("[data-testid=new-balance]")
        took = time.monotonic() - approved
        assert page.url.startswith(f"{office.url}/m/")
        assert Decimal(page.inner_text("[data-testid=new-balance]").lstrip("¥")) == before + 50
        shoot(page, "order-credited", "zh-CN")
        assert took < 10, took
        page.click("text=查看收据")
        page.wait_for_selector(".receipt-paper")
        assert "支付宝" in page.inner_text(".receipt-paper")
        assert [p for p in watch.problems if office.url in p] == []
    finally:
        context.close()


def _decode_qr(page) -> str:
    image = Image.open(BytesIO(page.locator("img.qr").screenshot()))
    found = zxingcpp.read_barcodes(image)
    assert found, "no QR code could be read from the screen"
    return found[0].text


@pytest.mark.parametrize("channel, name", [("wechat", "WeChat Pay"), ("unionpay", "UnionPay"),
                                           ("alipay", "Alipay")])
def test_a_qr_on_a_desktop_for_each_gateway(browser, office, sandbox, channel, name):
    tenant = _tenant(office, {"wechat": 5, "unionpay": 6, "alipay": 7}[channel])
    context, page, watch = phone(browser, office, "en", desktop=True)
    try:
        sign_in(page, office, tenant)
        before = _balance(page)
        page.goto(f"{office.url}/m/#/recharge")
        settle(page)
        page.click(f".method:has-text('{name}')")
        page.click(".preset:has-text('¥100')")
        page.click(".btn-pay")
        page.wait_for_selector("img.qr")
        settle(page)
        countdown = page.inner_text("[data-testid=countdown]")
        assert countdown.startswith("Expires in 1:59:") or countdown.startswith("Expires in 2:00:")
        if channel == "wechat":
            shoot(page, "order-qr", "en")
        payer = context.new_page()  # the payer's phone, having scanned the code
        payer.goto(_decode_qr(page))
        payer.click("button.approve")
        page.wait_for_selector("[data-testid=new-balance]", timeout=15000)
        assert Decimal(page.inner_text("[data-testid=new-balance]").lstrip("¥")) == before + 100
        assert watch.problems == []
    finally:
        context.close()


def test_a_double_tap_makes_one_order(browser, office):
    tenant = _tenant(office, 8)
    context, page, _watch = phone(browser, office, desktop=True)
    try:
        sign_in(page, office, tenant)
        page.goto(f"{office.url}/m/#/recharge")
        settle(page)
        before = _orders(office, tenant[0])
        page.dblclick(".btn-pay")
        page.wait_for_selector("img.qr")
        settle(page)
        assert _orders(office, tenant[0]) == before + 1
    finally:
        context.close()


def test_a_declined_payment_is_cancelled_and_nothing_is_taken(browser, office):
    tenant = _tenant(office, 9)
    context, page, _watch = phone(browser, office, desktop=True)
    try:
        sign_in(page, office, tenant)
        before = _balance(page)
        page.goto(f"{office.url}/m/#/recharge")
        settle(page)
        page.click(".btn-pay")
        page.wait_for_selector("img.qr")
        payer = context.new_page()
        payer.goto(_decode_qr(page))
        payer.click("button.decline")
        page.click("text=取消本次支付")
        page.wait_for_selector("[data-state=closed]")
        assert "支付已取消或被拒绝" in page.inner_text(".order")
        shoot(page, "order-cancelled", "zh-CN")
        page.goto(f"{office.url}/m/#/home")
        settle(page)
        assert _balance(page) == before
    finally:
        context.close()


# A test stand-in for WeChat's WeixinJSBridge: it keeps the pay call for the test, which pays
# at the sandbox as the WeChat app would and then answers the page as WeChat does.
BRIDGE = """
window.WeixinJSBridge = {
  invoke(name, params, callback) { window.__wechatPay = { name, params, callback }; },
};
"""


def test_wechat_jsapi_inside_wechat(browser, office, sandbox):
    tenant = _tenant(office, 10)
    context, page, watch = phone(browser, office, user_agent=WECHAT_AGENT)
    context.add_init_script(BRIDGE)
    try:
        sign_in(page, office, tenant)
        before = _balance(page)
        page.goto(f"{office.url}/m/#/recharge")  # goes through WeChat's authorisation and back
        page.wait_for_selector(".btn-pay")
        settle(page)
        assert page.inner_text(".method.on") == "微信支付"
        page.click(".btn-pay")
        page.wait_for_selector("[data-state=pending]")
        call = None
        for _ in range(100):
            call = page.evaluate("window.__wechatPay && {name: window.__wechatPay.name, "
                                 "params: window.__wechatPay.params}")
            if call:
                break
            page.wait_for_timeout(100)
        assert call["name"] == "getBrandWCPayRequest"
        wallet = context.new_page()  # what WeChat shows: its own pay sheet (the sandbox's wallet)
        wallet.goto(f"{sandbox.url}/wallet/wechat/jsapi?{urlencode(call['params'])}")
        wallet.click("button.approve")
        wallet.close()
        page.evaluate("window.__wechatPay.callback({err_msg: 'get_brand_wcpay_request:ok'})")
        page.wait_for_selector("[data-testid=new-balance]", timeout=15000)
        assert Decimal(page.inner_text("[data-testid=new-balance]").lstrip("¥")) == before + 50
        shoot(page, "order-wechat-credited", "zh-CN")
        assert [p for p in watch.problems if office.url in p] == []
    finally:
        context.close()
