"""The sandbox's UnionPay (ACP 5.1.0) side: certificate chain, QR purchase, back notify, query,
cancel, return, and the ZM bill file, driven by a merchant client that signs on its own."""

from __future__ import annotations

import base64
import io
import time
import zipfile
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import pytest
import requests
from Crypto.PublicKey import RSA

from tests.ops.sandbox_gateway_kit import Receiver, Sandbox, UnionPay, certificate, eventually, form, out_no

ZM_LINE_BYTES = 607


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    running = Sandbox(tmp_path_factory.mktemp("sandbox") / "instance", 0.01)
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
    sandbox.admin("POST", "/time-scale", {"time_scale": 0.001})
    yield
    sandbox.admin("POST", "/time-scale", {"time_scale": 0.01})


@pytest.fixture(scope="module")
def unionpay(sandbox):
    return UnionPay(sandbox.config["unionpay"])


def purchase(unionpay, receiver, amount: str, path: str = "/up") -> tuple[str, dict]:
    order_id = out_no("U")
    answer = unionpay.call(
        "backTransReq.do",
        {
            "txnType": "01",
            "txnSubType": "07",
            "orderId": order_id,
            "txnAmt": amount,
            "backUrl": receiver.url + path,
        },
    )
    assert answer["respCode"] == "00", answer
    return order_id, answer


def paid(sandbox, unionpay, receiver, amount: str, path: str) -> tuple[str, dict]:
    order_id, answer = purchase(unionpay, receiver, amount, path)
    requests.post(answer["qrCode"] + "/approve", timeout=10)
    return order_id, form(receiver.wait(path)[0].body)


def test_the_signing_certificate_chains_to_the_configured_root(unionpay, sandbox):
    signer = certificate(Path(sandbox.config["unionpay"]["signing_cert_file"]).read_text())
    assert signer.issuer_cn == unionpay.intermediate.subject_cn
    assert unionpay.intermediate.issuer_cn == unionpay.root.subject_cn == unionpay.root.issuer_cn
    assert unionpay.root.subject_cn != unionpay.intermediate.subject_cn


def test_qr_purchase_paid_in_the_wallet_sends_a_back_notify_signed_through_the_chain(
    sandbox, unionpay, receiver
):
    order_id, answer = purchase(unionpay, receiver, "1230", "/up-pay")
    page = requests.get(answer["qrCode"], timeout=10)
    assert "12.30" in page.text and "云闪付" in page.text
    requests.post(answer["qrCode"] + "/approve", timeout=10)
    notify = form(receiver.wait("/up-pay")[0].body)
    assert unionpay.genuine(notify)
    assert (notify["orderId"], notify["txnType"], notify["respCode"], notify["txnAmt"]) == (
        order_id,
        "01",
        "00",
        "1230",
    )
    assert notify["merId"] == unionpay.config["mer_id"] and len(notify["queryId"]) == 21
    queried = unionpay.call(
        "queryTrans.do",
        {"txnType": "00", "txnSubType": "00", "orderId": order_id, "txnTime": answer["txnTime"]},
    )
    assert (queried["respCode"], queried["origRespCode"], queried["queryId"]) == (
        "00",
        "00",
        notify["queryId"],
    )


def test_query_of_waiting_and_unknown_orders(unionpay, receiver):
    order_id, answer = purchase(unionpay, receiver, "100")
    waiting = unionpay.call(
        "queryTrans.do",
        {"txnType": "00", "txnSubType": "00", "orderId": order_id, "txnTime": answer["txnTime"]},
    )
    assert (waiting["respCode"], waiting["origRespCode"]) == ("00", "05")
    unknown = unionpay.call(
        "queryTrans.do",
        {"txnType": "00", "txnSubType": "00", "orderId": "NOPE", "txnTime": answer["txnTime"]},
    )
    assert unknown["respCode"] == "34" and "origRespCode" not in unknown


