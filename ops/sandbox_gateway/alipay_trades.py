"""Alipay's trade methods (precreate, pay, query, close, cancel, refund, bill URL) on the records."""

from __future__ import annotations

import re
import time
from typing import Any

from ops.sandbox_gateway import alipay_bill, formats, payments
from ops.sandbox_gateway.alipay_wire import KNOWN_METHODS, MESSAGES, WAP_PAY, Refused, success
from ops.sandbox_gateway.state import Row
from ops.sandbox_gateway.web import sandbox

AUTH_CODE = re.compile(r"(2[5-9]|30)\d{14,22}")
BILL_LINK_SECONDS = 30


def amount_of(biz: dict[str, Any], name: str = "total_amount") -> int:
    try:
        return formats.parse_yuan(biz.get(name))
    except ValueError as error:
        raise Refused("ACQ.INVALID_PARAMETER") from error


def required(biz: dict[str, Any], *names: str) -> None:
    if any(not isinstance(biz.get(name), str) or not biz[name] for name in names):
        raise Refused("ACQ.INVALID_PARAMETER")


def open_order(biz: dict[str, Any], fields: dict[str, str], kind: str) -> Row:
    """A new order, or the same unpaid one again when the merchant repeats the request."""
    required(biz, "out_trade_no", "subject")
    amount = amount_of(biz)
    now = time.time()
    try:
        expire_at = formats.parse_timeout_express(biz.get("timeout_express") or "120m", now)
    except ValueError as error:
        raise Refused("ACQ.INVALID_PARAMETER") from error
    # Held from the lookup to the insert: two identical requests at once make one order.
    with sandbox().money_lock:
        store = sandbox().store
        existing = store.find_order("alipay", sandbox().merchant("alipay"), biz["out_trade_no"])
        if existing:
            if existing["status"] == "PAID":
                raise Refused("ACQ.TRADE_HAS_SUCCESS")
            if existing["status"] not in payments.UNPAID:
                raise Refused("ACQ.TRADE_HAS_CLOSE")
            if existing["amount"] != amount or existing["kind"] != kind:
                raise Refused("ACQ.CONTEXT_INCONSISTENT")
            return existing
        return payments.new_order(
            sandbox(),
            "alipay",
            out_trade_no=biz["out_trade_no"],
            kind=kind,
            amount=amount,
            subject=biz["subject"],
            notify_url=fields.get("notify_url", ""),
            return_url=fields.get("return_url", ""),
            expire_at=expire_at,
            extra={"seen": kind != "qr"},
        )


def known_order(biz: dict[str, Any]) -> Row:
    """The order named by out_trade_no or trade_no. A QR order nobody has scanned yet is unknown
    to Alipay, exactly as the real one answers (the trade is created when the payer scans)."""
    store = sandbox().store
    if biz.get("out_trade_no"):
        order = store.find_order("alipay", sandbox().merchant("alipay"), str(biz["out_trade_no"]))
    elif biz.get("trade_no"):
        order = store.order_by("trade_no", str(biz["trade_no"]))
    else:
        raise Refused("ACQ.INVALID_PARAMETER")
    if not order or order["gateway"] != "alipay" or not order["extra"].get("seen"):
        raise Refused("ACQ.TRADE_NOT_EXIST")
    return order


def trade_status(order: Row) -> str:
    if order["status"] == "PAID":
        refunded = sandbox().store.refunded(order["id"])
        return "TRADE_CLOSED" if refunded >= order["amount"] else "TRADE_SUCCESS"
    if order["status"] in (*payments.UNPAID, "USERPAYING"):
        return "WAIT_BUYER_PAY"
    return "TRADE_CLOSED"


def buyer(order: Row) -> dict[str, str]:
    return {"buyer_logon_id": "sa***@sandbox.test", "buyer_user_id": "2088" + order["trade_no"][-12:]}


def paid_fields(order: Row) -> dict[str, Any]:
    return {
        "trade_no": order["trade_no"],
        "out_trade_no": order["out_trade_no"],
        **buyer(order),
        "total_amount": formats.yuan(order["amount"]),
        "receipt_amount": formats.yuan(order["amount"]),
        "buyer_pay_amount": formats.yuan(order["amount"]),
        "gmt_payment": formats.wall_clock(order["paid_at"]),
        "fund_bill_list": [{"fund_channel": "ALIPAYACCOUNT", "amount": formats.yuan(order["amount"])}],
    }


