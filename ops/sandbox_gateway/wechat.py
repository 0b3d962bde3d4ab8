"""WeChat Pay API v3 transactions: Native, JSAPI and code payments, query, close, reverse."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from flask import Blueprint, Response, request

from ops.sandbox_gateway import formats, payments
from ops.sandbox_gateway.state import Row
from ops.sandbox_gateway.web import fail_when_scripted, sandbox
from ops.sandbox_gateway.wechat_wire import PREFIX, ApiError, api, json_body, need, ours, respond, total_of

blueprint = Blueprint("wechat", __name__, url_prefix=PREFIX)
fail_when_scripted(blueprint, "wechat")

AUTH_CODE = re.compile(r"1[0-5]\d{16}")
TRADE_TYPES = {"qr": "NATIVE", "jsapi": "JSAPI", "code": "MICROPAY"}
STATE_TEXT = {
    "SUCCESS": "支付成功",
    "REFUND": "转入退款",
    "NOTPAY": "未支付",
    "CLOSED": "已关闭",
    "REVOKED": "已撤销",
    "USERPAYING": "用户支付中",
    "PAYERROR": "支付失败",
}
DEFAULT_EXPIRY_SECONDS = 7200


def trade_state(order: Row) -> str:
    status = order["status"]
    if status == "PAID":
        return "REFUND" if sandbox().store.refunds_of(order["id"]) else "SUCCESS"
    return {"WAITING": "NOTPAY", "DECLINED": "NOTPAY"}.get(status, status)


def transaction(order: Row) -> dict[str, Any]:
    """The transaction as the query answers it and the notify carries it."""
    ident = sandbox().keys.identity["wechat"]
    state = trade_state(order)
    found: dict[str, Any] = {
        "appid": ident["appid"],
        "mchid": order["merchant"],
        "out_trade_no": order["out_trade_no"],
        "trade_type": TRADE_TYPES[order["kind"]],
        "trade_state": state,
        "trade_state_desc": STATE_TEXT[state],
        "attach": "",
        "payer": {"openid": order["payer"] or "o" + order["trade_no"][-27:]},
        "amount": {"total": order["amount"], "currency": "CNY"},
    }
    if order["paid_at"]:
        found.update(
            transaction_id=order["trade_no"],
            bank_type="OTHERS",
            success_time=formats.rfc3339(order["paid_at"]),
        )
        found["amount"].update(payer_total=order["amount"], payer_currency="CNY")
    return found


def find(out_trade_no: str) -> Row:
    order = sandbox().store.find_order("wechat", sandbox().merchant("wechat"), out_trade_no)
    if not order:
        raise ApiError(404, "ORDER_NOT_EXIST", "订单不存在")
    return order


def open_order(body: dict[str, Any], kind: str, **extra: Any) -> Row:
    ours(body)
    need(body, "description", "out_trade_no", "notify_url")
    amount = total_of(body)
    now = time.time()
    try:
        expire_at = (
            formats.parse_rfc3339(body["time_expire"])
            if body.get("time_expire")
            else now + DEFAULT_EXPIRY_SECONDS
        )
    except ValueError as failure:
        raise ApiError(400, "PARAM_ERROR", "time_expire 格式错误") from failure
    with sandbox().money_lock:  # from the lookup to the insert: one order per out_trade_no
        existing = sandbox().store.find_order("wechat", sandbox().merchant("wechat"), body["out_trade_no"])
        if existing:
            if existing["status"] == "PAID":
                raise ApiError(400, "ORDERPAID", "该订单已支付")
            if existing["status"] not in payments.UNPAID:
                raise ApiError(400, "ORDERCLOSED", "该订单已关闭")
            if existing["amount"] != amount or existing["kind"] != kind:
                raise ApiError(400, "OUT_TRADE_NO_USED", "商户订单号重复")
            return existing
        return payments.new_order(
            sandbox(),
            "wechat",
            out_trade_no=body["out_trade_no"],
            kind=kind,
            amount=amount,
            subject=body["description"],
            notify_url=body["notify_url"],
            expire_at=expire_at,
            **extra,
        )


@blueprint.post("/v3/pay/transactions/native")
@api
def native() -> Response:
    order = open_order(json_body(), "qr")
    return respond(sandbox(), 200, {"code_url": payments.wallet_url(sandbox(), order)})


@blueprint.post("/v3/pay/transactions/jsapi")
@api
def jsapi() -> Response:
    body = json_body()
    payer = body.get("payer") if isinstance(body.get("payer"), dict) else {}
    if not payer.get("openid"):
        raise ApiError(400, "PARAM_ERROR", "payer.openid 必填")
    # The prepay_id is also the wallet page's token: the browser's pay call leads there.
    prepay_id = "wx" + formats.compact(time.time()) + secrets.token_hex(10)
    order = open_order(body, "jsapi", payer=payer["openid"], wallet_token=prepay_id)
    return respond(sandbox(), 200, {"prepay_id": order["wallet_token"]})


@blueprint.post("/v3/pay/transactions/codepay")
@api
def codepay() -> Response:
    """A payment code: 200 paid, 202 USERPAYING (query, then reverse), or 4xx refused. No notify."""
    body = json_body()
    ours(body)
    need(body, "description", "out_trade_no")
    payer = body.get("payer") if isinstance(body.get("payer"), dict) else {}
    auth_code = str(payer.get("auth_code", ""))
    if not AUTH_CODE.fullmatch(auth_code):
        raise ApiError(400, "AUTH_CODE_INVALID", "付款码无效，请重新扫码")
    amount = total_of(body)
    store = sandbox().store
    with sandbox().money_lock:
        order = store.find_order("wechat", sandbox().merchant("wechat"), body["out_trade_no"])
        if order and (order["amount"] != amount or order["auth_code"] != auth_code):
            raise ApiError(400, "OUT_TRADE_NO_USED", "商户订单号重复")
        if not order:
            if store.order_by("auth_code", auth_code):
                raise ApiError(400, "AUTH_CODE_INVALID", "付款码已使用，请刷新后重新扫码")
            order = payments.start_code_payment(
                sandbox(),
                "wechat",
                auth_code,
                out_trade_no=body["out_trade_no"],
                amount=amount,
                subject=body["description"],
            )
    if order["status"] == "PAID":
        return respond(sandbox(), 200, transaction(order))
    if order["status"] == "USERPAYING":
        return respond(sandbox(), 202, {"code": "USERPAYING", "message": "需要用户输入支付密码"})
    if order["outcome"] == "insufficient":
        raise ApiError(403, "NOTENOUGH", "用户账户余额不足")
    if order["status"] == "PAYERROR":
        raise ApiError(403, "TRADE_ERROR", "交易错误，用户支付失败")
    raise ApiError(
        400, "ORDERREVERSED" if order["status"] == "REVOKED" else "ORDERCLOSED", "订单已撤销或关闭"
    )


@blueprint.get("/v3/pay/transactions/out-trade-no/<out_trade_no>")
@api
def query(out_trade_no: str) -> Response:
    if request.args.get("mchid") != sandbox().merchant("wechat"):
        raise ApiError(400, "PARAM_ERROR", "mchid 无效")
    return respond(sandbox(), 200, transaction(find(out_trade_no)))


@blueprint.get("/v3/pay/transactions/id/<transaction_id>")
@api
def query_by_id(transaction_id: str) -> Response:
    order = sandbox().store.order_by("trade_no", transaction_id)
    if request.args.get("mchid") != sandbox().merchant("wechat") or not order or order["gateway"] != "wechat":
        raise ApiError(404, "ORDER_NOT_EXIST", "订单不存在")
    return respond(sandbox(), 200, transaction(order))


@blueprint.post("/v3/pay/transactions/out-trade-no/<out_trade_no>/close")
@api
def close(out_trade_no: str) -> Response:
    ours(json_body(), appid=False)
    order = find(out_trade_no)
    if not payments.close(sandbox(), order) and sandbox().store.order(order["id"])["status"] == "PAID":
        raise ApiError(400, "ORDERPAID", "订单已支付，不能关闭")
    return respond(sandbox(), 204)


@blueprint.post("/v3/pay/transactions/out-trade-no/<out_trade_no>/reverse")
@api
def reverse(out_trade_no: str) -> Response:
    """Undo a code payment whose outcome the merchant does not know: refund if paid, then REVOKED."""
    ours(json_body())
    order = find(out_trade_no)
    if order["kind"] != "code":
        raise ApiError(400, "INVALID_REQUEST", "仅付款码支付的订单可以撤销")
    with sandbox().money_lock:
        if not payments.close(sandbox(), order, status="REVOKED"):
            order = sandbox().store.order(order["id"])
            if order["status"] == "PAID":
                left = order["amount"] - sandbox().store.refunded(order["id"])
                if left > 0:
                    payments.refund(sandbox(), order, "reverse:" + out_trade_no, left, kind="reverse")
                sandbox().store.update_order(order["id"], status="REVOKED", closed_at=time.time())
    ident = sandbox().keys.identity["wechat"]
    return respond(
        sandbox(), 200, {"appid": ident["appid"], "mchid": ident["mchid"], "out_trade_no": out_trade_no}
    )
