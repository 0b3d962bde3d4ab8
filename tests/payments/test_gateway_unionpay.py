"""UnionPay ACP adapter and its X.509 chain check, against a local server answering signed messages."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest

from shared_models.payments.gateways.base import (
    BadNotify,
    ChargeState,
    GatewayRefused,
    GatewayUnavailable,
)
from shared_models.payments.gateways.unionpay import UnionpayGateway
from shared_models.payments.gateways.unionpay_wire import parse_message, sign_string
from shared_models.payments.gateways.wire import rsa_sign, rsa_verify
from shared_models.payments.gateways.x509 import Certificate, CertificateError, verify_chain
from tests.payments.gateway_kit import (
    END,
    EPOCH,
    SIGNER_CN,
    GatewayServer,
    make_cert,
    rsa_key,
    unionpay_pki,
)

CREATED = datetime(2024, 3, 15, 4, 0, tzinfo=UTC)
NOW = datetime(2024, 3, 15, 4, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def pki():
    return unionpay_pki()


def cert(pem: str) -> Certificate:
    return Certificate.from_pem(pem)


# -- the chain ---------------------------------------------------------------------------------


def test_a_certificate_is_read_field_by_field(pki):
    signer = cert(pki.signer)
    assert (signer.serial, signer.subject_cn, signer.issuer_cn) == (
        68759585097,
        SIGNER_CN,
        "Test Intermediate CA",
    )
    assert (signer.not_before, signer.not_after) == (EPOCH, END)
    assert signer.public_key.n == pki.signer_key.n


def test_the_configured_chain_verifies(pki):
    verify_chain(
        cert(pki.signer), cert(pki.intermediate), cert(pki.root), now=NOW, expected_cn=SIGNER_CN
    )


def other(pki, **changes) -> str:
    """A signing certificate like UnionPay's, with one thing changed."""
    spec = dict(
        subject=SIGNER_CN,
        key=pki.signer_key,
        issuer="Test Intermediate CA",
        issuer_key=rsa_key("unionpay-intermediate"),
        serial=5,
        not_before=EPOCH,
        not_after=END,
    )
    spec.update(changes)
    return make_cert(**spec)


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"issuer_key": rsa_key("intruder")}, "not signed by the configured intermediate"),
        ({"issuer": "Another CA"}, "not signed by the configured intermediate"),
        ({"not_after": datetime(2024, 3, 15, 4, 0, tzinfo=UTC)}, "not valid"),
        ({"not_before": datetime(2024, 3, 16, tzinfo=UTC)}, "not valid"),
        ({"subject": "Someone Else Ltd"}, "CN is"),
        ({"tamper": True}, "not signed by the configured intermediate"),
    ],
)
def test_a_signing_certificate_that_does_not_pass_is_refused(pki, change, reason):
    with pytest.raises(CertificateError, match=reason):
        verify_chain(
            cert(other(pki, **change)),
            cert(pki.intermediate),
            cert(pki.root),
            now=NOW,
            expected_cn=SIGNER_CN,
        )


def test_an_intermediate_not_under_the_root_or_an_expired_root_is_refused(pki):
    rogue_root = make_cert(
        subject="Test Root CA",
        key=rsa_key("intruder"),
        issuer="Test Root CA",
        issuer_key=rsa_key("intruder"),
        serial=1,
        not_before=EPOCH,
        not_after=END,
    )
    with pytest.raises(CertificateError, match="intermediate is not signed"):
        verify_chain(
            cert(pki.signer), cert(pki.intermediate), cert(rogue_root), now=NOW, expected_cn=SIGNER_CN
        )
    with pytest.raises(CertificateError, match="not valid"):
        verify_chain(
            cert(pki.signer),
            cert(pki.intermediate),
            cert(pki.root),
            now=datetime(2061, 1, 1, tzinfo=UTC),
            expected_cn=SIGNER_CN,
        )


@pytest.mark.parametrize(
    "pem",
    [
        "",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n",
    ],
)
def test_what_is_not_a_certificate_is_refused(pem):
    with pytest.raises(CertificateError):
        Certificate.from_pem(pem)


