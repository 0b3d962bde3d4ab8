"""WeChat Pay v3 adapter: request signing, answer and notify verification, AES-GCM, bills."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from Crypto.Cipher import AES

from shared_models.payments.gateways.base import (
    BadNotify,
    ChargeState,
    GatewayRefused,
    GatewayUnavailable,
)
from shared_models.payments.gateways.wechat import WechatGateway
from shared_models.payments.gateways.wire import rsa_sign, rsa_verify
from tests.payments.gateway_kit import GatewayServer, Seen, rsa_key

SERIAL = "PUB_KEY_ID_" + "0114232134912410" * 2  # the public-key mode's id: 32 hex digits
APIV3 = b"0123456789abcdef0123456789ABCDEF"
CREATED = datetime(2024, 3, 15, 4, 0, tzinfo=UTC)


def platform_headers(
    body: bytes, *, key=None, serial=SERIAL, offset_s=0, signature=None
) -> dict[str, str]:
    """What the platform puts on every answer and notify."""
    stamp, nonce = str(int(time.time()) + offset_s), "n0nce5tr"
    message = f"{stamp}\n{nonce}\n".encode() + body + b"\n"
    return {
        "Wechatpay-Timestamp": stamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": signature or rsa_sign(key or rsa_key("wechat-platform"), message),
        "Wechatpay-Serial": serial,
    }


def reply(status: int, payload: dict | None, **signing) -> tuple[int, dict, bytes]:
    body = json.dumps(payload).encode() if payload is not None else b""
    headers = platform_headers(body, **signing)
    if payload is not None:
        headers["Content-Type"] = "application/json"
    return status, headers, body


@pytest.fixture(scope="module")
def server():
    server = GatewayServer()
    yield server
    server.close()


@pytest.fixture
def gateway(server):
    server.seen.clear()
    return WechatGateway(
        base_url=server.url + "/wechat",
        appid="wx8888888888888888",
        mchid="1900000001",
        merchant_serial="5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        merchant_private_key=rsa_key("wechat-merchant"),
        platform_keys={SERIAL: rsa_key("wechat-platform").public_key()},
        apiv3_key=APIV3,
        timeout_s=2,
    )


def answering(server, status, payload, **signing):
    server.answer = lambda seen: reply(status, payload, **signing)


def authorization_of(seen: Seen) -> dict[str, str]:
    scheme, _, rest = seen.headers["Authorization"].partition(" ")
    assert scheme == "WECHATPAY2-SHA256-RSA2048"
    return dict(re.findall(r'(\w+)="([^"]*)"', rest))


def assert_signed_by_merchant(seen: Seen) -> None:
    auth = authorization_of(seen)
    assert auth["mchid"] == "1900000001"
    assert auth["serial_no"] == "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    message = f"{seen.method}\n{seen.path}\n{auth['timestamp']}\n{auth['nonce_str']}\n".encode()
    message += seen.body + b"\n"
    assert rsa_verify(rsa_key("wechat-merchant").public_key(), message, auth["signature"])


def test_a_native_order_is_signed_over_method_path_time_nonce_and_body(server, gateway):
    answering(server, 200, {"code_url": "weixin://wxpay/bizpayurl?pr=abc"})
    expires = datetime(2024, 3, 15, 6, 0, tzinfo=UTC)
    checkout = gateway.checkout(
        flow="qr",
        out_trade_no="WK1",
        amount=Decimal("12.3"),
        subject="电费",
        notify_url="https://wk/n",
        expires_at=expires,
        created_at=CREATED,
    )
    assert checkout.qr_code == "weixin://wxpay/bizpayurl?pr=abc"
    seen = server.seen[-1]
    assert (seen.method, seen.path) == ("POST", "/wechat/v3/pay/transactions/native")
    assert_signed_by_merchant(seen)
    assert json.loads(seen.body) == {
        "appid": "wx8888888888888888",
        "mchid": "1900000001",
        "description": "电费",
        "out_trade_no": "WK1",
        "amount": {"total": 1230, "currency": "CNY"},
        "notify_url": "https://wk/n",
        "time_expire": "2024-03-15T14:00:00+08:00",
    }


def test_a_get_is_signed_with_its_query_and_an_empty_body(server, gateway):
    answering(server, 200, {"trade_state": "NOTPAY", "out_trade_no": "WK2", "amount": {"total": 100}})
    assert gateway.query("WK2", created_at=CREATED).state is ChargeState.PENDING
    seen = server.seen[-1]
    assert seen.path == "/wechat/v3/pay/transactions/out-trade-no/WK2?mchid=1900000001"
    assert seen.body == b""
    assert_signed_by_merchant(seen)


def test_jsapi_returns_the_browser_payload_with_its_pay_sign(server, gateway):
    answering(server, 200, {"prepay_id": "wx201410272009395522657a690389285100"})
    checkout = gateway.checkout(
        flow="jsapi",
        out_trade_no="WK3",
        amount=Decimal("1"),
        subject="电费",
        notify_url="https://wk/n",
        expires_at=CREATED + timedelta(hours=1),
        created_at=CREATED,
        openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
    )
    assert json.loads(server.seen[-1].body)["payer"] == {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
    pay = checkout.jsapi
    assert (
        pay["package"] == "prepay_id=wx201410272009395522657a690389285100" and pay["signType"] == "RSA"
    )
    message = f"{pay['appId']}\n{pay['timeStamp']}\n{pay['nonceStr']}\n{pay['package']}\n".encode()
    assert rsa_verify(rsa_key("wechat-merchant").public_key(), message, pay["paySign"])


@pytest.mark.parametrize(
    "signing",
    [
        {"key": "intruder"},
        {"serial": "PUB_KEY_ID_" + "F" * 32},
        {"offset_s": -301},
        {"offset_s": 301},
        {"signature": "WECHATPAY/SIGNTEST/" + "A" * 40},
    ],
)
def test_an_answer_failing_verification_is_an_unknown_outcome(server, gateway, signing):
    if "key" in signing:
        signing = {"key": rsa_key(signing["key"])}
    answering(server, 200, {"trade_state": "SUCCESS", "amount": {"total": 100}}, **signing)
    with pytest.raises(GatewayUnavailable):
        gateway.query("WK4", created_at=CREATED)


def test_a_tampered_answer_body_is_an_unknown_outcome(server, gateway):
    def tampered(seen):
        status, headers, body = reply(200, {"trade_state": "NOTPAY", "amount": {"total": 100}})
        return status, headers, body.replace(b"NOTPAY", b"SUCCESS")

    server.answer = tampered
    with pytest.raises(GatewayUnavailable):
        gateway.query("WK4", created_at=CREATED)


@pytest.mark.parametrize(
    "trade_state, state",
    [
        ("SUCCESS", ChargeState.PAID),
        ("REFUND", ChargeState.REFUNDED),
        ("NOTPAY", ChargeState.PENDING),
        ("CLOSED", ChargeState.CLOSED),
        ("REVOKED", ChargeState.CLOSED),
        ("USERPAYING", ChargeState.USERPAYING),
        ("PAYERROR", ChargeState.FAILED),
    ],
)
def test_query_states(server, gateway, trade_state, state):
    answering(
        server,
        200,
        {
            "appid": "wx8888888888888888",
            "mchid": "1900000001",
            "out_trade_no": "WK5",
            "transaction_id": "4200000001",
            "trade_state": trade_state,
            "amount": {"total": 1230, "payer_total": 1230, "currency": "CNY"},
            "success_time": "2024-03-15T12:00:05+08:00",
        },
    )
    charge = gateway.query("WK5", created_at=CREATED)
    assert (charge.state, charge.trade_no, charge.amount) == (state, "4200000001", Decimal("12.30"))
    assert charge.paid_at == datetime(2024, 3, 15, 4, 0, 5, tzinfo=UTC)


def test_an_unknown_order_is_not_found(server, gateway):
    answering(server, 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
    assert gateway.query("WK6", created_at=CREATED).state is ChargeState.NOT_FOUND


def test_code_payment_paid_userpaying_refused_or_failing(server, gateway):
    answering(server, 200, {"trade_state": "SUCCESS", "transaction_id": "42", "amount": {"total": 500}})
    charge = gateway.pay_code(
        out_trade_no="WK7",
        amount=Decimal("5"),
        subject="电费",
        auth_code="134567890123456789",
        created_at=CREATED,
    )
    assert (charge.state, charge.amount) == (ChargeState.PAID, Decimal("5.00"))
    sent = json.loads(server.seen[-1].body)
    assert sent["payer"] == {"auth_code": "134567890123456789"} and sent["amount"]["total"] == 500
    assert server.seen[-1].path == "/wechat/v3/pay/transactions/codepay"

    answering(server, 202, {"code": "USERPAYING", "message": "需要用户输入支付密码"})
    assert (
        gateway.pay_code(
            out_trade_no="WK7", amount=Decimal("5"), subject="s", auth_code="13", created_at=CREATED
        ).state
        is ChargeState.USERPAYING
    )
    assert gateway.poll_interval_s == 5 and gateway.poll_limit_s == 30

    answering(server, 403, {"code": "NOTENOUGH", "message": "余额不足"})
    with pytest.raises(GatewayRefused) as refused:
        gateway.pay_code(
            out_trade_no="WK7", amount=Decimal("5"), subject="s", auth_code="13", created_at=CREATED
        )
    assert refused.value.code == "NOTENOUGH"

    answering(server, 500, {"code": "SYSTEM_ERROR", "message": "系统错误"})
    with pytest.raises(GatewayUnavailable):
        gateway.pay_code(
            out_trade_no="WK7", amount=Decimal("5"), subject="s", auth_code="13", created_at=CREATED
        )


def test_close_and_reverse(server, gateway):
    answering(server, 204, None)
    gateway.close("WK8", created_at=CREATED)
    assert server.seen[-1].path == "/wechat/v3/pay/transactions/out-trade-no/WK8/close"
    assert json.loads(server.seen[-1].body) == {"mchid": "1900000001"}
    answering(server, 200, {})
    gateway.cancel("WK8", created_at=CREATED, amount=Decimal("5"), trade_no=None)
    assert server.seen[-1].path == "/wechat/v3/pay/transactions/out-trade-no/WK8/reverse"
    assert json.loads(server.seen[-1].body) == {"appid": "wx8888888888888888", "mchid": "1900000001"}


@pytest.mark.parametrize(
    "status, state", [("SUCCESS", "succeeded"), ("PROCESSING", "processing"), ("ABNORMAL", "failed")]
)
def test_refund_sends_its_number_and_reads_the_status(server, gateway, status, state):
    answering(
        server,
        200,
        {
            "refund_id": "50000000382019052709732678859",
            "out_refund_no": "WK9R1",
            "status": status,
            "amount": {"refund": 200, "total": 1000, "currency": "CNY"},
        },
    )
    result = gateway.refund(
        out_trade_no="WK9",
        trade_no="42",
        out_refund_no="WK9R1",
        amount=Decimal("2"),
        total=Decimal("10"),
        created_at=CREATED,
    )
    assert (result.state, result.amount, result.refund_id) == (
        state,
        Decimal("2.00"),
        "50000000382019052709732678859",
    )
    assert json.loads(server.seen[-1].body)["amount"] == {
        "refund": 200,
        "total": 1000,
        "currency": "CNY",
    }


def test_the_bill_is_downloaded_signed_and_checked_against_its_sha1(server, gateway):
    content = gzip.compress(b"`2024-03-15 12:00:05,`wx8888888888888888\n")
    state = {"hash": hashlib.sha1(content).hexdigest()}

    def answer(seen):
        if seen.path.startswith("/wechat/v3/billdownload/file"):
            return 200, {"Content-Type": "application/octet-stream"}, content
        return reply(
            200,
            {
                "hash_type": "SHA1",
                "hash_value": state["hash"],
                "download_url": f"{server.url}/wechat/v3/billdownload/file?token=6XIv5TUP",
            },
        )

    server.answer = answer
    assert gateway.bill(date(2024, 3, 15)) == content
    assert (
        server.seen[0].path
        == "/wechat/v3/bill/tradebill?bill_date=2024-03-15&bill_type=ALL&tar_type=GZIP"
    )
    assert_signed_by_merchant(server.seen[1])
    state["hash"] = hashlib.sha1(b"something else").hexdigest()
    with pytest.raises(GatewayUnavailable):
        gateway.bill(date(2024, 3, 15))


# -- notifies --------------------------------------------------------------------------------


def encrypt(plain: dict, *, aad: str = "transaction", nonce: str = "fdasflkja484") -> dict:
    cipher = AES.new(APIV3, AES.MODE_GCM, nonce=nonce.encode())
    cipher.update(aad.encode())
    data, tag = cipher.encrypt_and_digest(json.dumps(plain).encode())
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(data + tag).decode(),
        "nonce": nonce,
        "associated_data": aad,
        "original_type": "transaction",
    }


PAID = {
    "appid": "wx8888888888888888",
    "mchid": "1900000001",
    "out_trade_no": "WK10",
    "transaction_id": "4200000002",
    "trade_type": "NATIVE",
    "trade_state": "SUCCESS",
    "success_time": "2024-03-15T12:00:05+08:00",
    "amount": {"total": 1230, "payer_total": 1230, "currency": "CNY", "payer_currency": "CNY"},
}


def envelope(resource: dict, event_type="TRANSACTION.SUCCESS") -> bytes:
    return json.dumps(
        {
            "id": "EV-2018022511223320873",
            "create_time": "2024-03-15T12:00:06+08:00",
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功",
            "resource": resource,
        }
    ).encode()


def test_a_signed_encrypted_notify_gives_the_transaction(gateway):
    body = envelope(encrypt(PAID))
    note = gateway.verify_notify(body, {k.lower(): v for k, v in platform_headers(body).items()})
    assert (note.kind, note.out_trade_no, note.trade_no, note.amount, note.state) == (
        "payment",
        "WK10",
        "4200000002",
        Decimal("12.30"),
        ChargeState.PAID,
    )
    assert (note.app_id, note.merchant_id, note.notify_id) == (
        "wx8888888888888888",
        "1900000001",
        "EV-2018022511223320873",
    )
    assert note.paid_at == datetime(2024, 3, 15, 4, 0, 5, tzinfo=UTC)


def test_a_refund_notify(gateway):
    body = envelope(
        encrypt(
            {
                "mchid": "1900000001",
                "out_trade_no": "WK10",
                "transaction_id": "4200000002",
                "out_refund_no": "WK10R1",
                "refund_id": "50000",
                "refund_status": "SUCCESS",
                "success_time": "2024-03-15T13:00:00+08:00",
                "amount": {"total": 1230, "refund": 200, "payer_total": 1230, "payer_refund": 200},
            },
            aad="refund",
        ),
        "REFUND.SUCCESS",
    )
    note = gateway.verify_notify(body, platform_headers(body))
    assert (note.kind, note.refund_no, note.amount, note.state) == (
        "refund",
        "WK10R1",
        Decimal("2.00"),
        ChargeState.REFUNDED,
    )


def test_the_timestamp_window_is_five_minutes(gateway):
    body = envelope(encrypt(PAID))
    headers = platform_headers(body)
    stamp = int(headers["Wechatpay-Timestamp"])
    gateway.verify_notify(body, headers, now=datetime.fromtimestamp(stamp + 300, UTC))
    for off in (301, -301):
        with pytest.raises(BadNotify, match="stale"):
            gateway.verify_notify(body, headers, now=datetime.fromtimestamp(stamp + off, UTC))
    with pytest.raises(BadNotify, match="stale"):
        gateway.verify_notify(body, platform_headers(body, offset_s=-301))


def flip_last_byte(b64: str, back: int) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[-back] ^= 1
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    "forge",
    [
        "tampered body",
        "wrong key",
        "unknown serial",
        "probe",
        "unsigned",
        "tampered ciphertext",
        "tampered tag",
        "wrong associated data",
        "wrong algorithm",
        "not json",
    ],
)
def test_a_bad_notify_is_refused(gateway, forge):
    resource = encrypt(PAID)
    signing = {}
    if forge == "tampered ciphertext":
        resource["ciphertext"] = flip_last_byte(resource["ciphertext"], 17)
    elif forge == "tampered tag":
        resource["ciphertext"] = flip_last_byte(resource["ciphertext"], 1)
    elif forge == "wrong associated data":
        resource["associated_data"] = "refund"
    elif forge == "wrong algorithm":
        resource["algorithm"] = "AEAD_AES_128_GCM"
    elif forge == "wrong key":
        signing = {"key": rsa_key("intruder")}
    elif forge == "unknown serial":
        signing = {"serial": "PUB_KEY_ID_" + "0" * 32}
    elif forge == "probe":
        signing = {"signature": "WECHATPAY/SIGNTEST/" + base64.b64encode(b"x" * 256).decode()}
    body = envelope(resource) if forge != "not json" else b"<xml/>"
    headers = platform_headers(body, **signing)
    if forge == "tampered body":
        body = body.replace(b"EV-2018", b"EV-2019")
    elif forge == "unsigned":
        headers = {}
    with pytest.raises(BadNotify):
        gateway.verify_notify(body, headers)


def test_notify_replies(gateway):
    assert gateway.notify_reply(True) == (204, b"", {})
    status, body, headers = gateway.notify_reply(False, "amount differs")
    assert status == 500 and json.loads(body) == {"code": "FAIL", "message": "amount differs"}
