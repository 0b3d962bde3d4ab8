"""Alipay's asynchronous notifies (trade_status_sync) and the signed return to a WAP page."""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlencode

from ops.sandbox_gateway import formats
from ops.sandbox_gateway.alipay_trades import buyer, trade_status
from ops.sandbox_gateway.sandbox import Made, NotifyFormat, Sandbox
from ops.sandbox_gateway.signing import alipay_notify_string, rsa_sign
from ops.sandbox_gateway.state import Row

# Seconds between tries: 4 min, 10 min, 10 min, 1 h, 2 h, 6 h, 15 h (8 tries over about 25 h).
SCHEDULE = (240.0, 600.0, 600.0, 3600.0, 7200.0, 21600.0, 54000.0)


def _base(sandbox: Sandbox, order: Row) -> dict[str, Any]:
    return {
        "notify_type": "trade_status_sync",
        "notify_id": secrets.token_hex(16),
        "app_id": order["merchant"],
        "auth_app_id": order["merchant"],
        "charset": "utf-8",
        "version": "1.0",
        "trade_no": order["trade_no"],
        "out_trade_no": order["out_trade_no"],
        "seller_id": sandbox.keys.identity["alipay"]["seller_id"],
        "buyer_id": buyer(order)["buyer_user_id"],
        "buyer_logon_id": buyer(order)["buyer_logon_id"],
        "subject": order["subject"],
        "total_amount": formats.yuan(order["amount"]),
        "receipt_amount": formats.yuan(order["amount"]),
        "buyer_pay_amount": formats.yuan(order["amount"]),
        "invoice_amount": formats.yuan(order["amount"]),
        "gmt_create": formats.wall_clock(order["created_at"]),
    }


def paid(sandbox: Sandbox, order: Row) -> Made:
    fields = _base(sandbox, order)
    fields.update(trade_status="TRADE_SUCCESS", gmt_payment=formats.wall_clock(order["paid_at"]))
    return order["notify_url"], "TRADE_SUCCESS", fields


def refunded(sandbox: Sandbox, order: Row, refund: Row) -> Made:
    """A refund notifies the order's notify_url: TRADE_CLOSED once all is refunded."""
    fields = _base(sandbox, order)
    status = trade_status(order)
    refunded_total = sandbox.store.refunded(order["id"])
    fields.update(
        trade_status=status,
        gmt_payment=formats.wall_clock(order["paid_at"]),
        refund_fee=formats.yuan(refunded_total),
        out_biz_no=refund["out_refund_no"],
        gmt_refund=formats.wall_clock(refund["succeeded_at"]) + ".000",
    )
    if status == "TRADE_CLOSED":
        fields["gmt_close"] = formats.wall_clock(refund["succeeded_at"])
    return order["notify_url"], status, fields


def signed(sandbox: Sandbox, fields: dict[str, Any], forged: bool = False) -> dict[str, str]:
    fields = {k: str(v) for k, v in fields.items()}
    fields["sign_type"] = "RSA2"
    key = sandbox.forger_key() if forged else sandbox.keys.alipay_private
    fields["sign"] = rsa_sign(key, alipay_notify_string(fields))
    return fields


def request(sandbox: Sandbox, notify: Row) -> tuple[dict[str, str], bytes]:
    fields = dict(notify["payload"], notify_time=formats.wall_clock(time.time()))
    body = urlencode(signed(sandbox, fields, bool(notify["forge"]))).encode("utf-8")
    return {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body


def accepted(status: int, body: bytes) -> bool:
    return status == 200 and body == b"success"


def mischief(
    sandbox: Sandbox, payload: dict[str, Any], action: str, script: dict[str, Any]
) -> dict[str, Any]:
    bent = dict(payload)
    if action == "wrong_amount":
        amount = (
            formats.parse_fen(script["amount"])
            if script.get("amount")
            else formats.parse_yuan(payload["total_amount"]) + 1
        )
        for name in ("total_amount", "receipt_amount", "buyer_pay_amount", "invoice_amount"):
            bent[name] = formats.yuan(amount)
    else:
        bent["app_id"] = bent["auth_app_id"] = "2021" + formats.digits(12)
        bent["seller_id"] = "2088" + formats.digits(12)
    return bent


def return_to(sandbox: Sandbox, order: Row) -> str:
    """The merchant's return_url with Alipay's signed synchronous return parameters."""
    fields = signed(
        sandbox,
        {
            "charset": "utf-8",
            "out_trade_no": order["out_trade_no"],
            "method": "alipay.trade.wap.pay.return",
            "total_amount": formats.yuan(order["amount"]),
            "trade_no": order["trade_no"],
            "auth_app_id": order["merchant"],
            "version": "1.0",
            "app_id": order["merchant"],
            "seller_id": sandbox.keys.identity["alipay"]["seller_id"],
            "timestamp": formats.wall_clock(time.time()),
        },
    )
    joiner = "&" if "?" in order["return_url"] else "?"
    return order["return_url"] + joiner + urlencode(fields)


FORMAT = NotifyFormat(
    schedule=SCHEDULE,
    paid=paid,
    refunded=refunded,
    request=request,
    accepted=accepted,
    mischief=mischief,
    return_to=return_to,
)