# -- the adapter ---------------------------------------------------------------------------------


def unionpay_signed(fields: dict[str, str], *, pki, signer_pem=None, key=None) -> dict[str, str]:
    """A message as UnionPay signs it: its certificate inside, RSA over the hex SHA-256."""
    fields = {
        "version": "5.1.0",
        "encoding": "UTF-8",
        "signMethod": "01",
        "bizType": "000000",
        "accessType": "0",
        "merId": "777290058110048",
        **fields,
        "signPubKeyCert": signer_pem or pki.signer,
    }
    fields["signature"] = rsa_sign(key or pki.signer_key, sign_string(fields))
    return fields


def raw_message(fields: dict[str, str]) -> bytes:
    """ACP's synchronous answers: `k=v&...` with raw values (the PEM's newlines and all)."""
    return "&".join(f"{k}={v}" for k, v in fields.items()).encode()


@pytest.fixture(scope="module")
def server():
    server = GatewayServer()
    yield server
    server.close()


@pytest.fixture
def gateway(server, pki):
    server.seen.clear()
    return UnionpayGateway(
        base_url=server.url + "/unionpay",
        mer_id="777290058110048",
        signing_key=pki.merchant_key,
        signing_cert=cert(pki.merchant_cert),
        root=cert(pki.root),
        intermediate=cert(pki.intermediate),
        signer_cn=SIGNER_CN,
        back_url="https://wk/notify/unionpay",
        timeout_s=2,
    )


def answering(server, pki, fields, *, encoded=False, **signing):
    message = unionpay_signed(fields, pki=pki, **signing)
    body = urlencode(message).encode() if encoded else raw_message(message)
    server.answer = lambda seen: (200, {"Content-Type": "text/plain;charset=UTF-8"}, body)


def sent(server) -> dict[str, str]:
    return dict(parse_qsl(server.seen[-1].body.decode(), keep_blank_values=True))


@pytest.mark.parametrize("encoded", [False, True])
def test_a_qr_order_is_signed_over_the_hex_sha256_and_answers_a_qr_code(server, gateway, pki, encoded):
    answering(
        server,
        pki,
        {
            "txnType": "01",
            "txnSubType": "07",
            "respCode": "00",
            "respMsg": "成功[0000000]",
            "qrCode": "https://qr.95516.com/00010000/01234",
        },
        encoded=encoded,
    )
    checkout = gateway.checkout(
        flow="qr",
        out_trade_no="WK20240315001",
        amount=Decimal("12.3"),
        subject="电费",
        notify_url="https://wk/notify/unionpay",
        created_at=CREATED,
        expires_at=datetime(2024, 3, 15, 6, 0, tzinfo=UTC),
    )
    assert checkout.qr_code == "https://qr.95516.com/00010000/01234"
    assert server.seen[-1].path == "/unionpay/gateway/api/backTransReq.do"
    fields = sent(server)
    hex_digest = hashlib.sha256(
        "&".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "signature").encode()
    ).hexdigest()
    assert rsa_verify(pki.merchant_key.public_key(), hex_digest.encode(), fields["signature"])
    assert {
        k: fields[k]
        for k in (
            "version",
            "encoding",
            "signMethod",
            "txnType",
            "txnSubType",
            "bizType",
            "channelType",
            "accessType",
            "merId",
            "orderId",
            "txnTime",
            "txnAmt",
            "currencyCode",
            "backUrl",
            "certId",
        )
    } == {
        "version": "5.1.0",
        "encoding": "UTF-8",
        "signMethod": "01",
        "txnType": "01",
        "txnSubType": "07",
        "bizType": "000000",
        "channelType": "08",
        "accessType": "0",
        "merId": "777290058110048",
        "orderId": "WK20240315001",
        "txnTime": "20240315120000",
        "txnAmt": "1230",
        "currencyCode": "156",
        "backUrl": "https://wk/notify/unionpay",
        "certId": "69042905377",
    }


