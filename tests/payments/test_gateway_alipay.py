"""Alipay adapter against a real local HTTP server answering signed gateway.do responses."""

from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from shared_models.payments.gateways.alipay import AlipayGateway
from shared_models.payments.gateways.base import (
    BadNotify,
    ChargeState,
    GatewayRefused,
    GatewayUnavailable,
)
from shared_models.payments.gateways.wire import rsa_sign, rsa_verify, sorted_pairs
from tests.payments.gateway_kit import GatewayServer, Seen, rsa_key

CREATED = datetime(2024, 3, 15, 4, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def server():
    server = GatewayServer()
    yield server
    server.close()


@pytest.fixture
def gateway(server):
    server.seen.clear()
    return AlipayGateway(
        base_url=server.url + "/alipay",
        app_id="2021000000000001",
        seller_id="2088000000000001",
        app_private_key=rsa_key("alipay-app"),
        alipay_public_key=rsa_key("alipay-platform").public_key(),
        timeout_s=2,
    )


def signed_body(method: str, node_text: str, key=None) -> bytes:
    """A response as Alipay writes it: the sign covers the node's exact text."""
    sign = rsa_sign(key or rsa_key("alipay-platform"), node_text.encode("utf-8"))
    name = method.replace(".", "_") + "_response"
    return f'{{"{name}":{node_text},"sign":"{sign}"}}'.encode()


def answering(server, method: str, node: dict | str, key=None):
    text = node if isinstance(node, str) else json.dumps(node)
    server.answer = lambda seen: (
        200,
        {"Content-Type": "application/json;charset=utf-8"},
        signed_body(method, text, key),
    )


def form_of(seen: Seen) -> dict[str, str]:
    return dict(parse_qsl(seen.body.decode("utf-8"), keep_blank_values=True))


def test_a_request_carries_the_common_params_and_an_rsa2_sign_over_the_sorted_raw_values(
    server, gateway
):
    answering(
        server, "alipay.trade.precreate", {"code": "10000", "msg": "Success", "qr_code": "https://qr/x"}
    )
    checkout = gateway.checkout(
        flow="qr",
        out_trade_no="WK1",
        amount=Decimal("12.3"),
        subject="电费 充值",
        notify_url="https://wk.example/notify/alipay",
        expires_at=datetime.now(UTC) + timedelta(minutes=120),
        created_at=CREATED,
    )
    assert checkout.qr_code == "https://qr/x"
    seen = server.seen[-1]
    assert seen.method == "POST" and seen.path == "/alipay/gateway.do"
    params = form_of(seen)
    sign = params.pop("sign")
    assert rsa_verify(rsa_key("alipay-app").public_key(), sorted_pairs(params).encode(), sign)
    assert {
        key: params[key] for key in ("app_id", "method", "format", "charset", "sign_type", "version")
    } == {
        "app_id": "2021000000000001",
        "method": "alipay.trade.precreate",
        "format": "JSON",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "version": "1.0",
    }
    datetime.strptime(params["timestamp"], "%Y-%m-%d %H:%M:%S")
    assert params["notify_url"] == "https://wk.example/notify/alipay"
    biz = json.loads(params["biz_content"])
    assert biz == {
        "out_trade_no": "WK1",
        "total_amount": "12.30",
        "subject": "电费 充值",
        "timeout_express": "120m",
    }


def test_the_answer_sign_covers_the_raw_node_text_not_a_reserialisation(server, gateway):
    # Spacing and \\u escapes as Alipay sent them: re-serialising would change the signed bytes.
    node = (
        '{ "code":"10000","msg":"Success","trade_no":"2024031522001","out_trade_no":"WK2",'
        '"trade_status":"TRADE_SUCCESS","total_amount":"12.30","subject":"\\u7535\\u8d39",'
        '"send_pay_date":"2024-03-15 12:00:05" }'
    )
    answering(server, "alipay.trade.query", node)
    charge = gateway.query("WK2", created_at=CREATED)
    assert charge.state is ChargeState.PAID
    assert charge.trade_no == "2024031522001"
    assert charge.amount == Decimal("12.30")
    assert charge.paid_at == datetime(2024, 3, 15, 4, 0, 5, tzinfo=UTC)


@pytest.mark.parametrize("forge", ["tampered node", "wrong key", "unsigned"])
def test_an_answer_not_signed_by_alipay_is_an_unknown_outcome(server, gateway, forge):
    node = {
        "code": "10000",
        "msg": "Success",
        "trade_no": "1",
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "12.30",
    }
    text = json.dumps(node)
    if forge == "tampered node":
        body = signed_body("alipay.trade.query", text).replace(b"12.30", b"99.30")
    elif forge == "wrong key":
        body = signed_body("alipay.trade.query", text, key=rsa_key("intruder"))
    else:
        body = f'{{"alipay_trade_query_response":{text}}}'.encode()
    server.answer = lambda seen: (200, {}, body)
    with pytest.raises(GatewayUnavailable):
        gateway.query("WK3", created_at=CREATED)


@pytest.mark.parametrize(
    "node, state",
    [
        (
            {
                "code": "10000",
                "msg": "Success",
                "trade_no": "7",
                "trade_status": "WAIT_BUYER_PAY",
                "total_amount": "1.00",
            },
            ChargeState.PENDING,
        ),
        (
            {
                "code": "10000",
                "msg": "Success",
                "trade_no": "7",
                "trade_status": "TRADE_CLOSED",
                "total_amount": "1.00",
            },
            ChargeState.CLOSED,
        ),
        (
            {
                "code": "10000",
                "msg": "Success",
                "trade_no": "7",
                "trade_status": "TRADE_CLOSED",
                "total_amount": "1.00",
                "send_pay_date": "2024-03-15 12:00:00",
            },
            ChargeState.REFUNDED,
        ),
        (
            {
                "code": "10000",
                "msg": "Success",
                "trade_no": "7",
                "trade_status": "TRADE_FINISHED",
                "total_amount": "1.00",
                "send_pay_date": "2024-03-15 12:00:00",
            },
            ChargeState.PAID,
        ),
        (
            {
                "code": "40004",
                "msg": "Business Failed",
                "sub_code": "ACQ.TRADE_NOT_EXIST",
                "sub_msg": "交易不存在",
            },
            ChargeState.NOT_FOUND,
        ),
    ],
)
def test_query_states(server, gateway, node, state):
    answering(server, "alipay.trade.query", node)
    assert gateway.query("WK4", created_at=CREATED).state is state


def test_a_bar_code_payment_paid_waiting_refused_or_busy(server, gateway):
    answering(
        server,
        "alipay.trade.pay",
        {
            "code": "10000",
            "msg": "Success",
            "trade_no": "88",
            "total_amount": "5.00",
            "gmt_payment": "2024-03-15 12:00:00",
        },
    )
    charge = gateway.pay_code(
        out_trade_no="WK5",
        amount=Decimal("5"),
        subject="电费",
        auth_code="283456789012345678",
        created_at=CREATED,
    )
    assert (charge.state, charge.amount) == (ChargeState.PAID, Decimal("5.00"))
    biz = json.loads(form_of(server.seen[-1])["biz_content"])
    assert biz["scene"] == "bar_code" and biz["auth_code"] == "283456789012345678"

    answering(
        server,
        "alipay.trade.pay",
        {"code": "10003", "msg": "order success pay inprocess", "trade_no": "88"},
    )
    assert (
        gateway.pay_code(
            out_trade_no="WK5", amount=Decimal("5"), subject="s", auth_code="28", created_at=CREATED
        ).state
        is ChargeState.USERPAYING
    )

    answering(
        server,
        "alipay.trade.pay",
        {
            "code": "40004",
            "msg": "Business Failed",
            "sub_code": "ACQ.PAYMENT_AUTH_CODE_INVALID",
            "sub_msg": "付款码无效",
        },
    )
    with pytest.raises(GatewayRefused) as refused:
        gateway.pay_code(
            out_trade_no="WK5", amount=Decimal("5"), subject="s", auth_code="28", created_at=CREATED
        )
    assert refused.value.code == "ACQ.PAYMENT_AUTH_CODE_INVALID"

    answering(
        server,
        "alipay.trade.pay",
        {"code": "20000", "msg": "Service Currently Unavailable", "sub_code": "isp.unknow-error"},
    )
    with pytest.raises(GatewayUnavailable):
        gateway.pay_code(
            out_trade_no="WK5", amount=Decimal("5"), subject="s", auth_code="28", created_at=CREATED
        )


def test_a_5xx_or_a_timeout_is_an_unknown_outcome(server, gateway):
    server.answer = lambda seen: (502, {}, b"bad gateway")
    with pytest.raises(GatewayUnavailable):
        gateway.close("WK6", created_at=CREATED)
    slow = AlipayGateway(
        base_url=server.url,
        app_id="a",
        seller_id="s",
        app_private_key=rsa_key("alipay-app"),
        alipay_public_key=rsa_key("alipay-platform").public_key(),
        timeout_s=0.2,
    )
    server.answer = lambda seen: (time.sleep(0.5), (200, {}, b"{}"))[1]
    with pytest.raises(GatewayUnavailable):
        slow.close("WK6", created_at=CREATED)


def test_close_of_an_order_nobody_scanned_is_done_and_refund_sends_its_request_number(server, gateway):
    answering(
        server,
        "alipay.trade.close",
        {
            "code": "40004",
            "msg": "Business Failed",
            "sub_code": "ACQ.TRADE_NOT_EXIST",
            "sub_msg": "交易不存在",
        },
    )
    gateway.close("WK7", created_at=CREATED)
    answering(
        server,
        "alipay.trade.refund",
        {"code": "10000", "msg": "Success", "trade_no": "99", "fund_change": "Y", "refund_fee": "2.00"},
    )
    result = gateway.refund(
        out_trade_no="WK7",
        trade_no="99",
        out_refund_no="WK7R1",
        amount=Decimal("2"),
        total=Decimal("10"),
        created_at=CREATED,
    )
    assert (result.state, result.amount) == ("succeeded", Decimal("2"))
    biz = json.loads(form_of(server.seen[-1])["biz_content"])
    assert biz == {"out_trade_no": "WK7", "refund_amount": "2.00", "out_request_no": "WK7R1"}


def test_cancel_that_asks_for_a_retry_is_an_unknown_outcome(server, gateway):
    answering(
        server,
        "alipay.trade.cancel",
        {"code": "10000", "msg": "Success", "retry_flag": "Y", "action": ""},
    )
    with pytest.raises(GatewayUnavailable):
        gateway.cancel("WK8", created_at=CREATED, amount=Decimal("1"), trade_no=None)
    answering(
        server,
        "alipay.trade.cancel",
        {"code": "10000", "msg": "Success", "retry_flag": "N", "action": "refund"},
    )
    gateway.cancel("WK8", created_at=CREATED, amount=Decimal("1"), trade_no=None)


def test_the_wap_url_is_a_signed_get_to_gateway_do(gateway):
    checkout = gateway.checkout(
        flow="wap",
        out_trade_no="WK9",
        amount=Decimal("20"),
        subject="电费",
        notify_url="https://wk/n",
        return_url="https://wk/m/done",
        expires_at=datetime.now(UTC) + timedelta(minutes=30),
        created_at=CREATED,
    )
    url = urlsplit(checkout.url)
    assert url.path == "/alipay/gateway.do"
    params = dict(parse_qsl(url.query))
    sign = params.pop("sign")
    assert rsa_verify(rsa_key("alipay-app").public_key(), sorted_pairs(params).encode(), sign)
    assert params["method"] == "alipay.trade.wap.pay" and params["return_url"] == "https://wk/m/done"
    assert json.loads(params["biz_content"])["product_code"] == "QUICK_WAP_WAY"


def test_the_bill_is_fetched_from_the_download_url_and_must_be_a_zip(server, gateway):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("2088_20240315_业务明细.csv", "#支付宝业务明细查询\n".encode("gbk"))
    good = buffer.getvalue()
    files = {"/bill/good": good, "/bill/bad": b"PK\x03\x04 not really"}

    def answer(seen):
        if seen.path.startswith("/bill/"):
            return 200, {}, files[seen.path]
        node = {
            "code": "10000",
            "msg": "Success",
            "bill_download_url": f"{server.url}/bill/{state['file']}",
        }
        return 200, {}, signed_body("alipay.data.dataservice.bill.downloadurl.query", json.dumps(node))

    state = {"file": "good"}
    server.answer = answer
    assert gateway.bill(date(2024, 3, 15)) == good
    assert json.loads(form_of(server.seen[0])["biz_content"]) == {
        "bill_type": "trade",
        "bill_date": "2024-03-15",
    }
    state["file"] = "bad"
    with pytest.raises(GatewayUnavailable):
        gateway.bill(date(2024, 3, 15))


# -- notifies --------------------------------------------------------------------------------


def notify_fields(**changes) -> dict[str, str]:
    fields = {
        "notify_time": "2024-03-15 12:00:06",
        "notify_type": "trade_status_sync",
        "notify_id": "ac05099524730693a",
        "app_id": "2021000000000001",
        "charset": "utf-8",
        "version": "1.0",
        "trade_no": "2024031522001",
        "out_trade_no": "WK10",
        "seller_id": "2088000000000001",
        "total_amount": "12.30",
        "receipt_amount": "12.30",
        "trade_status": "TRADE_SUCCESS",
        "gmt_payment": "2024-03-15 12:00:05",
        "subject": "电费 充值+",
    }
    fields.update(changes)
    return fields


def notify_body(fields: dict[str, str], key=None) -> bytes:
    content = {k: v for k, v in fields.items() if v != ""}
    signed = dict(
        fields,
        sign_type="RSA2",
        sign=rsa_sign(key or rsa_key("alipay-platform"), sorted_pairs(content).encode()),
    )
    return urlencode(signed).encode()


def test_a_signed_notify_gives_its_verified_facts(gateway):
    note = gateway.verify_notify(notify_body(notify_fields()), {})
    assert (note.kind, note.out_trade_no, note.trade_no, note.amount, note.state) == (
        "payment",
        "WK10",
        "2024031522001",
        Decimal("12.30"),
        ChargeState.PAID,
    )
    assert (note.app_id, note.merchant_id, note.notify_id) == (
        "2021000000000001",
        "2088000000000001",
        "ac05099524730693a",
    )
    assert note.paid_at == datetime(2024, 3, 15, 4, 0, 5, tzinfo=UTC)


def test_a_refund_notify_is_told_apart_by_its_refund_fields(gateway):
    note = gateway.verify_notify(
        notify_body(
            notify_fields(refund_fee="2.00", out_biz_no="WK10R1", gmt_refund="2024-03-15 13:00:00.123")
        ),
        {},
    )
    assert (note.kind, note.amount, note.refund_no, note.state) == (
        "refund",
        Decimal("2.00"),
        "WK10R1",
        ChargeState.REFUNDED,
    )


@pytest.mark.parametrize(
    "forge", ["tampered amount", "wrong key", "unsigned", "extra field", "not a form"]
)
def test_a_forged_notify_is_refused(gateway, forge):
    body = notify_body(notify_fields())
    if forge == "tampered amount":
        body = body.replace(b"total_amount=12.30", b"total_amount=92.30")
    elif forge == "wrong key":
        body = notify_body(notify_fields(), key=rsa_key("intruder"))
    elif forge == "unsigned":
        body = urlencode(notify_fields()).encode()
    elif forge == "extra field":
        body += b"&buyer_pay_amount=0.01"
    else:
        body = b"\xff\xfe"
    with pytest.raises(BadNotify):
        gateway.verify_notify(body, {})


def test_the_notify_reply_is_exactly_success():
    gateway = AlipayGateway(
        base_url="http://x",
        app_id="a",
        seller_id="s",
        app_private_key=rsa_key("alipay-app"),
        alipay_public_key=rsa_key("alipay-platform").public_key(),
    )
    assert gateway.notify_reply(True)[:2] == (200, b"success")
    assert gateway.notify_reply(False)[1] != b"success"
