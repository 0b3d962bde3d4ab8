"""WeChat Pay API v3 refunds (PROCESSING, then SUCCESS and a notify) and trade bills."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from flask import Blueprint, Response, request

from ops.sandbox_gateway import formats, payments, wechat_bill
from ops.sandbox_gateway.state import Row
from ops.sandbox_gateway.web import fail_when_scripted, sandbox
from ops.sandbox_gateway.wechat import find
from ops.sandbox_gateway.wechat_wire import PREFIX, ApiError, api, json_body, need, respond, total_of

blueprint = Blueprint("wechat_refunds", __name__, url_prefix=PREFIX)
fail_when_scripted(blueprint, "wechat")
BILL_LINK_SECONDS = 30


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
    data = wechat_bill.wechat_bill(sandbox(), day, bill_type)
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