@pytest.mark.parametrize(
    "forge", ["wrong key", "tampered field", "foreign certificate", "no certificate"]
)
def test_an_answer_failing_verification_is_an_unknown_outcome(server, gateway, pki, forge):
    fields = {"txnType": "01", "txnSubType": "07", "respCode": "00", "qrCode": "https://qr/1"}
    if forge == "wrong key":
        answering(server, pki, fields, key=rsa_key("intruder"))
    elif forge == "foreign certificate":
        rogue = make_cert(
            subject=SIGNER_CN,
            key=rsa_key("intruder"),
            issuer="Test Intermediate CA",
            issuer_key=rsa_key("intruder"),
            serial=9,
            not_before=EPOCH,
            not_after=END,
        )
        answering(server, pki, fields, signer_pem=rogue, key=rsa_key("intruder"))
    else:
        message = unionpay_signed(fields, pki=pki)
        if forge == "tampered field":
            message["qrCode"] = "https://qr/evil"
        else:
            del message["signPubKeyCert"]
        server.answer = lambda seen: (200, {}, raw_message(message))
    with pytest.raises(GatewayUnavailable):
        gateway.checkout(
            flow="qr",
            out_trade_no="WK2",
            amount=Decimal("1"),
            subject="s",
            notify_url="https://n",
            created_at=CREATED,
            expires_at=NOW,
        )


@pytest.mark.parametrize(
    "answer, state",
    [
        (
            {
                "respCode": "00",
                "origRespCode": "00",
                "queryId": "201803151200000001",
                "txnAmt": "1230",
                "settleAmt": "1230",
                "txnTime": "20240315120000",
                "traceTime": "0315120005",
            },
            ChargeState.PAID,
        ),
        ({"respCode": "00", "origRespCode": "05", "txnAmt": "1230"}, ChargeState.PENDING),
        ({"respCode": "00", "origRespCode": "01", "txnAmt": "1230"}, ChargeState.FAILED),
        ({"respCode": "34", "respMsg": "查无此交易"}, ChargeState.NOT_FOUND),
        ({"respCode": "00"}, ChargeState.NOT_FOUND),
    ],
)
def test_query_states(server, gateway, pki, answer, state):
    answering(server, pki, {"txnType": "00", "txnSubType": "00", "orderId": "WK3", **answer})
    charge = gateway.query("WK3", created_at=CREATED)
    assert charge.state is state
    assert (sent(server)["orderId"], sent(server)["txnTime"]) == ("WK3", "20240315120000")
    if state is ChargeState.PAID:
        assert (charge.trade_no, charge.amount) == ("201803151200000001", Decimal("12.30"))
        assert charge.paid_at == datetime(2024, 3, 15, 4, 0, 5, tzinfo=UTC)


def test_a_busy_or_refused_answer(server, gateway, pki):
    answering(server, pki, {"txnType": "04", "respCode": "03", "respMsg": "交易通讯超时"})
    with pytest.raises(GatewayUnavailable):
        gateway.refund(
            out_trade_no="WK4",
            trade_no="2018",
            out_refund_no="WK4R1",
            amount=Decimal("1"),
            total=Decimal("5"),
            created_at=CREATED,
        )
    answering(server, pki, {"txnType": "04", "respCode": "35", "respMsg": "原交易不存在或状态不正确"})
    with pytest.raises(GatewayRefused) as refused:
        gateway.refund(
            out_trade_no="WK4",
            trade_no="2018",
            out_refund_no="WK4R1",
            amount=Decimal("1"),
            total=Decimal("5"),
            created_at=CREATED,
        )
    assert refused.value.code == "35"
    # The same orderId again: the first return stands and reports by back notify.
    answering(server, pki, {"txnType": "04", "respCode": "12", "respMsg": "重复交易"})
    result = gateway.refund(out_trade_no="WK4", trade_no="2018", out_refund_no="WK4R1", amount=Decimal("1"),
                            total=Decimal("5"), created_at=CREATED)
    assert result.state == "processing"