def test_badly_signed_requests_get_resp_code_11(unionpay, receiver):
    answer = unionpay.call(
        "backTransReq.do",
        {
            "txnType": "01",
            "txnSubType": "07",
            "orderId": out_no("U"),
            "txnAmt": "100",
            "backUrl": receiver.url + "/up",
        },
        key=RSA.generate(1024),
    )
    assert answer["respCode"] == "11"
    unsigned = requests.post(
        unionpay.config["base_url"] + "/gateway/api/backTransReq.do",
        data={"version": "5.1.0", "txnType": "01"},
        timeout=10,
    )
    assert dict(parse_qsl(unsigned.text))["respCode"] in ("11", "13")


def test_return_is_partial_and_processed_once_per_order_id_and_cancel_takes_it_all(
    sandbox, unionpay, receiver
):
    order_id, notify = paid(sandbox, unionpay, receiver, "1000", "/up-r")
    return_id = out_no("T")
    returned = unionpay.call(
        "backTransReq.do",
        {
            "txnType": "04",
            "txnSubType": "00",
            "orderId": return_id,
            "origQryId": notify["queryId"],
            "txnAmt": "300",
            "backUrl": receiver.url + "/up-r4",
        },
    )
    assert returned["respCode"] == "00"
    again = unionpay.call(
        "backTransReq.do",
        {
            "txnType": "04",
            "txnSubType": "00",
            "orderId": return_id,
            "origQryId": notify["queryId"],
            "txnAmt": "300",
            "backUrl": receiver.url + "/up-r4",
        },
    )
    assert again["respCode"] == "12"
    back = form(receiver.wait("/up-r4")[0].body)
    assert unionpay.genuine(back) and (back["txnType"], back["txnAmt"], back["origQryId"]) == (
        "04",
        "300",
        notify["queryId"],
    )
    too_much = unionpay.call(
        "backTransReq.do",
        {
            "txnType": "04",
            "txnSubType": "00",
            "orderId": out_no("T"),
            "origQryId": notify["queryId"],
            "txnAmt": "701",
            "backUrl": receiver.url + "/up-r4",
        },
    )
    assert too_much["respCode"] != "00"
    queried = unionpay.call(
        "queryTrans.do",
        {"txnType": "00", "txnSubType": "00", "orderId": return_id, "txnTime": returned["_txnTime"]},
    )
    assert (queried["origRespCode"], queried["queryId"]) == ("00", returned["queryId"])

    other_id, other = paid(sandbox, unionpay, receiver, "500", "/up-c")
    partial = unionpay.call(
        "backTransReq.do",
        {
            "txnType": "31",
            "txnSubType": "00",
            "orderId": out_no("V"),
            "origQryId": other["queryId"],
            "txnAmt": "100",
            "backUrl": receiver.url + "/up-c31",
        },
    )
    assert partial["respCode"] == "36"
    cancelled = unionpay.call(
        "backTransReq.do",
        {
            "txnType": "31",
            "txnSubType": "00",
            "orderId": out_no("V"),
            "origQryId": other["queryId"],
            "txnAmt": "500",
            "backUrl": receiver.url + "/up-c31",
        },
    )
    assert cancelled["respCode"] == "00"
    assert form(receiver.wait("/up-c31")[0].body)["txnType"] == "31"


