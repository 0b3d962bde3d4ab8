"""The payer's side: the page a QR, a WAP link or a JSAPI call leads to, with Approve and Decline."""

from __future__ import annotations

import time

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from ops.sandbox_gateway import formats, payments
from ops.sandbox_gateway.signing import rsa_verify
from ops.sandbox_gateway.state import Row
from ops.sandbox_gateway.web import sandbox

blueprint = Blueprint("wallet", __name__, url_prefix="/wallet")

GATEWAY_NAMES = {
    "alipay": ("支付宝", "Alipay"),
    "wechat": ("微信支付", "WeChat Pay"),
    "unionpay": ("云闪付", "UnionPay"),
}
STATUS_NAMES = {
    "WAITING": ("待支付", "Waiting for payment"),
    "DECLINED": ("已拒绝", "Declined"),
    "PAID": ("已支付", "Paid"),
    "CLOSED": ("已关闭", "Closed"),
    "USERPAYING": ("支付中", "Paying"),
    "PAYERROR": ("支付失败", "Payment failed"),
    "REVOKED": ("已撤销", "Reversed"),
}


def scanned(token: str) -> Row:
    """The order behind a wallet link; opening it is the payer's scan (the trade now exists)."""
    order = sandbox().store.order_by("wallet_token", token)
    if not order:
        abort(404)
    if not order["extra"].get("seen"):
        order = sandbox().store.update_order(order["id"], extra={**order["extra"], "seen": True})
    return order


@blueprint.get("/<token>")
def page(token: str) -> str:
    order = scanned(token)
    expired = order["expire_at"] is not None and order["expire_at"] < time.time()
    return render_template(
        "wallet.html",
        order=order,
        amount=formats.yuan(order["amount"]),
        gateway=GATEWAY_NAMES[order["gateway"]],
        status=STATUS_NAMES[order["status"]],
        payable=order["status"] == "WAITING" and not expired,
        created=formats.wall_clock(order["created_at"]),
    )


@blueprint.post("/<token>/approve")
def approve(token: str) -> Response:
    order = scanned(token)
    paid = payments.approve(sandbox(), order)
    back = sandbox().formats[order["gateway"]].return_to
    if paid and back and order["return_url"]:
        return redirect(back(sandbox(), paid))
    return redirect(url_for("wallet.page", token=token))


@blueprint.post("/<token>/decline")
def decline(token: str) -> Response:
    payments.decline(sandbox(), scanned(token))
    return redirect(url_for("wallet.page", token=token))


@blueprint.get("/wechat/jsapi")
def jsapi() -> Response | tuple[str, int]:
    """What WeixinJSBridge's chooseWXPay would open: the merchant's paySign checked, then the wallet."""
    args = request.args
    package = args.get("package", "")
    message = f"{args.get('appId', '')}\n{args.get('timeStamp', '')}\n{args.get('nonceStr', '')}\n{package}\n"
    valid = (
        args.get("appId") == sandbox().keys.identity["wechat"]["appid"]
        and args.get("signType") == "RSA"
        and package.startswith("prepay_id=")
        and rsa_verify(sandbox().keys.wechat_merchant_public, message.encode(), args.get("paySign", ""))
    )
    if not valid:
        return render_template("wallet_error.html", code="SIGN_ERROR", message="支付验证签名失败"), 400
    order = sandbox().store.order_by("wallet_token", package.removeprefix("prepay_id="))
    if not order or order["gateway"] != "wechat":
        return render_template("wallet_error.html", code="PREPAY_ID_INVALID", message="prepay_id 无效"), 400
    return redirect(url_for("wallet.page", token=order["wallet_token"]))
