"""UnionPay ACP 5.1.0 back-end endpoints: QR purchase, query, same-day cancel, return, bill file."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

from flask import Blueprint, Response, request

from ops.sandbox_gateway import formats, payments, unionpay_bill
from ops.sandbox_gateway.state import Row
from ops.sandbox_gateway.unionpay_wire import Refused, answer, encode, order_trace, trace, verify_request
from ops.sandbox_gateway.web import fail_when_scripted, sandbox

blueprint = Blueprint("unionpay", __name__, url_prefix="/unionpay")
fail_when_scripted(blueprint, "unionpay")
DEFAULT_EXPIRY_SECONDS = 7200
CODE = re.compile(r"62\d{17}")


def respond(fields: dict[str, str]) -> Response:
    return Response(encode(fields), content_type="application/x-www-form-urlencoded; charset=UTF-8")


def handle(handlers: dict[tuple[str, str], Any]) -> Response:
    fields = request.form.to_dict()
    try:
        verify_request(sandbox(), fields)
        handler = handlers.get((fields["txnType"], fields["txnSubType"]))
        if not handler:
            raise Refused("10")
        return respond(handler(fields))
    except Refused as refused:
        return respond(answer(sandbox(), fields, refused.code))


def amount_of(fields: dict[str, str]) -> int:
    if fields.get("currencyCode", "156") != "156":
        raise Refused("10")
    try:
        return formats.parse_fen(fields.get("txnAmt"))
    except ValueError as error:
        raise Refused("10") from error


def order_id_taken(order_id: str) -> bool:
    store = sandbox().store
    return bool(
        store.find_order("unionpay", sandbox().merchant("unionpay"), order_id)
        or store.refund_by_out_no("unionpay", order_id)
    )


def purchase(fields: dict[str, str]) -> dict[str, str]:
    """txnType 01 / txnSubType 07: a QR code the payer scans in a UnionPay wallet."""
    for name in ("orderId", "txnAmt", "backUrl"):
        if not fields.get(name):
            raise Refused("13")
    amount = amount_of(fields)
    with sandbox().money_lock:
        if order_id_taken(fields["orderId"]):
            raise Refused("12")
        now = time.time()
        try:
            expire_at = (
                formats.parse_compact(fields["payTimeout"])
                if fields.get("payTimeout")
                else now + DEFAULT_EXPIRY_SECONDS
            )
        except ValueError as error:
            raise Refused("10") from error
        order = payments.new_order(
            sandbox(),
            "unionpay",
            out_trade_no=fields["orderId"],
            kind="qr",
            amount=amount,
            subject=fields.get("orderDesc", ""),
            notify_url=fields["backUrl"],
            expire_at=expire_at,
            extra={"txnTime": fields["txnTime"], "seen": True},
        )
    return answer(
        sandbox(),
        fields,
        "00",
        qrCode=payments.wallet_url(sandbox(), order),
        txnAmt=str(amount),
        currencyCode="156",
    )


def code_purchase(fields: dict[str, str]) -> dict[str, str]:
    """txnType 01 / txnSubType 06 (被扫): charge the payer's code; 00 only means accepted, ask again."""
    for name in ("orderId", "txnAmt", "qrNo"):
        if not fields.get(name):
            raise Refused("13")
    if not CODE.fullmatch(fields["qrNo"]):
        raise Refused("10")
    amount = amount_of(fields)
    with sandbox().money_lock:
        if order_id_taken(fields["orderId"]) or sandbox().store.order_by("auth_code", fields["qrNo"]):
            raise Refused("12")
        order = payments.start_code_payment(
            sandbox(),
            "unionpay",
            fields["qrNo"],
            out_trade_no=fields["orderId"],
            amount=amount,
            subject=fields.get("orderDesc", ""),
            notify_url=fields.get("backUrl", ""),
            extra={"txnTime": fields["txnTime"], "seen": True},
        )
    return answer(sandbox(), fields, "00", queryId=order["trade_no"], txnAmt=str(amount), currencyCode="156")