def test_a_return_and_a_same_day_cancel_name_the_purchase_by_its_query_id(server, gateway, pki):
    answering(server, pki, {"txnType": "04", "txnSubType": "00", "respCode": "00", "queryId": "R1"})
    result = gateway.refund(
        out_trade_no="WK5",
        trade_no="201803151200000001",
        out_refund_no="WK5R1",
        amount=Decimal("2.5"),
        total=Decimal("12.3"),
        created_at=CREATED,
        notify_url="https://wk/notify/unionpay/refunds",
    )
    assert (result.state, result.amount) == ("processing", Decimal("2.5"))
    fields = sent(server)
    assert fields["backUrl"] == "https://wk/notify/unionpay/refunds"
    assert (fields["txnType"], fields["orderId"], fields["origQryId"], fields["txnAmt"]) == (
        "04",
        "WK5R1",
        "201803151200000001",
        "250",
    )
    answering(server, pki, {"txnType": "31", "txnSubType": "00", "respCode": "00", "queryId": "C1"})
    gateway.cancel("WK5", created_at=CREATED, amount=Decimal("12.3"), trade_no="201803151200000001")
    fields = sent(server)
    assert fields["backUrl"] == "https://wk/notify/unionpay"  # the configured back_url
    assert (fields["txnType"], fields["orderId"], fields["origQryId"], fields["txnAmt"]) == (
        "31",
        "WK5C",
        "201803151200000001",
        "1230",
    )


def test_the_bill_is_the_zip_in_file_content(server, gateway, pki):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("INN24031588ZM_777290058110048", b"S22 ...\r\n")
    answering(
        server,
        pki,
        {
            "txnType": "76",
            "txnSubType": "01",
            "respCode": "00",
            "fileName": "x.zip",
            "fileContent": base64.b64encode(buffer.getvalue()).decode(),
        },
    )
    assert gateway.bill(date(2024, 3, 15)) == buffer.getvalue()
    assert (sent(server)["settleDate"], sent(server)["fileType"]) == ("0315", "00")
    assert server.seen[-1].path == "/unionpay/gateway/api/fileTransRequest.do"
    answering(
        server, pki, {"txnType": "76", "respCode": "00", "fileContent": base64.b64encode(b"no").decode()}
    )
    with pytest.raises(GatewayUnavailable):
        gateway.bill(date(2024, 3, 15))


# -- back notifies -------------------------------------------------------------------------------

NOTIFY = {
    "txnType": "01",
    "txnSubType": "07",
    "orderId": "WK6",
    "txnTime": "20240315120000",
    "txnAmt": "1230",
    "currencyCode": "156",
    "queryId": "201803151200000006",
    "respCode": "00",
    "respMsg": "成功[0000000]",
    "settleAmt": "1230",
    "settleCurrencyCode": "156",
    "settleDate": "0315",
    "traceNo": "000006",
    "traceTime": "0315120005",
}


def test_a_back_notify_gives_its_verified_facts(gateway, pki):
    note = gateway.verify_notify(urlencode(unionpay_signed(NOTIFY, pki=pki)).encode(), {}, now=NOW)
    assert (note.kind, note.out_trade_no, note.trade_no, note.amount, note.state) == (
        "payment",
        "WK6",
        "201803151200000006",
        Decimal("12.30"),
        ChargeState.PAID,
    )
    assert (note.merchant_id, note.paid_at) == (
        "777290058110048",
        datetime(2024, 3, 15, 4, 0, 5, tzinfo=UTC),
    )


def test_a_return_notify(gateway, pki):
    fields = dict(
        NOTIFY,
        txnType="04",
        txnSubType="00",
        orderId="WK6R1",
        txnAmt="200",
        queryId="201803151300000007",
        origQryId="201803151200000006",
    )
    note = gateway.verify_notify(urlencode(unionpay_signed(fields, pki=pki)).encode(), {}, now=NOW)
    assert (note.kind, note.refund_no, note.trade_no, note.amount) == (
        "refund",
        "WK6R1",
        "201803151200000006",
        Decimal("2.00"),
    )