def precreate(biz: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    order = open_order(biz, fields, "qr")
    return success(out_trade_no=order["out_trade_no"], qr_code=payments.wallet_url(sandbox(), order))


def pay(biz: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    """Barcode payment (scene=bar_code): paid at once, 10003 while the payer confirms, or refused."""
    required(biz, "out_trade_no", "auth_code", "subject")
    if biz.get("scene", "bar_code") != "bar_code" or not AUTH_CODE.fullmatch(biz["auth_code"]):
        raise Refused("ACQ.PAYMENT_AUTH_CODE_INVALID")
    amount = amount_of(biz)
    store, merchant = sandbox().store, sandbox().merchant("alipay")
    with sandbox().money_lock:
        order = store.find_order("alipay", merchant, biz["out_trade_no"])
        if order and (order["amount"] != amount or order["auth_code"] != biz["auth_code"]):
            raise Refused("ACQ.CONTEXT_INCONSISTENT")
        if not order:
            used = store.order_by("auth_code", biz["auth_code"])
            if used:
                raise Refused("ACQ.PAYMENT_AUTH_CODE_INVALID")  # a payment code pays once
            order = payments.start_code_payment(
                sandbox(),
                "alipay",
                biz["auth_code"],
                out_trade_no=biz["out_trade_no"],
                amount=amount,
                subject=biz["subject"],
                notify_url=fields.get("notify_url", ""),
                extra={"seen": True},
            )
    if order["status"] == "PAID":
        return success(**paid_fields(order))
    if order["status"] == "USERPAYING":
        return {
            "code": "10003",
            "msg": MESSAGES["10003"],
            "trade_no": order["trade_no"],
            "out_trade_no": order["out_trade_no"],
            **buyer(order),
        }
    if order["outcome"] == "insufficient":
        raise Refused("ACQ.BUYER_BALANCE_NOT_ENOUGH")
    if order["status"] == "PAYERROR":
        raise Refused("ACQ.PAYMENT_FAIL")
    raise Refused("ACQ.TRADE_HAS_CLOSE")


def query(biz: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    order = known_order(biz)
    found = {
        "trade_no": order["trade_no"],
        "out_trade_no": order["out_trade_no"],
        **buyer(order),
        "trade_status": trade_status(order),
        "total_amount": formats.yuan(order["amount"]),
    }
    if order["paid_at"]:
        found.update(
            receipt_amount=formats.yuan(order["amount"]),
            buyer_pay_amount=formats.yuan(order["amount"]),
            send_pay_date=formats.wall_clock(order["paid_at"]),
        )
    return success(**found)


def close(biz: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    order = known_order(biz)
    if order["status"] == "PAID":
        raise Refused("ACQ.TRADE_STATUS_ERROR")
    payments.close(sandbox(), order)
    return success(trade_no=order["trade_no"], out_trade_no=order["out_trade_no"])


def cancel(biz: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    """Close if unpaid, refund in full if paid (冲正, for payments whose outcome is unknown)."""
    order = known_order(biz)
    action = "close"
    if not payments.close(sandbox(), order):
        order = sandbox().store.order(order["id"])
        if order["status"] == "PAID":
            action = "refund"
            left = order["amount"] - sandbox().store.refunded(order["id"])
            if left > 0:
                payments.refund(sandbox(), order, "cancel:" + order["out_trade_no"], left, kind="cancel")
    return success(
        trade_no=order["trade_no"], out_trade_no=order["out_trade_no"], retry_flag="N", action=action
    )


def refund(biz: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    """The same out_request_no refunds once: asked again, it answers fund_change N."""
    order = known_order(biz)
    amount = amount_of(biz, "refund_amount")
    out_request_no = str(biz.get("out_request_no") or order["out_trade_no"])
    earlier = sandbox().store.find_refund("alipay", order["id"], out_request_no)
    if not earlier:
        if order["status"] != "PAID":
            raise Refused("ACQ.TRADE_HAS_CLOSE" if order["status"] != "WAITING" else "ACQ.TRADE_STATUS_ERROR")
        try:
            made, fresh = payments.refund(
                sandbox(), order, out_request_no, amount, extra={"reason": biz.get("refund_reason", "")}
            )
        except payments.RefundRefused as error:
            raise Refused("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL") from error
    else:
        if earlier["amount"] != amount:
            raise Refused("ACQ.CONTEXT_INCONSISTENT")
        made, fresh = earlier, False
    return success(
        trade_no=order["trade_no"],
        out_trade_no=order["out_trade_no"],
        **buyer(order),
        fund_change="Y" if fresh else "N",
        refund_fee=formats.yuan(sandbox().store.refunded(order["id"])),
        gmt_refund_pay=formats.wall_clock(made["created_at"]),
        out_request_no=out_request_no,
    )


def bill_url(biz: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    if biz.get("bill_type") != "trade":
        raise Refused("ACQ.INVALID_PARAMETER")
    day = str(biz.get("bill_date", ""))
    try:
        formats.day_bounds(day)
    except ValueError as error:
        raise Refused("ACQ.INVALID_PARAMETER") from error
    if day > formats.local(time.time()).strftime("%Y-%m-%d"):
        raise Refused("ACQ.BILL_NOT_EXIST")
    name, data = alipay_bill.alipay_bill(sandbox(), day)
    token = sandbox().offer_download(name, data, BILL_LINK_SECONDS)
    return success(bill_download_url=f"{sandbox().public_url}/alipay/bill/{token}")


METHODS = {
    "alipay.trade.precreate": precreate,
    "alipay.trade.pay": pay,
    "alipay.trade.query": query,
    "alipay.trade.close": close,
    "alipay.trade.cancel": cancel,
    "alipay.trade.refund": refund,
    "alipay.data.dataservice.bill.downloadurl.query": bill_url,
}
assert set(METHODS) | {WAP_PAY} == KNOWN_METHODS