def query(fields: dict[str, str]) -> dict[str, str]:
    """txnType 00: the state of a purchase, cancel or return named by its orderId and txnTime."""
    order_id = fields.get("orderId", "")
    order = sandbox().store.find_order("unionpay", sandbox().merchant("unionpay"), order_id)
    if order and order["extra"].get("txnTime") == fields["txnTime"]:
        return answer(sandbox(), fields, "00", **order_state(order))
    refund = sandbox().store.refund_by_out_no("unionpay", order_id)
    if refund and refund["extra"].get("txnTime") == fields["txnTime"]:
        original = sandbox().store.order(refund["order_id"])
        return answer(
            sandbox(),
            fields,
            "00",
            origRespCode="00",
            origRespMsg="成功[0000000]",
            queryId=refund["refund_no"],
            txnAmt=str(refund["amount"]),
            settleAmt=str(refund["amount"]),
            settleCurrencyCode="156",
            origQryId=original["trade_no"],
            **trace(refund["created_at"], refund["refund_no"]),
        )
    raise Refused("34")


def order_state(order: Row) -> dict[str, str]:
    if order["status"] == "PAID":
        return {
            "origRespCode": "00",
            "origRespMsg": "成功[0000000]",
            "queryId": order["trade_no"],
            "txnAmt": str(order["amount"]),
            "settleAmt": str(order["amount"]),
            "settleCurrencyCode": "156",
            **order_trace(order),
        }
    if order["status"] in (*payments.UNPAID, "USERPAYING"):
        return {
            "origRespCode": "05",
            "origRespMsg": "交易已受理，请稍后查询交易结果",
            "txnAmt": str(order["amount"]),
        }
    return {"origRespCode": "01", "origRespMsg": "交易失败，订单已关闭", "txnAmt": str(order["amount"])}


def undo(fields: dict[str, str], kind: str) -> dict[str, str]:
    """txnType 31 (same-day cancel, the full amount) or 04 (return, any part of what is left)."""
    for name in ("orderId", "origQryId", "txnAmt", "backUrl"):
        if not fields.get(name):
            raise Refused("13")
    amount = amount_of(fields)
    with sandbox().money_lock:
        if order_id_taken(fields["orderId"]):
            raise Refused("12")
        order = sandbox().store.order_by("trade_no", fields["origQryId"])
        if not order or order["gateway"] != "unionpay" or order["status"] != "PAID":
            raise Refused("35")
        today = formats.local(time.time()).date()
        if kind == "cancel" and (
            amount != order["amount"] or formats.local(order["paid_at"]).date() != today
        ):
            raise Refused("36")
        try:
            made, _ = payments.refund(
                sandbox(),
                order,
                fields["orderId"],
                amount,
                kind=kind,
                notify_url=fields["backUrl"],
                extra={"txnTime": fields["txnTime"]},
            )
        except payments.RefundRefused as error:
            raise Refused("36") from error
    return answer(
        sandbox(),
        fields,
        "00",
        queryId=made["refund_no"],
        origQryId=order["trade_no"],
        txnAmt=str(amount),
        currencyCode="156",
    )


@blueprint.post("/gateway/api/backTransReq.do")
def back_trans() -> Response:
    return handle(
        {
            ("01", "07"): purchase,
            ("01", "06"): code_purchase,
            ("31", "00"): lambda f: undo(f, "cancel"),
            ("04", "00"): lambda f: undo(f, "refund"),
        }
    )


@blueprint.post("/gateway/api/queryTrans.do")
def query_trans() -> Response:
    return handle({("00", "00"): query})


def bill_file(fields: dict[str, str]) -> dict[str, str]:
    """txnType 76: the day's ZM file, zipped and base64-encoded into the answer itself."""
    settle_date = fields.get("settleDate", "")
    if fields.get("fileType") != "00" or len(settle_date) != 4 or not settle_date.isdigit():
        raise Refused("10")
    name, data = unionpay_bill.unionpay_bill(sandbox(), settle_date)
    return answer(
        sandbox(),
        fields,
        "00",
        settleDate=settle_date,
        fileType="00",
        fileName=name,
        fileContent=base64.b64encode(data).decode(),
    )


@blueprint.post("/gateway/api/fileTransRequest.do")
def file_trans() -> Response:
    return handle({("76", "01"): bill_file})
