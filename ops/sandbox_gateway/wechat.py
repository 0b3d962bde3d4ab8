"""WeChat Pay API v3: Native, JSAPI and code payments, query, close, reverse, refunds, trade bills."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, request

from ops.sandbox_gateway import bills, formats, payments
from ops.sandbox_gateway.state import Row
from ops.sandbox_gateway.web import fail_when_scripted, sandbox
from ops.sandbox_gateway.wechat_auth import ApiError, authenticate, error, json_body, respond

PREFIX = "/wechat"
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
BILL_LINK_SECONDS = 30


def api(view: Callable[..., Response]) -> Callable[..., Response]:
    """Authenticate the merchant, then run the view; ApiError becomes WeChat's error answer."""

    def guarded(**kwargs: Any) -> Response:
        try:
            authenticate(sandbox(), PREFIX)
            return view(**kwargs)
        except ApiError as failure:
            return error(sandbox(), failure)

    guarded.__name__ = view.__name__
    return guarded


def ours(body: dict[str, Any], *, appid: bool = True) -> None:
    ident = sandbox().keys.identity["wechat"]
    if body.get("mchid") != ident["mchid"] or (appid and body.get("appid") != ident["appid"]):
        raise ApiError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")


def need(body: dict[str, Any], *names: str) -> None:
    for name in names:
        if not isinstance(body.get(name), str) or not body[name]:
            raise ApiError(400, "PARAM_ERROR", f"输入源“/body/{name}”映射到字段“{name}”必填性规则校验失败")


def total_of(body: dict[str, Any], name: str = "total") -> int:
    amount = body.get("amount")
    try:
        if not isinstance(amount, dict) or amount.get("currency", "CNY") != "CNY":
            raise ValueError("amount")
        return formats.parse_fen(amount.get(name))
    except ValueError as failure:
        raise ApiError(400, "PARAM_ERROR", f"amount.{name} 无效") from failure


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


def refund_view(order: Row, refund: Row) -> dict[str, Any]:
    found = {
        "refund_id": refund["refund_no"],
        "out_refund_no": refund["out_refund_no"],
        "transaction_id": order["trade_no"],
        "out_trade_no": order["out_trade_no"],
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "create_time": formats.rfc3339(refund["created_at"]),
        "status": refund["status"],
        "funds_account": "AVAILABLE",
        "amount": {
            "total": order["amount"],
            "refund": refund["amount"],
            "payer_total": order["amount"],
            "payer_refund": refund["amount"],
            "settlement_total": order["amount"],
            "settlement_refund": refund["amount"],
            "discount_refund": 0,
            "currency": "CNY",
            "refund_fee": 0,
        },
    }
    if refund["succeeded_at"]:
        found["success_time"] = formats.rfc3339(refund["succeeded_at"])
    return found


@blueprint.post("/v3/refund/domestic/refunds")
@api
def create_refund() -> Response:
    """PROCESSING at first, SUCCESS a little later (notified); the same out_refund_no refunds once."""
    body = json_body()
    need(body, "out_refund_no")
    if body.get("transaction_id"):
        order = sandbox().store.order_by("trade_no", str(body["transaction_id"]))
        if not order or order["gateway"] != "wechat":
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
    else:
        need(body, "out_trade_no")
        order = find(body["out_trade_no"])
    amount, total = total_of(body, "refund"), total_of(body, "total")
    if total != order["amount"]:
        raise ApiError(400, "PARAM_ERROR", "订单金额与原订单不一致")
    earlier = sandbox().store.find_refund("wechat", order["id"], body["out_refund_no"])
    if earlier:
        if earlier["amount"] != amount:
            raise ApiError(400, "INVALID_REQUEST", "退款单号已使用，参数与原请求不一致")
        return respond(sandbox(), 200, refund_view(order, earlier))
    if order["status"] != "PAID":
        raise ApiError(400, "INVALID_REQUEST", "订单未支付或已关闭，不能退款")
    try:
        made, _ = payments.refund(
            sandbox(),
            order,
            body["out_refund_no"],
            amount,
            processing=True,
            notify_url=str(body.get("notify_url", "")),
            extra={"reason": body.get("reason", "")},
        )
    except payments.RefundRefused as failure:
        raise ApiError(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额") from failure
    return respond(sandbox(), 200, refund_view(order, made))


@blueprint.get("/v3/refund/domestic/refunds/<out_refund_no>")
@api
def query_refund(out_refund_no: str) -> Response:
    refund = sandbox().store.refund_by_out_no("wechat", out_refund_no)
    if not refund:
        raise ApiError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
    return respond(sandbox(), 200, refund_view(sandbox().store.order(refund["order_id"]), refund))


@blueprint.get("/v3/bill/tradebill")
@api
def trade_bill() -> Response:
    """A link to the day's bill and the SHA1 of the file it serves (the file itself is not signed)."""
    day = request.args.get("bill_date", "")
    bill_type = request.args.get("bill_type", "ALL")
    try:
        formats.day_bounds(day)
    except ValueError as failure:
        raise ApiError(400, "PARAM_ERROR", "bill_date 格式错误") from failure
    if bill_type not in ("ALL", "SUCCESS", "REFUND") or request.args.get("tar_type", "GZIP") != "GZIP":
        raise ApiError(400, "PARAM_ERROR", "bill_type 或 tar_type 无效")
    if day > formats.local(time.time()).strftime("%Y-%m-%d"):
        raise ApiError(400, "INVALID_REQUEST", "账单日期不能是未来")
    data = bills.wechat_bill(sandbox(), day, bill_type)
    if data is None:
        raise ApiError(400, "NO_STATEMENT_EXIST", "账单文件不存在")
    token = sandbox().offer_download(f"{day}_{bill_type}.csv.gz", data, BILL_LINK_SECONDS)
    return respond(
        sandbox(),
        200,
        {
            "hash_type": "SHA1",
            "hash_value": hashlib.sha1(data).hexdigest(),
            "download_url": f"{sandbox().public_url}{PREFIX}/v3/billdownload/file?token={token}",
        },
    )


@blueprint.get("/v3/billdownload/file")
@api
def bill_file() -> Response:
    found = sandbox().download(request.args.get("token", ""))
    if not found:
        raise ApiError(400, "INVALID_REQUEST", "下载链接已失效")
    return respond(sandbox(), 200, body=found[1], content_type="application/octet-stream")