@pytest.mark.parametrize(
    "forge",
    [
        "tampered amount",
        "tampered signature",
        "wrong CN",
        "expired",
        "not chaining",
        "unsigned",
        "not a form",
    ],
)
def test_a_bad_back_notify_is_refused(gateway, pki, forge):
    message = unionpay_signed(NOTIFY, pki=pki)
    now = NOW
    if forge == "tampered amount":
        message["txnAmt"] = "99999"
    elif forge == "tampered signature":
        raw = bytearray(base64.b64decode(message["signature"]))
        raw[5] ^= 1
        message["signature"] = base64.b64encode(bytes(raw)).decode()
    elif forge == "wrong CN":
        message = unionpay_signed(NOTIFY, pki=pki, signer_pem=other(pki, subject="Acme"))
    elif forge == "expired":
        message = unionpay_signed(
            NOTIFY, pki=pki, signer_pem=other(pki, not_after=datetime(2024, 1, 1, tzinfo=UTC))
        )
    elif forge == "not chaining":
        message = unionpay_signed(NOTIFY, pki=pki, signer_pem=other(pki, issuer_key=rsa_key("intruder")))
    elif forge == "unsigned":
        del message["signature"]
    body = b"\xff" if forge == "not a form" else urlencode(message).encode()
    with pytest.raises(BadNotify):
        gateway.verify_notify(body, {}, now=now)


def test_raw_messages_split_outside_braces_and_on_the_first_equals():
    text = "a=1&reserved={x=1&y=2}&signature=abc==&signPubKeyCert=-----BEGIN CERTIFICATE-----\nQ+/=\n"
    assert parse_message(text) == {
        "a": "1",
        "reserved": "{x=1&y=2}",
        "signature": "abc==",
        "signPubKeyCert": "-----BEGIN CERTIFICATE-----\nQ+/=\n",
    }


def test_a_cancel_or_return_without_any_back_url_is_refused_before_sending(server, pki):
    gateway = UnionpayGateway(
        base_url=server.url + "/unionpay", mer_id="777290058110048", signing_key=pki.merchant_key,
        signing_cert=cert(pki.merchant_cert), root=cert(pki.root), intermediate=cert(pki.intermediate),
        signer_cn=SIGNER_CN,
    )
    server.seen.clear()
    with pytest.raises(GatewayRefused) as refused:
        gateway.cancel("WK7", created_at=CREATED, amount=Decimal("1"), trade_no="2018")
    assert refused.value.code == "NO_BACK_URL" and server.seen == []


def test_a_return_sent_at_a_given_time_is_asked_after_by_that_time(server, gateway, pki):
    sent_at = datetime(2024, 3, 15, 5, 30, tzinfo=UTC)
    answering(server, pki, {"txnType": "04", "txnSubType": "00", "respCode": "00", "queryId": "R9"})
    result = gateway.refund(out_trade_no="WK8", trade_no="2018", out_refund_no="WK8R1", amount=Decimal("1"),
                            total=Decimal("5"), created_at=CREATED, requested_at=sent_at)
    assert sent(server)["txnTime"] == "20240315133000" == result.raw["txnTime"]


@pytest.mark.parametrize("answer, state", [
    ({"respCode": "00", "origRespCode": "00", "queryId": "R9", "txnAmt": "100"}, "succeeded"),
    ({"respCode": "00", "origRespCode": "05", "queryId": "R9", "txnAmt": "100"}, "processing"),
    ({"respCode": "00", "origRespCode": "01", "queryId": "R9", "txnAmt": "100"}, "failed"),
    ({"respCode": "34", "respMsg": "查无此交易"}, None),
])
def test_refund_status(server, gateway, pki, answer, state):
    answering(server, pki, {"txnType": "00", "txnSubType": "00", "orderId": "WK8R1", **answer})
    sent_at = datetime(2024, 3, 15, 5, 30, tzinfo=UTC)
    if state is None:
        with pytest.raises(GatewayRefused):
            gateway.refund_status("WK8R1", requested_at=sent_at)
    else:
        result = gateway.refund_status("WK8R1", requested_at=sent_at)
        assert (result.state, result.amount, result.refund_id) == (state, Decimal("1.00"), "R9")
    assert (sent(server)["orderId"], sent(server)["txnTime"]) == ("WK8R1", "20240315133000")
