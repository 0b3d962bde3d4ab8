"""UnionPay back notifies (后台通知): form POSTs to backUrl, signed with the certificate inside."""

from __future__ import annotations

from typing import Any

from ops.sandbox_gateway import formats
from ops.sandbox_gateway.sandbox import Made, NotifyFormat, Sandbox
from ops.sandbox_gateway.state import Row
from ops.sandbox_gateway.unionpay_wire import encode, order_trace, sign, trace

# UnionPay publishes no schedule; the sandbox tries again after 1, 2, 4, 8 and 16 minutes.
SCHEDULE = (60.0, 120.0, 240.0, 480.0, 960.0)


def _common(
    order: Row, txn_type: str, order_id: str, txn_time: str, amount: int, query_id: str
) -> dict[str, Any]:
    return {
        "version": "5.1.0",
        "encoding": "UTF-8",
        "txnType": txn_type,
        "txnSubType": "07" if txn_type == "01" else "00",
        "bizType": "000000",
        "accessType": "0",
        "merId": order["merchant"],
        "orderId": order_id,
        "txnTime": txn_time,
        "txnAmt": str(amount),
        "currencyCode": "156",
        "queryId": query_id,
        "respCode": "00",
        "respMsg": "成功[0000000]",
        "settleAmt": str(amount),
        "settleCurrencyCode": "156",
    }


def paid(sandbox: Sandbox, order: Row) -> Made:
    fields = _common(
        order, "01", order["out_trade_no"], order["extra"]["txnTime"], order["amount"], order["trade_no"]
    )
    fields.update(order_trace(order))
    return order["notify_url"], "01", fields


def refunded(sandbox: Sandbox, order: Row, refund: Row) -> Made:
    txn_type = "31" if refund["kind"] == "cancel" else "04"
    fields = _common(
        order,
        txn_type,
        refund["out_refund_no"],
        refund["extra"].get("txnTime", ""),
        refund["amount"],
        refund["refund_no"],
    )
    fields.update(trace(refund["created_at"], refund["refund_no"]), origQryId=order["trade_no"])
    return refund["notify_url"], txn_type, fields


def request(sandbox: Sandbox, notify: Row) -> tuple[dict[str, str], bytes]:
    body = encode(sign(sandbox, notify["payload"], forged=bool(notify["forge"])))
    return {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}, body


def accepted(status: int, body: bytes) -> bool:
    return status == 200


def mischief(
    sandbox: Sandbox, payload: dict[str, Any], action: str, script: dict[str, Any]
) -> dict[str, Any]:
    bent = dict(payload)
    if action == "wrong_amount":
        amount = formats.parse_fen(script["amount"]) if script.get("amount") else int(payload["txnAmt"]) + 1
        bent["txnAmt"] = bent["settleAmt"] = str(amount)
    else:
        bent["merId"] = "777290058" + formats.digits(6)
    return bent


FORMAT = NotifyFormat(
    schedule=SCHEDULE, paid=paid, refunded=refunded, request=request, accepted=accepted, mischief=mischief
)