def test_zm_bill_file_has_fixed_width_lines_for_the_days_transactions(sandbox, unionpay, receiver):
    kept, notify = paid(sandbox, unionpay, receiver, "2000", "/up-b")
    left_out, _ = paid(sandbox, unionpay, receiver, "3000", "/up-b2")
    sandbox.admin("POST", "/bill-omissions", {"gateway": "unionpay", "out_trade_no": left_out})
    return_id = out_no("T")
    unionpay.call(
        "backTransReq.do",
        {
            "txnType": "04",
            "txnSubType": "00",
            "orderId": return_id,
            "origQryId": notify["queryId"],
            "txnAmt": "500",
            "backUrl": receiver.url + "/up-b4",
        },
    )
    day = datetime.now(ZoneInfo("Asia/Shanghai"))
    answer = unionpay.call(
        "fileTransRequest.do",
        {"txnType": "76", "txnSubType": "01", "fileType": "00", "settleDate": day.strftime("%m%d")},
    )
    assert answer["respCode"] == "00" and answer["fileName"]
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(answer["fileContent"])))
    name = f"INN{day:%y%m%d}88ZM_{unionpay.config['mer_id']}"
    assert name in archive.namelist()
    lines = archive.read(name).split(b"\r\n")[:-1]
    assert lines and all(len(line) == ZM_LINE_BYTES for line in lines)

    def field(line: bytes, offset: int, width: int) -> str:
        return line[offset : offset + width].decode("gbk").strip()

    by_order = {field(line, 112, 32): line for line in lines}
    assert left_out not in by_order
    purchase_line, return_line = by_order[kept], by_order[return_id]
    assert field(purchase_line, 0, 3) == "S22" and field(purchase_line, 87, 21) == notify["queryId"]
    assert field(purchase_line, 66, 12) == "000000002000" and field(purchase_line, 180, 13) == "C000000002000"
    fee = int(field(purchase_line, 167, 12))
    assert field(purchase_line, 166, 1) == "D" and field(purchase_line, 374, 13) == f"C{2000 - fee:012d}"
    assert field(return_line, 0, 3) == "S56" and field(return_line, 271, 21) == notify["queryId"]
    assert field(return_line, 180, 13) == "D000000000500" and field(return_line, 215, 2) == "04"
    assert field(purchase_line, 293, 15) == unionpay.config["mer_id"]


def test_code_payment_is_accepted_then_paid_and_a_bad_code_refused(sandbox, unionpay):
    code = "62" + "8" * 17
    sandbox.admin("POST", "/codes", {"auth_code": code, "outcome": "userpaying", "seconds": 1.5})
    order_id = out_no("Q")
    answer = unionpay.call(
        "backTransReq.do",
        {"txnType": "01", "txnSubType": "06", "orderId": order_id, "txnAmt": "600", "qrNo": code},
    )
    assert answer["respCode"] == "00" and answer["queryId"]
    ask = {"txnType": "00", "txnSubType": "00", "orderId": order_id, "txnTime": answer["_txnTime"]}
    assert unionpay.call("queryTrans.do", ask)["origRespCode"] == "05"

    def settled() -> dict | None:
        reply = unionpay.call("queryTrans.do", ask)
        return reply if reply["origRespCode"] == "00" else None

    paid_now = eventually(settled)
    assert (paid_now["origRespCode"], paid_now["queryId"]) == ("00", answer["queryId"])
    bad = unionpay.call(
        "backTransReq.do",
        {"txnType": "01", "txnSubType": "06", "orderId": out_no("Q"), "txnAmt": "600", "qrNo": "6212"},
    )
    assert bad["respCode"] != "00"


def test_back_notify_retried_until_http_200_and_a_forged_one_fails_the_chain_check(
    sandbox, unionpay, receiver, fast
):
    receiver.replies["/up-retry"] = [(500, b"busy"), (404, b"no")]
    order_id, notify = paid(sandbox, unionpay, receiver, "900", "/up-retry")
    first, second, third = receiver.wait("/up-retry", 3)
    # +1 min, +2 min at a thousandth: 0.06 s, 0.12 s.
    assert second.at - first.at >= 0.06 and third.at - second.at >= 0.12
    time.sleep(0.5)
    assert len(receiver.on("/up-retry")) == 3
    assert all(unionpay.genuine(form(r.body)) for r in (first, second, third))

    sandbox.admin("POST", "/notify-scripts", {"action": "forge", "gateway": "unionpay"})
    paid(sandbox, unionpay, receiver, "100", "/up-forged")
    assert not unionpay.genuine(form(receiver.wait("/up-forged")[0].body))
