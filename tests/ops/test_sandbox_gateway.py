"""The sandbox gateway as a merchant sees it: keys, Alipay and WeChat Pay orders, notifies, scripting."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

import pytest
import requests
from Crypto.PublicKey import RSA

from tests.ops.sandbox_gateway_kit import Alipay, Receiver, Sandbox, WeChat, eventually, form, out_no, sign

SCALE = 0.01


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    return tmp_path_factory.mktemp("sandbox") / "instance"


@pytest.fixture(scope="module")
def sandbox(instance):
    running = Sandbox(instance, SCALE)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def receiver():
    listening = Receiver()
    listening.start()
    yield listening
    listening.stop()


@pytest.fixture
def fast(sandbox):
    """Retry intervals a thousand times shorter for one test."""
    sandbox.admin("POST", "/time-scale", {"time_scale": 0.001})
    yield
    sandbox.admin("POST", "/time-scale", {"time_scale": SCALE})


@pytest.fixture(scope="module")
def alipay(sandbox):
    return Alipay(sandbox.config["alipay"])


@pytest.fixture(scope="module")
def wechat(sandbox):
    return WeChat(sandbox.config["wechat"])


def attempts(sandbox, out_trade_no: str) -> list[dict]:
    order = next(o for o in sandbox.admin("GET", "/orders") if o["out_trade_no"] == out_trade_no)
    return [n for n in sandbox.admin("GET", "/notifies") if n["order_id"] == order["id"]]


# Keys and configuration


def test_payments_toml_points_every_channel_at_the_sandbox(sandbox, instance):
    merchant = (instance / "sandbox_gateway" / "merchant").resolve()
    assert sandbox.toml_path == merchant / "payments.toml"
    assert sandbox.config["alipay"]["base_url"] == sandbox.url + "/alipay"
    assert sandbox.config["wechat"]["base_url"] == sandbox.url + "/wechat"
    assert sandbox.config["unionpay"]["base_url"] == sandbox.url + "/unionpay"
    assert re.fullmatch(r"PUB_KEY_ID_[0-9A-F]{32}", sandbox.config["wechat"]["platform_public_key_id"])
    assert len(Path(sandbox.config["wechat"]["apiv3_key_file"]).read_text().strip()) == 32
    for channel in sandbox.config.values():
        for name, value in channel.items():
            if name.endswith("_file"):
                assert value.startswith(str(merchant)) and Path(value).read_text()
    assert (
        RSA.import_key(Path(sandbox.config["alipay"]["app_private_key_file"]).read_text()).size_in_bits()
        == 2048
    )


def test_keys_are_made_once_and_kept_on_restart(sandbox, instance):
    gateway = instance / "sandbox_gateway"
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(gateway.rglob("*.pem"))}
    assert len(before) >= 15
    again = Sandbox(instance, SCALE)
    try:
        after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(gateway.rglob("*.pem"))}
        assert after == before
        assert again.config["wechat"]["mchid"] == sandbox.config["wechat"]["mchid"]
        assert (
            again.config["alipay"]["base_url"]
            == again.url + "/alipay"
            != sandbox.config["alipay"]["base_url"]
        )
    finally:
        again.stop()


# Alipay


def test_alipay_qr_order_paid_in_the_wallet_is_notified_and_queried(sandbox, alipay, receiver):
    number = out_no("A")
    made = alipay.call(
        "alipay.trade.precreate",
        {"out_trade_no": number, "total_amount": "12.30", "subject": "电费 Electricity"},
        notify_url=receiver.url + "/ali",
    )
    assert made["code"] == "10000" and made["out_trade_no"] == number
    # As at Alipay, the trade exists only once the payer has scanned the code.
    assert alipay.call("alipay.trade.query", {"out_trade_no": number})["sub_code"] == "ACQ.TRADE_NOT_EXIST"

    page = requests.get(made["qr_code"], timeout=10)
    assert (
        page.status_code == 200
        and "12.30" in page.text
        and "Approve" in page.text
        and "确认付款" in page.text
    )
    assert alipay.call("alipay.trade.query", {"out_trade_no": number})["trade_status"] == "WAIT_BUYER_PAY"
    action = re.search(r'action="([^"]+/approve)"', page.text).group(1)
    assert requests.post(sandbox.url + action, timeout=10).status_code == 200

    fields = form(receiver.wait("/ali")[0].body)
    assert alipay.notify_is_genuine(fields)
    assert fields["out_trade_no"] == number and fields["total_amount"] == "12.30"
    assert fields["trade_status"] == "TRADE_SUCCESS" and fields["notify_type"] == "trade_status_sync"
    assert fields["app_id"] == alipay.config["app_id"] and fields["seller_id"] == alipay.config["seller_id"]
    answer = alipay.call("alipay.trade.query", {"out_trade_no": number})
    assert answer["trade_status"] == "TRADE_SUCCESS" and answer["trade_no"] == fields["trade_no"]


def test_alipay_notify_is_retried_on_the_scaled_schedule_until_success(sandbox, alipay, receiver, fast):
    receiver.replies["/ali-retry"] = [(200, b"fail"), (500, b"oops"), (200, b"success ")]
    number = out_no("R")
    alipay.call(
        "alipay.trade.precreate",
        {"out_trade_no": number, "total_amount": "1.00", "subject": "x"},
        notify_url=receiver.url + "/ali-retry",
    )
    sandbox.admin("POST", f"/orders/alipay/{number}/approve")
    tries = receiver.wait("/ali-retry", 4)
    time.sleep(0.8)  # the fourth answer is "success": nothing more comes
    assert len(receiver.on("/ali-retry")) == 4
    gaps = [b.at - a.at for a, b in zip(tries, tries[1:], strict=False)]
    # 4 min, 10 min, 10 min at a thousandth: 0.24 s, 0.6 s, 0.6 s (a reply of "success " is not "success").
    for gap, expected in zip(gaps, (0.24, 0.6, 0.6), strict=True):
        assert expected <= gap < expected + 1.0
    [notify] = attempts(sandbox, number)
    assert notify["status"] == "delivered" and [a["delivered"] for a in notify["attempts"]] == [0, 0, 0, 1]


def test_alipay_refuses_unsigned_and_badly_signed_requests(alipay):
    biz = {"out_trade_no": out_no("S"), "total_amount": "1.00", "subject": "x"}
    forged = alipay.call("alipay.trade.precreate", biz, key=RSA.generate(1024))
    assert (forged["code"], forged["sub_code"]) == ("40002", "isv.invalid-signature")
    params = alipay.params("alipay.trade.precreate", biz)
    del params["sign"]
    text = requests.post(alipay.config["base_url"] + "/gateway.do", data=params, timeout=10).text
    missing = alipay.verified(text, "alipay_trade_precreate_response")
    assert (missing["code"], missing["sub_code"]) == ("40001", "isv.missing-signature")
    params = alipay.params("alipay.trade.precreate", biz)
    params["biz_content"] = params["biz_content"].replace("1.00", "9.00")  # tampered after signing
    text = requests.post(alipay.config["base_url"] + "/gateway.do", data=params, timeout=10).text
    assert alipay.verified(text, "alipay_trade_precreate_response")["code"] == "40002"


def test_alipay_refunds_once_per_request_number_and_no_more_than_was_paid(sandbox, alipay):
    number = out_no("F")
    alipay.call("alipay.trade.precreate", {"out_trade_no": number, "total_amount": "10.00", "subject": "x"})
    sandbox.admin("POST", f"/orders/alipay/{number}/approve")
    first = alipay.call(
        "alipay.trade.refund", {"out_trade_no": number, "refund_amount": "4.00", "out_request_no": "R1"}
    )
    assert (first["code"], first["fund_change"], first["refund_fee"]) == ("10000", "Y", "4.00")
    again = alipay.call(
        "alipay.trade.refund", {"out_trade_no": number, "refund_amount": "4.00", "out_request_no": "R1"}
    )
    assert (again["fund_change"], again["refund_fee"]) == ("N", "4.00")
    too_much = alipay.call(
        "alipay.trade.refund", {"out_trade_no": number, "refund_amount": "6.01", "out_request_no": "R2"}
    )
    assert too_much["sub_code"] == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"
    assert alipay.call("alipay.trade.close", {"out_trade_no": number})["sub_code"] == "ACQ.TRADE_STATUS_ERROR"
    cancelled = alipay.call("alipay.trade.cancel", {"out_trade_no": number})
    assert (cancelled["code"], cancelled["action"]) == ("10000", "refund")
    assert alipay.call("alipay.trade.query", {"out_trade_no": number})["trade_status"] == "TRADE_CLOSED"
    assert (
        sum(
            r["amount"]
            for r in sandbox.admin("GET", "/refunds")
            if r["out_refund_no"] in ("R1", "cancel:" + number)
        )
        == 1000
    )


def test_alipay_close_and_cancel_of_unpaid_orders(sandbox, alipay):
    number = out_no("C")
    alipay.call("alipay.trade.precreate", {"out_trade_no": number, "total_amount": "3.00", "subject": "x"})
    assert alipay.call("alipay.trade.close", {"out_trade_no": number})["sub_code"] == "ACQ.TRADE_NOT_EXIST"
    sandbox.admin("POST", f"/orders/alipay/{number}/decline")
    assert alipay.call("alipay.trade.query", {"out_trade_no": number})["trade_status"] == "WAIT_BUYER_PAY"
    assert alipay.call("alipay.trade.close", {"out_trade_no": number})["code"] == "10000"
    assert alipay.call("alipay.trade.query", {"out_trade_no": number})["trade_status"] == "TRADE_CLOSED"
    assert requests.post(f"{sandbox.url}/admin/orders/alipay/{number}/approve", timeout=10).status_code == 409
    assert alipay.call("alipay.trade.cancel", {"out_trade_no": number})["action"] == "close"


def test_alipay_barcode_payment_waits_for_the_payer_then_succeeds(sandbox, alipay):
    code = "28" + "7" * 16
    sandbox.admin("POST", "/codes", {"auth_code": code, "outcome": "userpaying", "seconds": 1.5})
    number = out_no("B")
    paying = alipay.call(
        "alipay.trade.pay",
        {
            "out_trade_no": number,
            "scene": "bar_code",
            "auth_code": code,
            "total_amount": "5.00",
            "subject": "x",
        },
    )
    assert paying["code"] == "10003"
    assert alipay.call("alipay.trade.query", {"out_trade_no": number})["trade_status"] == "WAIT_BUYER_PAY"
    status = eventually(
        lambda: alipay.call("alipay.trade.query", {"out_trade_no": number})["trade_status"] == "TRADE_SUCCESS"
    )
    assert status
    bad = alipay.call(
        "alipay.trade.pay",
        {
            "out_trade_no": out_no("B"),
            "scene": "bar_code",
            "auth_code": "123",
            "total_amount": "5.00",
            "subject": "x",
        },
    )
    assert bad["sub_code"] == "ACQ.PAYMENT_AUTH_CODE_INVALID"
    poor = "25" + "3" * 16
    sandbox.admin("POST", "/codes", {"auth_code": poor, "outcome": "insufficient"})
    refused = alipay.call(
        "alipay.trade.pay",
        {
            "out_trade_no": out_no("B"),
            "scene": "bar_code",
            "auth_code": poor,
            "total_amount": "5.00",
            "subject": "x",
        },
    )
    assert refused["sub_code"] == "ACQ.BUYER_BALANCE_NOT_ENOUGH"


# WeChat Pay v3


def test_wechat_native_order_paid_in_the_wallet_sends_an_encrypted_signed_notify(sandbox, wechat, receiver):
    number = out_no("W")
    made = wechat.call(
        "POST", "/v3/pay/transactions/native", wechat.order(number, 1230, receiver.url + "/wx")
    )
    assert made.status_code == 200
    page = requests.get(made.json()["code_url"], timeout=10)
    assert "12.30" in page.text and "微信支付" in page.text
    action = re.search(r'action="([^"]+/approve)"', page.text).group(1)
    requests.post(sandbox.url + action, timeout=10)

    notify = receiver.wait("/wx")[0]
    assert wechat.genuine(notify.headers, notify.body)
    event = json.loads(notify.body)
    assert event["event_type"] == "TRANSACTION.SUCCESS" and event["resource_type"] == "encrypt-resource"
    assert event["resource"]["algorithm"] == "AEAD_AES_256_GCM" and len(event["resource"]["nonce"]) == 12
    paid = wechat.decrypt(event["resource"])
    assert (paid["out_trade_no"], paid["trade_state"], paid["amount"]["total"]) == (number, "SUCCESS", 1230)
    assert paid["mchid"] == wechat.config["mchid"] and paid["appid"] == wechat.config["appid"]
    queried = wechat.call("GET", f"/v3/pay/transactions/out-trade-no/{number}?mchid={wechat.config['mchid']}")
    assert queried.json()["transaction_id"] == paid["transaction_id"]
    assert queried.json()["trade_state"] == "SUCCESS"


def test_wechat_notify_retried_until_a_2xx(sandbox, wechat, receiver, fast):
    receiver.replies["/wx-retry"] = [(500, b'{"code":"FAIL","message":"busy"}')]
    receiver.default["/wx-retry"] = (204, b"")
    number = out_no("X")
    wechat.call("POST", "/v3/pay/transactions/native", wechat.order(number, 100, receiver.url + "/wx-retry"))
    sandbox.admin("POST", f"/orders/wechat/{number}/approve")
    first, second = receiver.wait("/wx-retry", 2)
    assert second.at - first.at >= 0.015  # 15 s at a thousandth
    time.sleep(0.3)
    assert len(receiver.on("/wx-retry")) == 2
    assert first.body == second.body or first.headers["Wechatpay-Nonce"] != second.headers["Wechatpay-Nonce"]


def test_wechat_refuses_unsigned_and_badly_signed_requests(wechat):
    url = wechat.config["base_url"] + f"/v3/pay/transactions/out-trade-no/NOPE?mchid={wechat.config['mchid']}"
    unsigned = requests.get(url, timeout=10)
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "SIGN_ERROR"
    forged = wechat.call("GET", "", url=url, key=RSA.generate(1024))
    assert forged.status_code == 401 and forged.json()["code"] == "SIGN_ERROR"
    stale = wechat.call("GET", "", url=url, timestamp=int(time.time()) - 900)
    assert stale.status_code == 401
    assert wechat.call("GET", "", url=url).json()["code"] == "ORDER_NOT_EXIST"


def test_wechat_code_payment_userpaying_then_success_and_reverse(sandbox, wechat):
    code = "134" + "5" * 15
    sandbox.admin("POST", "/codes", {"auth_code": code, "outcome": "userpaying", "seconds": 1.5})
    number = out_no("P")
    body = wechat.order(
        number, 800, "", payer={"auth_code": code}, scene_info={"store_info": {"out_id": "K1"}}
    )
    del body["notify_url"]
    paying = wechat.call("POST", "/v3/pay/transactions/codepay", body)
    assert paying.status_code == 202 and paying.json()["code"] == "USERPAYING"
    query = f"/v3/pay/transactions/out-trade-no/{number}?mchid={wechat.config['mchid']}"
    assert wechat.call("GET", query).json()["trade_state"] == "USERPAYING"
    assert eventually(lambda: wechat.call("GET", query).json()["trade_state"] == "SUCCESS")
    reversed_ = wechat.call(
        "POST",
        f"/v3/pay/transactions/out-trade-no/{number}/reverse",
        {"appid": wechat.config["appid"], "mchid": wechat.config["mchid"]},
    )
    assert reversed_.status_code == 200
    assert wechat.call("GET", query).json()["trade_state"] == "REVOKED"

    poor = "104" + "2" * 15
    sandbox.admin("POST", "/codes", {"auth_code": poor, "outcome": "insufficient"})
    body = dict(body, out_trade_no=out_no("P"), payer={"auth_code": poor})
    refused = wechat.call("POST", "/v3/pay/transactions/codepay", body)
    assert refused.status_code == 403 and refused.json()["code"] == "NOTENOUGH"
    invalid = wechat.call("POST", "/v3/pay/transactions/codepay", dict(body, payer={"auth_code": "99" * 9}))
    assert invalid.status_code == 400 and invalid.json()["code"] == "AUTH_CODE_INVALID"


def test_wechat_refund_processing_then_success_notified_once_per_number(sandbox, wechat, receiver):
    number = out_no("F")
    wechat.call("POST", "/v3/pay/transactions/native", wechat.order(number, 500, receiver.url + "/wx-pay"))
    sandbox.admin("POST", f"/orders/wechat/{number}/approve")
    ask = {
        "out_trade_no": number,
        "out_refund_no": number + "-R1",
        "reason": "退电 refund",
        "notify_url": receiver.url + "/wx-refund",
        "amount": {"refund": 200, "total": 500, "currency": "CNY"},
    }
    made = wechat.call("POST", "/v3/refund/domestic/refunds", ask).json()
    assert made["status"] == "PROCESSING" and made["amount"]["refund"] == 200
    again = wechat.call("POST", "/v3/refund/domestic/refunds", ask).json()
    assert again["refund_id"] == made["refund_id"]
    notify = receiver.wait("/wx-refund")[0]
    done = wechat.decrypt(json.loads(notify.body)["resource"])
    assert (done["refund_status"], done["out_refund_no"], done["amount"]["refund"]) == (
        "SUCCESS",
        ask["out_refund_no"],
        200,
    )
    assert (
        wechat.call("GET", f"/v3/refund/domestic/refunds/{ask['out_refund_no']}").json()["status"]
        == "SUCCESS"
    )
    too_much = wechat.call(
        "POST",
        "/v3/refund/domestic/refunds",
        dict(ask, out_refund_no=number + "-R2", amount={"refund": 301, "total": 500, "currency": "CNY"}),
    )
    assert too_much.status_code == 400
    assert len([r for r in sandbox.admin("GET", "/refunds") if r["out_refund_no"].startswith(number)]) == 1


def test_wechat_close_and_unknown_orders(sandbox, wechat):
    number = out_no("Z")
    wechat.call("POST", "/v3/pay/transactions/native", wechat.order(number, 100, "http://127.0.0.1:9/n"))
    closed = wechat.call(
        "POST", f"/v3/pay/transactions/out-trade-no/{number}/close", {"mchid": wechat.config["mchid"]}
    )
    assert closed.status_code == 204 and closed.content == b""
    query = f"/v3/pay/transactions/out-trade-no/{number}?mchid={wechat.config['mchid']}"
    assert wechat.call("GET", query).json()["trade_state"] == "CLOSED"
    missing = wechat.call(
        "POST", "/v3/pay/transactions/out-trade-no/NOPE/close", {"mchid": wechat.config["mchid"]}
    )
    assert missing.status_code == 404


# Admin scripting


def test_scripted_notifies_drop_duplicate_forge_and_bend(sandbox, alipay, wechat, receiver):
    def paid_wechat(path: str) -> str:
        number = out_no("M")
        wechat.call("POST", "/v3/pay/transactions/native", wechat.order(number, 700, receiver.url + path))
        sandbox.admin("POST", f"/orders/wechat/{number}/approve")
        return number

    sandbox.admin("POST", "/notify-scripts", {"action": "drop", "gateway": "wechat"})
    dropped = paid_wechat("/m-drop")
    sandbox.admin("POST", "/notify-scripts", {"action": "duplicate", "times": 2})
    paid_wechat("/m-dup")
    sandbox.admin("POST", "/notify-scripts", {"action": "forge"})
    paid_wechat("/m-forge")
    sandbox.admin("POST", "/notify-scripts", {"action": "probe", "gateway": "wechat"})
    paid_wechat("/m-probe")
    sandbox.admin("POST", "/notify-scripts", {"action": "wrong_amount", "amount": 1})
    paid_wechat("/m-amount")
    sandbox.admin("POST", "/notify-scripts", {"action": "wrong_merchant"})
    paid_wechat("/m-merchant")

    assert len(receiver.wait("/m-dup", 3)) == 3
    forged = receiver.wait("/m-forge")[0]
    assert not wechat.genuine(forged.headers, forged.body)
    probe = receiver.wait("/m-probe")[0]
    assert probe.headers["Wechatpay-Signature"].startswith("WECHATPAY/SIGNTEST/")
    bent = wechat.decrypt(json.loads(receiver.wait("/m-amount")[0].body)["resource"])
    assert bent["amount"]["total"] == 1
    other = wechat.decrypt(json.loads(receiver.wait("/m-merchant")[0].body)["resource"])
    assert other["mchid"] != wechat.config["mchid"]
    assert receiver.on("/m-drop") == [] and attempts(sandbox, dropped)[0]["status"] == "dropped"


def test_scripted_delay_and_api_failures(sandbox, alipay, receiver):
    number = out_no("D")
    sandbox.admin("POST", "/notify-scripts", {"action": "delay", "seconds": 0.7, "out_trade_no": number})
    alipay.call(
        "alipay.trade.precreate",
        {"out_trade_no": number, "total_amount": "2.00", "subject": "x"},
        notify_url=receiver.url + "/d",
    )
    approved = time.time()
    sandbox.admin("POST", f"/orders/alipay/{number}/approve")
    assert receiver.wait("/d")[0].at - approved >= 0.7

    sandbox.admin("POST", "/api-failures", {"count": 2, "gateway": "alipay"})
    params = alipay.params("alipay.trade.query", {"out_trade_no": number})
    statuses = [
        requests.post(alipay.config["base_url"] + "/gateway.do", data=params, timeout=10).status_code
        for _ in range(3)
    ]
    assert statuses == [503, 503, 200]


# Bills


def today() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")


def test_alipay_bill_lists_the_days_trades_and_refunds_and_leaves_out_what_admin_said(sandbox, alipay):
    kept, left_out = out_no("K"), out_no("L")
    for number in (kept, left_out):
        alipay.call(
            "alipay.trade.precreate", {"out_trade_no": number, "total_amount": "20.00", "subject": "电费"}
        )
        sandbox.admin("POST", f"/orders/alipay/{number}/approve")
    alipay.call(
        "alipay.trade.refund", {"out_trade_no": kept, "refund_amount": "5.00", "out_request_no": "K-R1"}
    )
    sandbox.admin("POST", "/bill-omissions", {"gateway": "alipay", "out_trade_no": left_out})

    link = alipay.call(
        "alipay.data.dataservice.bill.downloadurl.query", {"bill_type": "trade", "bill_date": today()}
    )
    archive = zipfile.ZipFile(io.BytesIO(requests.get(link["bill_download_url"], timeout=10).content))
    detail_name = next(n for n in archive.namelist() if n.endswith("_业务明细.csv"))
    summary_name = next(n for n in archive.namelist() if n.endswith("_业务明细(汇总).csv"))
    assert detail_name.startswith(alipay.config["seller_id"] + "_" + today().replace("-", ""))
    lines = archive.read(detail_name).decode("gbk").splitlines()
    header = next(line for line in lines if not line.startswith("#")).split(",")
    assert len(header) == 25 and header[11] == "订单金额（元）"
    rows = [
        dict(zip(header, line.split(","), strict=True))
        for line in lines[lines.index(",".join(header)) + 1 :]
        if not line.startswith("#")
    ]
    mine = [r for r in rows if r["商户订单号"].strip() == kept]
    assert sorted((r["业务类型"], r["订单金额（元）"]) for r in mine) == [
        ("交易", "20.00"),
        ("退款", "-5.00"),
    ]
    refund_row = next(r for r in mine if r["业务类型"] == "退款")
    assert refund_row["退款批次号/请求号"].strip() == "K-R1"
    assert not [r for r in rows if r["商户订单号"].strip() == left_out]
    summary = archive.read(summary_name).decode("gbk").splitlines()
    total = next(line for line in summary if line.startswith("合计")).split(",")
    assert int(total[2]) == len([r for r in rows if r["业务类型"] == "交易"])
    received = sum(Decimal(r["订单金额（元）"]) for r in rows if r["业务类型"] == "交易")
    assert Decimal(total[4]) == received


def test_wechat_bill_hash_matches_and_rows_cover_payments_and_refunds(sandbox, wechat):
    kept, left_out = out_no("K"), out_no("L")
    for number in (kept, left_out):
        wechat.call("POST", "/v3/pay/transactions/native", wechat.order(number, 990, "http://127.0.0.1:9/n"))
        sandbox.admin("POST", f"/orders/wechat/{number}/approve")
    sandbox.admin("POST", "/bill-omissions", {"gateway": "wechat", "out_trade_no": left_out})
    wechat.call(
        "POST",
        "/v3/refund/domestic/refunds",
        {
            "out_trade_no": kept,
            "out_refund_no": kept + "-R",
            "amount": {"refund": 90, "total": 990, "currency": "CNY"},
        },
    )
    # PROCESSING for 3 s at a hundredth, then SUCCESS (and billed).
    assert eventually(
        lambda: [
            r
            for r in sandbox.admin("GET", "/refunds")
            if r["out_refund_no"] == kept + "-R" and r["status"] == "SUCCESS"
        ]
    )

    link = wechat.call("GET", f"/v3/bill/tradebill?bill_date={today()}&bill_type=ALL&tar_type=GZIP").json()
    assert link["hash_type"] == "SHA1"
    file = wechat.call("GET", "", url=link["download_url"])
    assert hashlib.sha1(file.content).hexdigest() == link["hash_value"]
    lines = gzip.decompress(file.content).decode("utf-8").splitlines()
    header = lines[0].split(",")
    assert len(header) == 27 and header[:3] == ["交易时间", "公众账号ID", "商户号"]
    summary_at = next(i for i, line in enumerate(lines) if line.startswith("总交易单数"))
    rows = [
        dict(zip(header, (c.removeprefix("`") for c in line.split(",")), strict=True))
        for line in lines[1:summary_at]
    ]
    assert all(c.startswith("`") for c in lines[1].split(","))
    mine = sorted((r["交易状态"], r["应结订单金额"], r["退款金额"]) for r in rows if r["商户订单号"] == kept)
    assert mine == [("REFUND", "0.00", "0.90"), ("SUCCESS", "9.90", "0.00")]
    assert not [r for r in rows if r["商户订单号"] == left_out]
    totals = [c.removeprefix("`") for c in lines[summary_at + 1].split(",")]
    assert int(totals[0]) == len(rows)
    assert Decimal(totals[1]) == sum(Decimal(r["应结订单金额"]) for r in rows)
    assert Decimal(totals[2]) == sum(Decimal(r["退款金额"]) for r in rows)
    none = wechat.call("GET", "/v3/bill/tradebill?bill_date=2020-01-01&bill_type=ALL&tar_type=GZIP")
    assert none.status_code == 400 and none.json()["code"] == "NO_STATEMENT_EXIST"


# The payer's other ways in: Alipay WAP and WeChat JSAPI


def test_alipay_wap_link_leads_to_the_wallet_and_back_with_a_signed_return(sandbox, alipay):
    number = out_no("H")
    params = alipay.params(
        "alipay.trade.wap.pay",
        {"out_trade_no": number, "total_amount": "8.80", "subject": "x", "product_code": "QUICK_WAP_WAY"},
        return_url="https://merchant.example/back?site=1",
        notify_url="http://127.0.0.1:9/n",
    )
    page = requests.get(alipay.config["base_url"] + "/gateway.do?" + urlencode(params), timeout=10)
    assert page.status_code == 200 and "8.80" in page.text
    action = re.search(r'action="([^"]+/approve)"', page.text).group(1)
    back = requests.post(sandbox.url + action, allow_redirects=False, timeout=10).headers["Location"]
    assert back.startswith("https://merchant.example/back?site=1&")
    returned = dict(parse_qsl(back.split("?", 1)[1]))
    assert returned["out_trade_no"] == number and returned["method"] == "alipay.trade.wap.pay.return"
    assert alipay.notify_is_genuine({k: v for k, v in returned.items() if k != "site"})
    params["sign"] = params["sign"][::-1]
    assert (
        requests.get(alipay.config["base_url"] + "/gateway.do?" + urlencode(params), timeout=10).status_code
        == 400
    )


def test_wechat_jsapi_pay_call_leads_to_the_wallet(sandbox, wechat):
    number = out_no("J")
    made = wechat.call(
        "POST",
        "/v3/pay/transactions/jsapi",
        wechat.order(number, 300, "http://127.0.0.1:9/n", payer={"openid": "oTenant1"}),
    ).json()
    stamp, nonce, package = str(int(time.time())), "n0nce", "prepay_id=" + made["prepay_id"]
    pay_sign = sign(wechat.key, f"{wechat.config['appid']}\n{stamp}\n{nonce}\n{package}\n".encode())
    call = {
        "appId": wechat.config["appid"],
        "timeStamp": stamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": pay_sign,
    }
    page = requests.get(sandbox.url + "/wallet/wechat/jsapi", params=call, timeout=10)
    assert page.status_code == 200 and "3.00" in page.text and number in page.text
    forged = requests.get(
        sandbox.url + "/wallet/wechat/jsapi", params=dict(call, nonceStr="other"), timeout=10
    )
    assert forged.status_code == 400


def test_unpaid_orders_close_when_they_expire(sandbox, wechat):
    number = out_no("E")
    expire = datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0) + timedelta(seconds=1)
    wechat.call(
        "POST",
        "/v3/pay/transactions/native",
        wechat.order(number, 100, "http://127.0.0.1:9/n", time_expire=expire.isoformat()),
    )
    query = f"/v3/pay/transactions/out-trade-no/{number}?mchid={wechat.config['mchid']}"
    assert wechat.call("GET", query).json()["trade_state"] == "NOTPAY"
    assert eventually(lambda: wechat.call("GET", query).json()["trade_state"] == "CLOSED")
    assert requests.post(f"{sandbox.url}/admin/orders/wechat/{number}/approve", timeout=10).status_code == 409


def test_records_survive_a_restart(sandbox, instance, alipay):
    number = out_no("S")
    alipay.call("alipay.trade.precreate", {"out_trade_no": number, "total_amount": "6.60", "subject": "x"})
    sandbox.admin("POST", f"/orders/alipay/{number}/approve")
    again = Sandbox(instance, None, env={"SANDBOX_TIME_SCALE": "0.5"})
    try:
        answer = Alipay(again.config["alipay"]).call("alipay.trade.query", {"out_trade_no": number})
        assert (answer["trade_status"], answer["total_amount"]) == ("TRADE_SUCCESS", "6.60")
        assert again.admin("GET", "/")["time_scale"] == 0.5
    finally:
        again.stop()


def test_concurrent_identical_orders_make_one(sandbox, alipay):
    number = out_no("N")
    biz = {"out_trade_no": number, "total_amount": "4.00", "subject": "x"}
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: alipay.call("alipay.trade.precreate", biz), range(8)))
    assert {a["code"] for a in answers} == {"10000"} and len({a["qr_code"] for a in answers}) == 1
    assert len([o for o in sandbox.admin("GET", "/orders") if o["out_trade_no"] == number]) == 1


def test_admin_settles_a_code_payment_left_waiting_for_the_password(sandbox, wechat):
    query = "/v3/pay/transactions/out-trade-no/{}?mchid=" + wechat.config["mchid"]
    outcomes = {}
    for action in ("approve", "decline"):
        code = "11" + str(time.time_ns())[-16:]
        sandbox.admin("POST", "/codes", {"auth_code": code, "outcome": "userpaying_forever"})
        number = out_no("G")
        body = wechat.order(number, 250, "", payer={"auth_code": code})
        del body["notify_url"]
        assert wechat.call("POST", "/v3/pay/transactions/codepay", body).status_code == 202
        sandbox.admin("POST", f"/orders/wechat/{number}/{action}")
        outcomes[action] = wechat.call("GET", query.format(number)).json()["trade_state"]
    assert outcomes == {"approve": "SUCCESS", "decline": "PAYERROR"}
